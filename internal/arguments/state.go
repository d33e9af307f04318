package arguments

import (
	"errors"
	"flag"
	"strings"

	"github.com/attachform/attachform/spec"
	"github.com/hashicorp/hcl/v2"
)

// State is what the commands that read or change the state without
// planning share: init, import, force-unlock and the state subcommands.
// The manifests say where the state is, so their flags come along.
type State struct {
	Command
	Manifests
	View
	// Lock is for the commands that change the state; the others have no
	// -lock, and Lock.Lock is false.
	Lock

	name string // the command ("state mv"), for Misuse and Addresses
}

// Name is the command the arguments are of ("state mv").
func (a *State) Name() string { return a.name }

// stateFlags are the flags every state command has: the manifests', the
// view's, and the lock's when it changes the state.
func stateFlags(a *State, name string, locks bool) *flag.FlagSet {
	a.name = name
	fs := newFlagSet(name)
	a.Manifests.register(fs)
	if locks {
		a.Lock.register(fs)
	}
	a.View.register(fs, humanOnly)
	return fs
}

// Init is init's command line.
type Init struct {
	State
	MigrateState bool // -migrate-state: copy the state from the backend init recorded
	ForceCopy    bool // -force-copy: copy over a state already there
	Reconfigure  bool // -reconfigure: forget the backend init recorded
	// Input is -input, taken and ignored as Terraform's init takes it:
	// init asks nothing.
	Input bool
}

func initFlags(a *Init) *flag.FlagSet {
	fs := stateFlags(&a.State, "init", true)
	fs.BoolVar(&a.MigrateState, "migrate-state", false, "")
	fs.BoolVar(&a.ForceCopy, "force-copy", false, "")
	fs.BoolVar(&a.Reconfigure, "reconfigure", false, "")
	fs.BoolVar(&a.Input, "input", true, "")
	return fs
}

// ParseInit parses init's arguments; err is the flag package's (parse).
func ParseInit(args []string) (*Init, error) {
	a := &Init{}
	return parse(a, initFlags(a), args)
}

// Import is import's command line: Args are the address and the Graph id.
type Import struct {
	State
	// Input is -input, taken and ignored: import asks nothing.
	Input bool
}

func importFlags(a *Import) *flag.FlagSet {
	fs := stateFlags(&a.State, "import", true)
	fs.BoolVar(&a.Input, "input", true, "")
	return fs
}

// ParseImport parses import's arguments; err is the flag package's.
func ParseImport(args []string) (*Import, error) {
	a := &Import{}
	return parse(a, importFlags(a), args)
}

// Forced is the command line of force-unlock and state push, whose -force
// skips a question or a check.
type Forced struct {
	State
	Force bool
}

func forceUnlockFlags(a *Forced) *flag.FlagSet {
	fs := stateFlags(&a.State, "force-unlock", false)
	fs.BoolVar(&a.Force, "force", false, "")
	return fs
}

// ParseForceUnlock parses force-unlock's arguments; err is the flag
// package's.
func ParseForceUnlock(args []string) (*Forced, error) {
	a := &Forced{}
	return parse(a, forceUnlockFlags(a), args)
}

func statePushFlags(a *Forced) *flag.FlagSet {
	fs := stateFlags(&a.State, "state push", true)
	fs.BoolVar(&a.Force, "force", false, "")
	return fs
}

// ParseStatePush parses state push's arguments; err is the flag package's.
func ParseStatePush(args []string) (*Forced, error) {
	a := &Forced{}
	return parse(a, statePushFlags(a), args)
}

// StateList is state list's command line.
type StateList struct {
	State
	ID string // -id: only the attachment with this Graph id
}

func stateListFlags(a *StateList) *flag.FlagSet {
	fs := stateFlags(&a.State, "state list", false)
	fs.StringVar(&a.ID, "id", "", "")
	return fs
}

// ParseStateList parses state list's arguments; err is the flag package's.
func ParseStateList(args []string) (*StateList, error) {
	a := &StateList{}
	return parse(a, stateListFlags(a), args)
}

func stateShowFlags(a *State) *flag.FlagSet { return stateFlags(a, "state show", false) }
func statePullFlags(a *State) *flag.FlagSet { return stateFlags(a, "state pull", false) }

// ParseStateShow parses state show's arguments; err is the flag package's.
func ParseStateShow(args []string) (*State, error) {
	a := &State{}
	return parse(a, stateShowFlags(a), args)
}

// ParseStatePull parses state pull's arguments; err is the flag package's.
func ParseStatePull(args []string) (*State, error) {
	a := &State{}
	return parse(a, statePullFlags(a), args)
}

// StateMove is the command line of state rm and state mv.
type StateMove struct {
	State
	DryRun bool // -dry-run: say what would change, change nothing
}

func stateMoveFlags(a *StateMove, name string) *flag.FlagSet {
	fs := stateFlags(&a.State, name, true)
	fs.BoolVar(&a.DryRun, "dry-run", false, "")
	return fs
}

// ParseStateRm parses state rm's arguments; err is the flag package's.
func ParseStateRm(args []string) (*StateMove, error) {
	a := &StateMove{}
	return parse(a, stateMoveFlags(a, "state rm"), args)
}

// ParseStateMv parses state mv's arguments; err is the flag package's.
func ParseStateMv(args []string) (*StateMove, error) {
	a := &StateMove{}
	return parse(a, stateMoveFlags(a, "state mv"), args)
}

// Misuse is the positional arguments' count for the state subcommands and
// force-unlock (see Plan.Misuse); init and import have their own.
func (a *State) Misuse() error {
	n := len(a.Args)
	var ok bool
	var want string
	switch a.name {
	case "state show":
		ok, want = n == 1, "takes exactly one address"
	case "state pull":
		ok, want = n == 0, "takes no arguments"
	case "state rm":
		ok, want = n > 0, "needs at least one address"
	case "state mv":
		ok, want = n == 2, "takes a source and a destination address"
	case "state push":
		ok, want = n == 1, "takes one file (or - for stdin)"
	case "force-unlock":
		ok, want = n == 1 && strings.TrimSpace(a.Args[0]) != "", "takes the lock's id"
	default: // state list takes any, and filters by them
		return nil
	}
	if !ok {
		return errors.New(a.name + " " + want)
	}
	return nil
}

// Addresses parses the positional arguments that are attachment
// addresses (all of state list's, rm's and mv's; state show's and
// import's first), spelling them as plans do; the diagnostics name the
// bad ones.
func (a *State) Addresses() ([]string, hcl.Diagnostics) {
	args := a.Args
	switch a.name {
	case "state list", "state rm", "state mv":
	case "state show", "import":
		args = args[:min(1, len(args))]
	default:
		return nil, nil
	}
	var out []string
	var diags hcl.Diagnostics
	for _, s := range args {
		addr, d := spec.ParseAddress(s)
		diags = append(diags, d...)
		if !d.HasErrors() {
			out = append(out, addr.String())
		}
	}
	return out, diags
}
