package views

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/attachform/attachform/internal/addrs"
	"github.com/attachform/attachform/internal/bytesize"
	"github.com/attachform/attachform/state"
)

// LockWaiting says who holds the lock the command waits for.
func (v *View) LockWaiting(holder *state.LockError, timeout time.Duration) {
	i := holder.Info
	who := "another run"
	if i.ID != "" {
		who = fmt.Sprintf("%s (%s, since %s", i.Who, i.Operation, i.Created.Local().Format(time.RFC3339))
		if i.RunURL != "" {
			who += ", " + i.RunURL
		}
		who += ")"
	}
	fmt.Fprintf(v.err, "The state is locked by %s; waiting up to %s for it.\n", who, timeout)
}

// LockLost says the lock ended while held, and what follows.
func (v *View) LockLost(err error) {
	Errorf(v, "The state lock was lost", "%v\n\nNothing new starts, and changes in flight are cancelled. What finished is saved "+
		"if the state store takes it (else kept in %s); run the command again once no other run holds the lock.", err, state.ErroredFile)
}

// State is the output of the commands that work on the state itself
// (state list, show, rm, mv, pull, push; init, force-unlock, import).
type State interface {
	Workspace
	// Addresses lists addresses, one a line (state list).
	Addresses(addrs []string)
	// Object shows what the state records at addr (state show).
	Object(st *state.State, addr string)
	// StateDocument writes a state as JSON, for programs (state pull);
	// redacted counts the upload URLs hidden in it.
	StateDocument(st *state.State, redacted int) error
	// Removed lists what state rm forgot, or would forget.
	Removed(addrs []string, dryRun bool)
	// Moved lists what state mv renamed, or would rename.
	Moved(moves [][2]string, dryRun bool)
	// Pushed: state push wrote st.
	Pushed(st *state.State)
	// Ask asks a question whose answer the command reads; Answered
	// follows the answer.
	Ask(question string)
	Answered()
	// Unlocked: force-unlock freed the lock.
	Unlocked(id string)
	// Imported: import recorded a at its address; differs says how it is
	// not what the manifest declares ("" when it is).
	Imported(a state.Attachment, differs string)
	// BackendReady: init reached the backend the manifests name.
	BackendReady(typ, settings string)
	// Note is one line for people, on stderr.
	Note(msg string)
	// Initialized ends a successful init.
	Initialized()
}

var StateViews = Set[State]{
	human: func(v *View) State { return &stateHuman{v} },
}

type stateHuman struct{ *View }

func (v *stateHuman) Addresses(addrs []string) {
	for _, a := range addrs {
		fmt.Fprintln(v.out, a)
	}
}

// Object writes what the state records at addr in Terraform's state show
// layout. Upload URLs are credentials: they never appear.
func (v *stateHuman) Object(st *state.State, addr string) {
	w := v.out
	header := addr
	if a, err := addrs.Parse(addr); err == nil {
		header = fmt.Sprintf("attachment %q", a.Name)
		if !a.Key.IsNone() {
			header += " " + strings.Trim(a.Key.String(), "[]")
		}
	}
	if a, ok := st.Attachment(addr); ok {
		fmt.Fprintf(w, "# %s:\n%s {\n", addr, header)
		writeAttachment(w, a)
		fmt.Fprintln(w, "}")
	}
	for _, a := range st.Deposed {
		if a.Address == addr {
			fmt.Fprintf(w, "\n# %s (deposed: replaced, deletion not yet confirmed):\n%s {\n", addr, header)
			writeAttachment(w, a)
			fmt.Fprintln(w, "}")
		}
	}
	for _, s := range st.Sessions {
		if s.Address == addr {
			fmt.Fprintf(w, "\n# %s (upload interrupted; the next apply resumes or cancels it):\nupload_session {\n", addr)
			fields(w, [][2]string{
				{"id", quote(s.ID)},
				{"upload_url", "(sensitive value)"},
				{"target", target(s.Target.String())},
				{"name", quote(s.Name)},
				{"content_type", quote(s.ContentType)},
				{"sha256", quote(s.SHA256)},
				{"bytes", fmt.Sprintf("%d # %s", s.Bytes, bytesize.Format(s.Bytes))},
				{"confirmed", fmt.Sprintf("%d # %s", s.Confirmed, bytesize.Format(s.Confirmed))},
				{"started_at", quote(s.StartedAt.Format(time.RFC3339))},
				{"expires_at", quote(s.ExpiresAt.Format(time.RFC3339))},
			})
			fmt.Fprintln(w, "}")
		}
	}
	for _, x := range st.Intents {
		if x.Address == addr {
			fmt.Fprintf(w, "\n# %s (creation announced, outcome not recorded; the next plan looks for it on the item):\nintent {\n", addr)
			fields(w, [][2]string{
				{"id", quote(x.ID)},
				{"target", target(x.Target.String())},
				{"name", quote(x.Name)},
				{"sha256", quote(x.SHA256)},
				{"bytes", fmt.Sprint(x.Bytes)},
				{"created_at", quote(x.CreatedAt.Format(time.RFC3339))},
			})
			fmt.Fprintln(w, "}")
		}
	}
}

