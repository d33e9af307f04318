package views

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/state"
)

// Lock is what taking and holding the state lock shows.
type Lock interface {
	Common
	// LockWaiting: another run holds the lock, and the command waits up
	// to timeout for it.
	LockWaiting(holder *state.LockError, timeout time.Duration)
	// LockLost: the lock ended while held (its lease could not be
	// renewed, or force-unlock broke it); nothing new starts.
	LockLost(err error)
}

// Workspace is what opening a workspace and planning show (the
// workspace's Reporter): problems, and Azure's device-code sign-in prompt.
type Workspace interface {
	Lock
	DeviceCode(message string) error
}

// Plan is the plan command's output.
type Plan interface {
	Workspace
	// Plan shows the plan; an error is the stream's.
	Plan(p *plan.Plan) error
	// NextStep follows the plan: where plan -out saved it (savedTo, ""
	// when not saved) and, for a plan with changes, how to apply it. The
	// hint is left out in automation (ATTACHFORM_IN_AUTOMATION), as
	// Terraform leaves its own out under TF_IN_AUTOMATION.
	NextStep(p *plan.Plan, savedTo string)
	// StepSummary appends p as Markdown to GitHub's job summary when
	// GITHUB_STEP_SUMMARY names its file.
	StepSummary(p *plan.Plan)
	// Generated follows a plan -generate-config-out: n attachment blocks
	// written to file, their files downloaded into folder (n = 0: nothing
	// to generate, and nothing written).
	Generated(file, folder string, n int)
}

var PlanViews = Set[Plan]{
	human:    func(v *View) Plan { return &planHuman{v} },
	json:     func(v *View) Plan { return &planJSON{newJSONUI(v)} },
	markdown: func(v *View) Plan { return &planMarkdownView{v} },
	jsonHelp: "Write the plan as JSON lines on stdout, in the shape of\n" +
		"Terraform's machine-readable UI.",
	markdownHelp: "Write the plan as a pull request comment in Markdown\n" +
		"(what show -markdown writes of a saved plan).",
}

// planHuman writes the plan as Terraform does, on stdout.
type planHuman struct{ *View }

func (v *planHuman) Plan(p *plan.Plan) error { return writePlan(v.out, p, v.outPal) }

// NextStep says, as Terraform does, where the plan was saved and how to
// apply exactly it, or that without -out apply plans anew.
func (v *planHuman) NextStep(p *plan.Plan, savedTo string) {
	if savedTo != "" {
		fmt.Fprintf(v.out, "\nSaved the plan to: %s\n", savedTo)
	}
	if v.inAutomation() || !p.HasChanges() {
		return
	}
	if savedTo == "" {
		fmt.Fprint(v.out, "\nNote: You didn't use the -out option to save this plan, so attachform can't\n"+
			"guarantee to take exactly these actions if you run \""+v.command("apply")+"\" now.\n")
		return
	}
	fmt.Fprintf(v.out, "\nTo perform exactly these actions, run the following command to apply:\n    %s %q\n", v.command("apply"), savedTo)
}

// Generated says, as Terraform does, where the configuration went and that
// it wants reviewing.
func (v *planHuman) Generated(file, folder string, n int) {
	if n == 0 {
		fmt.Fprintf(v.out, "\nNothing to generate: every attachment on the declared targets is declared, managed or\nlisted above as not generated. %s was not written.\n", file)
		return
	}
	fmt.Fprintf(v.out, "\nattachform has generated configuration for %d attachments and written it to %s,\n"+
		"with their files in %s/. Review both before adding them to version control.\n", n, file, folder)
}

// inAutomation reports ATTACHFORM_IN_AUTOMATION (any value but empty, as
// TF_IN_AUTOMATION): a pipeline runs the commands, so hints about which
// command to run next are noise.
func (v *View) inAutomation() bool { return v.env("ATTACHFORM_IN_AUTOMATION") != "" }

// command spells an attachform command as the user would type it here:
// with -chdir when the configuration is not the working directory.
func (v *View) command(name string) string {
	wd, err := os.Getwd()
	if err != nil || v.dir == "" || filepath.Clean(wd) == filepath.Clean(v.dir) {
		return "attachform " + name
	}
	dir := v.dir
	if rel, err := filepath.Rel(wd, v.dir); err == nil && filepath.IsLocal(rel) {
		dir = rel
	}
	return fmt.Sprintf("attachform -chdir=%s %s", quoteArg(dir), name)
}

// quoteArg quotes a shell argument when it needs it.
func quoteArg(s string) string {
	for _, r := range s {
		if !(r == '/' || r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return fmt.Sprintf("%q", s)
		}
	}
	return s
}
