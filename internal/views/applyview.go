package views

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/attachform/attachform/apply"
	"github.com/attachform/attachform/internal/bytesize"
	"github.com/attachform/attachform/plan"
)

// Apply is the apply command's output, in the order apply calls it:
// the plan, the approval (or the plan's having nothing to do), progress
// while changes run, and the outcome. During the run it also tells what
// an interrupt does.
type Apply interface {
	Workspace
	Interrupt
	// Plan shows the plan to approve; an error is the stream's.
	Plan(p *plan.Plan) error
	// AskApproval asks whether to perform the plan; the command reads
	// the answer and then calls Answered.
	AskApproval()
	// Answered follows the answer typed at the prompt.
	Answered()
	// Cancelled: the answer was not "yes", or the command was
	// interrupted while asking.
	Cancelled()
	// Applying comes before the first change starts, with the plan
	// applied (whose mode words the outcome: a destroy plan ends with
	// "Destroy complete!").
	Applying(p *plan.Plan)
	// Event reports one change's progress. Changes run at once, so it is
	// called from many goroutines.
	Event(e apply.Event)
	// Finished shows the outcome: what failed, the counts, and what a
	// stop left for the next apply. fatal is the error that ended the run
	// (the state could not be saved); nil when it ran to its end.
	Finished(r apply.Result, fatal error)
	// NotReviewed refuses apply -reviewed=file: the fresh plan's changes
	// differ from the reviewed ones by d (mode is both plans').
	NotReviewed(file string, d plan.ReviewDiff, mode plan.Mode)
}

var ApplyViews = Set[Apply]{
	human: func(v *View) Apply { return newApplyHuman(v) },
	json:  func(v *View) Apply { return newApplyJSON(v) },
	// Markdown is only for apply -reviewed: the refusal as a comment.
	markdown: newApplyMarkdown,
	markdownHelp: "With -reviewed: write only Markdown on stdout (a refusal's\n" +
		"difference, or the outcome) for a pull request comment;\n" +
		"progress goes to stderr.",
	jsonHelp: "Write the plan and the apply's progress as JSON lines on\n" +
		"stdout, in the shape of Terraform's machine-readable UI.\n" +
		"Needs -auto-approve or a saved plan: nothing can be asked.",
}

// DestroyViews are apply's but Markdown, which is for apply -reviewed.
var DestroyViews = Set[Apply]{human: ApplyViews.human, json: ApplyViews.json, jsonHelp: ApplyViews.jsonHelp}

// applyHuman prints apply's progress Terraform's way: live bars on a
// terminal, plain lines elsewhere (see applyProgress).
type applyHuman struct {
	*View
	mu       sync.Mutex // Event comes from many workers at once
	progress applyProgress
	// started and sent tell, for what a stop leaves unfinished, whether
	// it began and how many bytes Graph confirmed.
	started map[string]bool
	sent    map[string]apply.Event
	// mode is the plan's, for the words of the prompt and the outcome.
	mode plan.Mode
}

func newApplyHuman(v *View) *applyHuman {
	var progress applyProgress = newPlainProgress(v.out, realProgressClock)
	if terminalFor(v.out, v.getenv) {
		progress = newBarProgress(v.out, realProgressClock)
	}
	return &applyHuman{View: v, progress: progress, started: map[string]bool{}, sent: map[string]apply.Event{}}
}

func (v *applyHuman) Plan(p *plan.Plan) error {
	v.mode = p.Mode
	v.progress.planned(p)
	return writePlan(v.out, p, v.outPal)
}

// AskApproval asks as Terraform does, in its words for the plan's mode;
// only "yes" approves.
func (v *applyHuman) AskApproval() {
	switch v.mode {
	case plan.Destroy:
		fmt.Fprint(v.out, "\nDo you really want to destroy all attachments?\n"+
			"  attachform will delete every attachment it manages, as shown above.\n"+
			"  There is no undo. Only 'yes' will be accepted to confirm.\n\n"+
			"  Enter a value: ")
	case plan.RefreshOnly:
		fmt.Fprint(v.out, "\nWould you like to update the state to reflect these detected changes?\n"+
			"  attachform will write these changes to the state without changing anything in Graph.\n"+
			"  There is no undo. Only 'yes' will be accepted to confirm.\n\n"+
			"  Enter a value: ")
	default:
		fmt.Fprint(v.out, "\nDo you want to perform these actions?\n"+
			"  attachform will perform the actions described above.\n"+
			"  Only 'yes' will be accepted to approve.\n\n"+
			"  Enter a value: ")
	}
}

func (v *applyHuman) Answered() { fmt.Fprintln(v.out) }

func (v *applyHuman) Cancelled() {
	fmt.Fprintf(v.err, "\nError: %s cancelled.\n", operationName(v.mode))
}

// Applying also learns the plan: a saved plan is applied without being
// shown first.
func (v *applyHuman) Applying(p *plan.Plan) {
	v.mode = p.Mode
	v.progress.planned(p)
	fmt.Fprintln(v.out)
	v.progress.begin()
}

var verbs = map[plan.Action][3]string{
	plan.Create:  {"Creating...", "Creation complete", "Still creating..."},
	plan.Resume:  {"Resuming upload...", "Creation complete", "Still creating..."},
	plan.Replace: {"Replacing...", "Replacement complete", "Still replacing..."},
	plan.Delete:  {"Destroying...", "Destruction complete", "Still destroying..."},
	plan.Cancel:  {"Cancelling upload session...", "Cancellation complete", "Still cancelling..."},
	plan.Adopt:   {"Adopting...", "Adoption complete", "Still adopting..."},
	plan.Forget:  {"Removing from state...", "Removal complete", "Still removing..."},
}