func writeAttachment(w io.Writer, a state.Attachment) {
	f := [][2]string{
		{"id", quote(a.ID)},
		{"target", target(a.Target.String())},
	}
	// What Graph called the item when last planned, shortened and quoted.
	if l := a.TargetLabel; l.Title != "" {
		f = append(f, [2]string{"target_title", labelQuote(l.Title)})
	}
	if l := a.TargetLabel; l.List != "" {
		f = append(f, [2]string{"target_list", labelQuote(l.List)})
	}
	f = append(f, [][2]string{
		{"name", quote(a.Name)},
		{"content_type", quote(a.ContentType)},
	}...)
	if a.Inline {
		f = append(f, [2]string{"inline", "true"}, [2]string{"content_id", quote(a.ContentID)})
	}
	f = append(f,
		[2]string{"sha256", quote(a.SHA256)},
		[2]string{"bytes", fmt.Sprintf("%d # %s", a.Bytes, bytesize.Format(a.Bytes))},
		[2]string{"reported_size", fmt.Sprint(a.ReportedSize)},
		[2]string{"created_at", quote(a.CreatedAt.Format(time.RFC3339))},
	)
	fields(w, f)
}

// fields writes name = value lines with the equals signs aligned.
func fields(w io.Writer, f [][2]string) {
	width := 0
	for _, kv := range f {
		width = max(width, len(kv[0]))
	}
	for _, kv := range f {
		fmt.Fprintf(w, "    %-*s = %s\n", width, kv[0], kv[1])
	}
}

func quote(s string) string  { return fmt.Sprintf("%q", s) }
func target(s string) string { return quote(s) }

func (v *stateHuman) StateDocument(st *state.State, redacted int) error {
	if err := state.Encode(v.out, st); err != nil {
		return err
	}
	if redacted > 0 {
		fmt.Fprintf(v.err, "Note: %d upload URL(s) of interrupted uploads are credentials and read %q here; "+
			"state push restores them from the stored state.\n", redacted, state.Redacted)
	}
	return nil
}

func (v *stateHuman) Removed(addrs []string, dryRun bool) {
	verb := "Removed"
	if dryRun {
		verb = "Would remove"
	}
	for _, a := range addrs {
		fmt.Fprintf(v.out, "%s %s\n", verb, a)
	}
	if dryRun {
		fmt.Fprintf(v.out, "Would have removed nothing from the state: this was a dry run (%d object(s) match).\n", len(addrs))
		return
	}
	fmt.Fprintf(v.out, "Successfully removed %d resource instance(s). Graph was not touched.\n", len(addrs))
}

func (v *stateHuman) Moved(moves [][2]string, dryRun bool) {
	verb := "Move"
	if dryRun {
		verb = "Would move"
	}
	for _, m := range moves {
		fmt.Fprintf(v.out, "%s %q to %q\n", verb, m[0], m[1])
	}
	if dryRun {
		fmt.Fprintf(v.out, "Would have moved nothing: this was a dry run (%d object(s) match).\n", len(moves))
		return
	}
	fmt.Fprintf(v.out, "Successfully moved %d object(s).\n", len(moves))
}

func (v *stateHuman) Pushed(st *state.State) {
	fmt.Fprintf(v.out, "Pushed the state: lineage %s, serial %d, %d attachment(s).\n", st.Lineage, st.Serial, len(st.Attachments))
}

func (v *stateHuman) Ask(question string) {
	fmt.Fprint(v.out, question+"\n  Only 'yes' will be accepted to confirm.\n\n  Enter a value: ")
}

func (v *stateHuman) Answered() { fmt.Fprintln(v.out) }

func (v *stateHuman) Unlocked(id string) {
	fmt.Fprintf(v.out, "attachform state has been successfully unlocked!\n\n"+
		"The lock %s is gone, and attachform commands can take the lock again.\n", id)
}

func (v *stateHuman) Imported(a state.Attachment, differs string) {
	fmt.Fprintf(v.out, "%s: Importing from ID %q...\n%s: Import prepared!\n  Prepared attachment for import\n%s: Refreshing state... [id=%s]\n\n",
		a.Address, a.ID, a.Address, a.Address, a.ID)
	fmt.Fprintf(v.out, "Import successful!\n\nThe attachment %q (%s) on %s is now in the state as %s\nand will henceforth be managed by attachform.\n",
		a.Name, bytesize.Format(a.Bytes), a.Target, a.Address)
	if differs != "" {
		fmt.Fprintf(v.out, "\nIt is not what the manifest declares (%s): the next plan replaces it.\n", differs)
	}
}

func (v *stateHuman) BackendReady(typ, settings string) {
	fmt.Fprintf(v.out, "Successfully configured the backend %q (%s)! attachform will use this\nbackend unless the backend configuration changes.\n", typ, settings)
}

func (v *stateHuman) Note(msg string) { fmt.Fprintln(v.err, msg) }

func (v *stateHuman) Initialized() {
	fmt.Fprintln(v.out, "\nattachform has been successfully initialized!\n\n"+
		"You may now begin working with attachform. Try running \"attachform plan\" to see\n"+
		"any changes that are required. If you ever change the backend, rerun init\n"+
		"(with -migrate-state to move the state) to set it up.")
}
