package arguments

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

// Each command's Misuse finds the mistakes in how it was called, in the
// order the command reports them, and nothing in a right command line.
func TestMisuse(t *testing.T) {
	misuse := func(parse func([]string) (interface{ Misuse() error }, error)) func([]string) error {
		return func(args []string) error {
			a, err := parse(args)
			if err != nil {
				t.Fatalf("%q: %v", args, err)
			}
			return a.Misuse()
		}
	}
	plan := misuse(func(args []string) (interface{ Misuse() error }, error) { return ParsePlan(args) })
	apply := misuse(func(args []string) (interface{ Misuse() error }, error) { return ParseApply(args) })
	destroy := misuse(func(args []string) (interface{ Misuse() error }, error) { return ParseDestroy(args) })
	show := misuse(func(args []string) (interface{ Misuse() error }, error) { return ParseShow(args) })
	validate := misuse(func(args []string) (interface{ Misuse() error }, error) { return ParseValidate(args) })
	version := misuse(func(args []string) (interface{ Misuse() error }, error) { return ParseVersion(args) })
	initCmd := misuse(func(args []string) (interface{ Misuse() error }, error) { return ParseInit(args) })
	imp := misuse(func(args []string) (interface{ Misuse() error }, error) { return ParseImport(args) })
	for _, tc := range []struct {
		name   string
		misuse func([]string) error
		args   []string
		want   string // "" = no mistake
	}{
		{"plan", plan, []string{"-out=p"}, ""},
		{"plan with a directory", plan, []string{"dir", "x y"}, `plan takes no arguments, but was given "dir" "x y"; to work on another directory use attachform -chdir=DIR plan`},

		{"apply, approved", apply, []string{"-auto-approve"}, ""},
		{"apply asks", apply, nil, ""},
		{"apply a plan file", apply, []string{"-input=false", "-json", "p.plan"}, ""},
		{"apply reviewed", apply, []string{"-reviewed=r.plan", "-markdown", "-input=false"}, ""},
		{"apply two files", apply, []string{"a.plan", "b.plan"}, `apply takes at most one argument, a saved plan file, but was given "a.plan" "b.plan"`},
		{"apply option after the file", apply, []string{"p.plan", "-auto-approve"}, `apply takes options before the plan file, but was given "-auto-approve" after it: options go before the plan file, as in attachform apply -auto-approve p.plan`},
		{"apply reviewed and a file", apply, []string{"-reviewed=r.plan", "p.plan"}, `apply -reviewed=r.plan plans afresh and takes no plan file, but was given "p.plan"; to apply a saved plan as it is use attachform apply PLANFILE`},
		{"apply markdown alone", apply, []string{"-markdown", "-auto-approve"}, "apply -markdown writes what apply -reviewed=PLANFILE refused, in Markdown: give it -reviewed"},
		{"apply json asks", apply, []string{"-json"}, "apply -json cannot ask for approval: pass -auto-approve, or apply a saved plan"},
		{"apply may not ask", apply, []string{"-input=false"}, ErrNoInput.Error()},

		{"destroy, approved", destroy, []string{"-auto-approve", "-json"}, ""},
		{"destroy a file", destroy, []string{"p.plan"}, `destroy takes no arguments, but was given "p.plan"; to apply a saved destroy plan use attachform apply PLANFILE`},
		{"destroy json asks", destroy, []string{"-json"}, "destroy -json cannot ask for approval: pass -auto-approve, or apply a saved plan"},
		{"destroy may not ask", destroy, []string{"-input=false"}, ErrNoInput.Error()},

		{"show the state", show, []string{"-var=a=1", "-json"}, ""},
		{"show a plan", show, []string{"-markdown", "-no-color", "p.plan"}, ""},
		{"show two files", show, []string{"a", "-json"}, `show takes options before the plan file, but was given "-json" after it: options go before the plan file, as in attachform show -json a`},
		{"show a plan and the state's flags", show, []string{"-var=a=1", "-backend-config=k=v", "-json", "p.plan"}, "show PLANFILE reads only the plan file, which holds everything it shows; -backend-config, -var find the state, shown without PLANFILE"},
		{"show markdown of the state", show, []string{"-markdown"}, "show -markdown writes a saved plan: give its file, as in attachform show -markdown PLANFILE"},

		{"validate", validate, []string{"-json"}, ""},
		{"validate a directory", validate, []string{"dir"}, "validate takes no arguments; to check another directory use attachform -chdir=DIR validate"},
		{"version", version, []string{"-json"}, ""},
		{"version extra", version, []string{"extra"}, "version takes no arguments"},

		{"init", initCmd, []string{"-migrate-state", "-force-copy"}, ""},
		{"init a directory", initCmd, []string{"dir"}, "init takes no arguments; to set up another directory use attachform -chdir=DIR init"},
		{"init both ways", initCmd, []string{"-migrate-state", "-reconfigure"}, "-migrate-state and -reconfigure ask for different things: choose one"},
		{"init force-copy alone", initCmd, []string{"-force-copy"}, "-force-copy goes with -migrate-state"},

		{"import", imp, []string{"attachment.a", "AAMk="}, ""},
		{"import no id", imp, []string{"attachment.a"}, "import takes an address and the Graph id of the attachment"},
		{"import blank id", imp, []string{"attachment.a", " "}, "import takes an address and the Graph id of the attachment"},
		{"import three", imp, []string{"attachment.a", "x", "y"}, "import takes an address and the Graph id of the attachment"},
	} {
		err := tc.misuse(tc.args)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v, want no mistake", tc.name, err)
		case tc.want != "" && (err == nil || err.Error() != tc.want):
			t.Errorf("%s:\n got  %v\n want %s", tc.name, err, tc.want)
		}
	}
	a, err := ParseApply([]string{"-input=false"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Misuse(); !errors.Is(err, ErrNoInput) {
		t.Errorf("apply -input=false: %v, want ErrNoInput", err)
	}
}

// The state subcommands and force-unlock check their positional
// arguments' count, and parse those that are addresses.
func TestStateMisuseAndAddresses(t *testing.T) {
	for _, tc := range []struct {
		parse func([]string) (*State, error)
		args  []string
		want  string   // Misuse's error, "" for none
		addrs []string // what Addresses gives
		bad   int      // how many diagnostics Addresses gives
	}{
		{parse: stateOf(ParseStateList), args: nil},
		{parse: stateOf(ParseStateList), args: []string{"attachment.x[00]", "attachment.h"}, addrs: []string{"attachment.x[0]", "attachment.h"}},
		{parse: stateOf(ParseStateList), args: []string{"target.t", "attachment.h", "nope["}, addrs: []string{"attachment.h"}, bad: 2},
		{parse: ParseStateShow, args: []string{"attachment.a"}, addrs: []string{"attachment.a"}},
		{parse: ParseStateShow, args: nil, want: "state show takes exactly one address"},
		{parse: ParseStateShow, args: []string{"attachment.a", "attachment.b"}, want: "state show takes exactly one address", addrs: []string{"attachment.a"}},
		{parse: ParseStatePull, args: nil},
		{parse: ParseStatePull, args: []string{"x"}, want: "state pull takes no arguments"},
		{parse: stateOf(ParseStateRm), args: nil, want: "state rm needs at least one address"},
		{parse: stateOf(ParseStateRm), args: []string{"attachment.a", "attachment.b"}, addrs: []string{"attachment.a", "attachment.b"}},
		{parse: stateOf(ParseStateMv), args: []string{"attachment.a"}, want: "state mv takes a source and a destination address", addrs: []string{"attachment.a"}},
		{parse: stateOf(ParseStateMv), args: []string{"attachment.a", `attachment.b["\u0041"]`}, addrs: []string{"attachment.a", `attachment.b["A"]`}},
		{parse: stateOf(ParseStatePush), args: []string{"attachment.a"}},
		{parse: stateOf(ParseStatePush), args: nil, want: "state push takes one file (or - for stdin)"},
		{parse: stateOf(ParseForceUnlock), args: []string{"lock-id"}},
		{parse: stateOf(ParseForceUnlock), args: []string{" "}, want: "force-unlock takes the lock's id"},
		{parse: stateOf(ParseForceUnlock), args: []string{"a", "b"}, want: "force-unlock takes the lock's id"},
		{parse: stateOf(ParseImport), args: []string{"attachment.a", "data.x.y"}, addrs: []string{"attachment.a"}},
		{parse: stateOf(ParseImport), args: []string{"target.t", "id"}, bad: 1},
	} {
		a, err := tc.parse(tc.args)
		if err != nil {
			t.Fatal(err)
		}
		err = a.Misuse()
		if got := fmt.Sprint(err); tc.want == "" && err != nil || tc.want != "" && got != tc.want {
			t.Errorf("%s %q: Misuse %v, want %q", a.Name(), tc.args, err, tc.want)
		}
		addrs, diags := a.Addresses()
		if !slices.Equal(addrs, tc.addrs) || len(diags) != tc.bad {
			t.Errorf("%s %q: Addresses %q with %d diagnostics, want %q with %d", a.Name(), tc.args, addrs, len(diags), tc.addrs, tc.bad)
		}
	}
}

// stateOf gives the State of what parse parses.
func stateOf[A any](parse func([]string) (*A, error)) func([]string) (*State, error) {
	return func(args []string) (*State, error) {
		a, err := parse(args)
		switch a := any(a).(type) {
		case *StateList:
			return &a.State, err
		case *StateMove:
			return &a.State, err
		case *Forced:
			return &a.State, err
		case *Import:
			return &a.State, err
		}
		panic(fmt.Sprintf("stateOf: %T", a))
	}
}