// verbsOf are the words for e's change; an import block's are Terraform's.
func verbsOf(e apply.Event) [3]string {
	if e.Import && e.Action == plan.Adopt {
		return [3]string{"Importing...", "Import complete", "Still importing..."}
	}
	return verbs[e.Action]
}

func (v *applyHuman) Event(e apply.Event) {
	v.mu.Lock()
	defer v.mu.Unlock()
	switch e.Phase {
	case apply.Started:
		v.started[e.Address] = true
	case apply.Progress:
		v.sent[e.Address] = e
	}
	v.progress.event(e)
}

func (v *applyHuman) Finished(r apply.Result, fatal error) {
	v.progress.end()
	for _, e := range r.Errors {
		if fatal != nil && errors.Is(e.Err, fatal) {
			continue
		}
		Errorf(v, fmt.Sprintf("%s: %s failed", e.Address, e.Action), "%v", e.Err)
	}
	if fatal != nil {
		Errorf(v, fatalSummary(fatal), "%v", fatal)
	}
	switch {
	case len(r.Errors) > 0 || fatal != nil:
		fmt.Fprintf(v.out, "\n%s\n", applyOutcome(r, fatal, v.mode))
		v.unfinished(r.Unfinished)
	case len(r.Unfinished) > 0:
		// Only a stop or an interrupt leaves changes without an error.
		fmt.Fprintf(v.out, "\n%s\n", applyOutcome(r, fatal, v.mode))
		v.unfinished(r.Unfinished)
		Errorf(v, "Apply interrupted",
			"%s not finished. What finished is saved in the state; run \"attachform apply\" again to finish the rest.",
			plural(len(r.Unfinished), "planned change was", "planned changes were"))
	default:
		fmt.Fprintf(v.out, "\n%s %s\n", v.outPal.paint(styleSuccess, operationName(v.mode)+" complete!"), applySummary(r, v.mode))
	}
}

// fatalSummary heads the error that ended an apply early.
func fatalSummary(fatal error) string {
	if errors.Is(fatal, apply.ErrNotSaved) {
		return "The state could not be saved"
	}
	return "The apply was stopped"
}

// operationName is what Terraform calls the run: a destroy plan's is
// "Destroy", every other "Apply".
func operationName(mode plan.Mode) string {
	if mode == plan.Destroy {
		return "Destroy"
	}
	return "Apply"
}

// applyOutcome is the outcome line: "Apply complete! Resources: …",
// "Destroy failed. …", "Apply interrupted. …".
func applyOutcome(r apply.Result, fatal error, mode plan.Mode) string {
	verdict := " complete!"
	switch {
	case len(r.Errors) > 0 || fatal != nil:
		verdict = " failed."
	case len(r.Unfinished) > 0:
		verdict = " interrupted."
	}
	return operationName(mode) + verdict + " " + applySummary(r, mode)
}

// Exit statuses, as the command returns them.
const (
	exitOK    = 0
	exitError = 1
)

// ApplyExitCode is apply's exit status for its outcome: 1 when anything
// failed or was left, else 0.
func ApplyExitCode(r apply.Result, fatal error) int {
	if fatal != nil || len(r.Errors) > 0 || len(r.Unfinished) > 0 {
		return exitError
	}
	return exitOK
}

// applySummary counts what was done, Terraform's way (a destroy counts
// only what it destroyed), naming what Terraform has no word for only
// when it happened.
func applySummary(r apply.Result, mode plan.Mode) string {
	imports := ""
	if r.Imported > 0 {
		imports = fmt.Sprintf("%d imported, ", r.Imported)
	}
	s := fmt.Sprintf("Resources: %s%d added, 0 changed, %d destroyed", imports, r.Added, r.Destroyed)
	if mode == plan.Destroy {
		s = fmt.Sprintf("Resources: %d destroyed", r.Destroyed)
	}
	return s + extraCounts([]count{
		{r.Resumed, "resumed", "resumed"},
		{r.Adopted, "adopted", "adopted"},
		{r.Cancelled, "upload session cancelled", "upload sessions cancelled"},
		{r.Forgotten, "forgotten", "forgotten"},
		{r.Moved, "moved", "moved"},
	}) + "."
}

// unfinished lists what a stop left for the next apply, and how far each
// got.
func (v *applyHuman) unfinished(addrs []string) {
	if len(addrs) == 0 {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	fmt.Fprintf(v.out, "\nNot finished; the next apply picks these up:\n")
	for _, a := range slices.Sorted(slices.Values(addrs)) {
		e, uploading := v.sent[a]
		switch {
		case !v.started[a]:
			fmt.Fprintf(v.out, "  %s: not started\n", a)
		case uploading && e.Sent > 0 && e.Sent < e.Total:
			fmt.Fprintf(v.out, "  %s: stopped after %s of %s; the upload session is saved and the next apply resumes it\n", a, bytesize.Format(e.Sent), bytesize.Format(e.Total))
		default:
			fmt.Fprintf(v.out, "  %s: interrupted\n", a)
		}
	}
}

// plural is "N one" or "N many".
// count is one of the counts a summary names only when it is not zero.
type count struct {
	n         int
	one, many string
}

// extraCounts is ", 2 resumed, 1 forgotten": the counts that are not
// zero, in order, each after a comma. Plan's and apply's summaries end
// with them, after the counts Terraform always shows.
func extraCounts(cs []count) string {
	var s string
	for _, c := range cs {
		if c.n > 0 {
			s += ", " + plural(c.n, c.one, c.many)
		}
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
