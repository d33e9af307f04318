package views

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/attachform/attachform/internal/buildinfo"
	"github.com/attachform/attachform/internal/tfjson"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/state"
)

// Show is the show command's output.
type Show interface {
	Workspace
	// SavedPlan shows a plan plan -out saved; an error is the stream's.
	SavedPlan(s *plan.Saved) error
	// State shows what the state records (nil: there is none yet), never
	// an upload URL; an error is the stream's.
	State(st *state.State) error
}

var ShowViews = Set[Show]{
	human:    func(v *View) Show { return &showHuman{v} },
	json:     func(v *View) Show { return &showJSON{v} },
	markdown: func(v *View) Show { return &showMarkdown{v} },
	jsonHelp: "Write Terraform's JSON format: the plan of terraform show\n" +
		"-json PLANFILE (format 1.2), or the state of terraform show -json.",
	markdownHelp: "Write the saved plan as a pull request comment (under\n" +
		"GitHub's 65,535 characters).",
}

// showHuman writes a plan as plan does, and a state as Terraform's show.
type showHuman struct{ *View }

func (v *showHuman) SavedPlan(s *plan.Saved) error { return writePlan(v.out, s.Plan, v.outPal) }

// State writes every object the state records as a resource block, the
// way terraform show does: attachments, replaced ones whose deletion an
// interrupted apply left (deposed), and unfinished uploads.
func (v *showHuman) State(st *state.State) error {
	if st == nil {
		_, err := fmt.Fprintln(v.out, "No state.")
		return err
	}
	if len(st.Attachments)+len(st.Deposed)+len(st.Sessions) == 0 {
		_, err := fmt.Fprintln(v.out, "The state is empty. No attachments are recorded.")
		return err
	}
	var b strings.Builder
	block := func(header, typ, addr string, values map[string]any) {
		name, _ := tfjson.Addr(addr)
		fmt.Fprintf(&b, "# %s:\nresource %q %q {\n", header, typ, name)
		keys := make([]string, 0, len(values))
		width := 0
		for k := range values {
			keys = append(keys, k)
			width = max(width, len(k))
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "    %-*s = %s\n", width, k, hclValue(values[k]))
		}
		b.WriteString("}\n\n")
	}
	for _, a := range st.Attachments {
		block(a.Address, tfjson.AttachmentType, a.Address, tfjson.AttachmentValues(a))
	}
	for _, a := range st.Deposed {
		block(fmt.Sprintf("%s: (deposed object %s)", a.Address, plan.ShortID(a.ID)), tfjson.AttachmentType, a.Address, tfjson.AttachmentValues(a))
	}
	for _, s := range st.Sessions {
		ps := plan.Session{ID: s.ID, Descriptor: s.Descriptor, Confirmed: s.Confirmed, ExpiresAt: s.ExpiresAt, Target: s.Target}
		block(s.Address+": (unfinished upload)", tfjson.SessionType, s.Address, tfjson.SessionValues(&ps))
	}
	_, err := fmt.Fprint(v.out, strings.TrimSuffix(b.String(), "\n"))
	return err
}

// hclValue writes a value as HCL would.
func hclValue(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("%q", x)
	case bool, int, int64:
		return fmt.Sprint(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return string(b)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s = %s", k, hclValue(m[k])))
	}
	return "{ " + strings.Join(parts, ", ") + " }"
}

// showJSON writes Terraform's JSON documents.
type showJSON struct{ *View }

func (v *showJSON) SavedPlan(s *plan.Saved) error {
	return v.document(tfjson.PlanOf(s.Plan, buildinfo.Version()))
}

func (v *showJSON) State(st *state.State) error {
	return v.document(tfjson.StateOf(st, buildinfo.Version()))
}

func (v *showJSON) document(doc any) error {
	enc := json.NewEncoder(v.out)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// showMarkdown writes a saved plan as a pull request comment.
type showMarkdown struct{ *View }

func (v *showMarkdown) SavedPlan(s *plan.Saved) error {
	_, err := fmt.Fprint(v.out, planMarkdown(s.Plan, githubCommentLimit))
	return err
}

// State is refused by the command before it gets here.
func (v *showMarkdown) State(*state.State) error {
	v.Fail("show -markdown writes a saved plan, not the state")
	return errShown
}

// errShown is an error a view has already reported.
var errShown = fmt.Errorf("reported")
