package arguments

import "flag"

// Plan is plan's command line.
type Plan struct {
	Command
	Operation
	View
	DetailedExitCode bool   // -detailed-exitcode: exit 2 when there are changes
	Out              string // -out=FILE: save the plan
	// GenerateConfigOut is -generate-config-out=FILE: write the blocks of
	// what no manifest declares to FILE; GenerateFilesOut is
	// -generate-files-out=DIR, where their files go.
	GenerateConfigOut string
	GenerateFilesOut  string
}

func planFlags(a *Plan) *flag.FlagSet {
	fs := newFlagSet("plan")
	a.Operation.register(fs)
	fs.StringVar(&a.GenerateConfigOut, "generate-config-out", "", "")
	fs.StringVar(&a.GenerateFilesOut, "generate-files-out", "", "")
	a.View.register(fs, withJSON|withMarkdown)
	fs.BoolVar(&a.DetailedExitCode, "detailed-exitcode", false, "")
	fs.StringVar(&a.Out, "out", "", "")
	return fs
}

// ParsePlan parses plan's arguments; err is the flag package's (see parse).
func ParsePlan(args []string) (*Plan, error) {
	a := &Plan{}
	return parse(a, planFlags(a), args)
}

// Apply is the command line of apply, and of destroy (apply -destroy
// that takes no plan file).
type Apply struct {
	Command
	Operation
	View
	AutoApprove bool   // -auto-approve: do not ask
	Reviewed    string // -reviewed=PLANFILE: apply a fresh plan only if it is this one (apply only)

	name string // apply or destroy, for Misuse's words
}

func applyFlags(a *Apply, name string, kinds viewKinds) *flag.FlagSet {
	fs := newFlagSet(name)
	a.Operation.register(fs)
	a.View.register(fs, kinds)
	fs.BoolVar(&a.AutoApprove, "auto-approve", false, "")
	return fs
}

func applyOnlyFlags(a *Apply) *flag.FlagSet {
	fs := applyFlags(a, "apply", withJSON|withMarkdown)
	fs.StringVar(&a.Reviewed, "reviewed", "", "")
	return fs
}

func destroyFlags(a *Apply) *flag.FlagSet { return applyFlags(a, "destroy", withJSON) }

// ParseApply parses apply's arguments; err is the flag package's.
func ParseApply(args []string) (*Apply, error) {
	a := &Apply{name: "apply"}
	return parse(a, applyOnlyFlags(a), args)
}

// ParseDestroy parses destroy's arguments, which are apply's without
// -reviewed and -markdown; the plan is a destroy plan whatever -destroy
// says. err is the flag package's.
func ParseDestroy(args []string) (*Apply, error) {
	a := &Apply{name: "destroy"}
	a, err := parse(a, destroyFlags(a), args)
	a.Destroy = true
	return a, err
}
