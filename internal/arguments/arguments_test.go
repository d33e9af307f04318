package arguments

import (
	"errors"
	"flag"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/spec"
)

// With no flags, each command's arguments are the defaults its help
// states: locking on, 10 requests at a time, a refresh, questions asked,
// fmt listing and writing.
func TestDefaults(t *testing.T) {
	p, err := ParsePlan(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Operation{Lock: Lock{Lock: true}, Parallelism: 10, Refresh: true, Input: true}
	if !reflect.DeepEqual(p.Operation, want) {
		t.Errorf("plan: %+v, want %+v", p.Operation, want)
	}
	f, err := ParseFmt(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !f.List || !f.Write || f.Check || f.Diff || f.Recursive {
		t.Errorf("fmt: %+v, want -list and -write on, the rest off", f)
	}
	for name, parse := range map[string]func([]string) (*State, error){
		"state show": ParseStateShow, "state pull": ParseStatePull,
	} {
		s, err := parse(nil)
		if err != nil {
			t.Fatal(err)
		}
		if s.Lock.Lock {
			t.Errorf("%s reads only, but Lock.Lock is true", name)
		}
	}
	rm, err := ParseStateRm(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rm.Lock.Lock {
		t.Error("state rm changes the state, but Lock.Lock is false")
	}
}

// The flags are typed values: repeatable ones keep their order, -var and
// -var-file share one list, durations take bare seconds, and the
// positional arguments and the names of the flags given are kept.
func TestParsePlan(t *testing.T) {
	p, err := ParsePlan([]string{
		"-var", "a=1", "-var-file=x.tfvars", "--var=a=2", "-backend-config=key=v",
		"-target=attachment.a", "-target", "target.t", "-replace=attachment.b",
		"-lock-timeout=90", "-parallelism=3", "-refresh=false", "-json", "-no-color",
		"-detailed-exitcode", "-out=p.plan", "-generate-config-out=g.attach.hcl", "-generate-files-out=files",
		"rest", "-not-a-flag",
	})
	if err != nil {
		t.Fatal(err)
	}
	wantVars := []spec.VarArg{{Value: "a=1"}, {File: true, Value: "x.tfvars"}, {Value: "a=2"}}
	switch {
	case !reflect.DeepEqual(p.VarArgs, wantVars):
		t.Errorf("VarArgs %+v, want %+v", p.VarArgs, wantVars)
	case !slices.Equal(p.BackendConfig, []string{"key=v"}):
		t.Errorf("BackendConfig %q", p.BackendConfig)
	case !slices.Equal(p.Targets, []string{"attachment.a", "target.t"}) || !slices.Equal(p.Replaces, []string{"attachment.b"}):
		t.Errorf("Targets %q, Replaces %q", p.Targets, p.Replaces)
	case p.LockTimeout != 90*time.Second || p.Parallelism != 3 || p.Refresh:
		t.Errorf("LockTimeout %v, Parallelism %d, Refresh %v", p.LockTimeout, p.Parallelism, p.Refresh)
	case p.View != (View{JSON: true, NoColor: true}):
		t.Errorf("View %+v", p.View)
	case !p.DetailedExitCode || p.Out != "p.plan" || p.GenerateConfigOut != "g.attach.hcl" || p.GenerateFilesOut != "files":
		t.Errorf("plan's own flags: %+v", p)
	case !slices.Equal(p.Args, []string{"rest", "-not-a-flag"}):
		t.Errorf("Args %q", p.Args)
	}
	wantGiven := []string{"backend-config", "detailed-exitcode", "generate-config-out", "generate-files-out", "json",
		"lock-timeout", "no-color", "out", "parallelism", "refresh", "replace", "target", "var", "var-file"}
	if !slices.Equal(p.Given, wantGiven) {
		t.Errorf("Given %q, want %q", p.Given, wantGiven)
	}
}

// The flag package's mistakes come back as its errors, worded for the
// user, and -h as flag.ErrHelp.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		parse func([]string) error
		args  []string
		want  string
	}{
		{"help", parseErr(ParsePlan), []string{"-h"}, flag.ErrHelp.Error()},
		{"long help", parseErr(ParseStateMv), []string{"--help"}, flag.ErrHelp.Error()},
		{"unknown", parseErr(ParseApply), []string{"-nope"}, "flag provided but not defined: -nope"},
		{"destroy has no -reviewed", parseErr(ParseDestroy), []string{"-reviewed=x"}, "flag provided but not defined: -reviewed"},
		{"destroy has no -markdown", parseErr(ParseDestroy), []string{"-markdown"}, "flag provided but not defined: -markdown"},
		{"validate has no -markdown", parseErr(ParseValidate), []string{"-markdown"}, "flag provided but not defined: -markdown"},
		{"state pull has no -lock", parseErr(ParseStatePull), []string{"-lock=false"}, "flag provided but not defined: -lock"},
		{"duration", parseErr(ParseInit), []string{"-lock-timeout=soon"}, `invalid value "soon" for flag -lock-timeout: "soon" is not a duration: use for example 30s or 5m`},
		{"negative duration", parseErr(ParseEmulator), []string{"-latency=-1s"}, `invalid value "-1s" for flag -latency: "-1s" is not a duration: use for example 30s or 5m`},
		{"number", parseErr(ParsePlan), []string{"-parallelism=many"}, `invalid value "many" for flag -parallelism: parse error`},
		{"missing value", parseErr(ParseShow), []string{"-var"}, "flag needs an argument: -var"},
	} {
		err := tc.parse(tc.args)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if err := parseErr(ParsePlan)([]string{"-help"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-help: %v, want flag.ErrHelp", err)
	}
}

func parseErr[A any](parse func([]string) (A, error)) func([]string) error {
	return func(args []string) error { _, err := parse(args); return err }
}

// destroy plans to destroy, whatever -destroy says; apply only when asked.
func TestParseDestroy(t *testing.T) {
	d, err := ParseDestroy([]string{"-destroy=false", "-auto-approve"})
	if err != nil {
		t.Fatal(err)
	}
	if !d.Destroy || d.Mode() != plan.Destroy || !d.AutoApprove {
		t.Errorf("destroy: %+v", d)
	}
	a, err := ParseApply([]string{"-reviewed=r.plan", "-refresh-only"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Destroy || a.Reviewed != "r.plan" || a.Mode() != plan.RefreshOnly {
		t.Errorf("apply: %+v", a)
	}
}

// Check finds what the flag package cannot, every mistake at once, and
// spells the addresses it accepts as plans do.
func TestOperationCheck(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		want     []string // the diagnostics' summaries
		targets  []string
		replaces []string
	}{
		{name: "fine", args: nil},
		{name: "parallelism", args: []string{"-parallelism=0"}, want: []string{"Invalid -parallelism"}},
		{name: "modes", args: []string{"-destroy", "-refresh-only"}, want: []string{"Incompatible plan modes"}},
		{name: "refresh", args: []string{"-refresh=false", "-refresh-only"}, want: []string{"Incompatible refresh options"}},
		{name: "all at once", args: []string{"-parallelism=-1", "-destroy", "-refresh-only", "-refresh=false", "-target=data.x", "-replace=target.t"},
			want: []string{"Invalid -parallelism", "Incompatible plan modes", "Incompatible refresh options", "Invalid address", "Invalid address"}},
		{name: "target a data source", args: []string{"-target=data.message.m"}, want: []string{"Invalid -target"}},
		{name: "replace a target", args: []string{"-replace=target.t"}, want: []string{"Invalid address"}},
		{name: "bad address", args: []string{"-target=attachment.x[ 0 ]"}, want: []string{"Invalid address"}},
		{name: "spelled as plans do", args: []string{"-target=attachment.x[00]", `-target=target.t["\u0041"]`, `-replace=attachment.k["\u0041"]`},
			targets: []string{"attachment.x[0]", `target.t["A"]`}, replaces: []string{`attachment.k["A"]`}},
	} {
		p, err := ParsePlan(tc.args)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var got []string
		for _, d := range p.Check() {
			got = append(got, d.Summary)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
		if tc.targets != nil && !slices.Equal(p.Targets, tc.targets) || tc.replaces != nil && !slices.Equal(p.Replaces, tc.replaces) {
			t.Errorf("%s: targets %q, replaces %q", tc.name, p.Targets, p.Replaces)
		}
	}
}

// Flags describes each command with the definitions it parses with: the
// flags of every command, listed here once so that a change to them is
// seen in review (the help lists them too: cmd's TestHelpListsEveryFlag).
func TestFlags(t *testing.T) {
	const (
		manifests = "allow-outside-sources backend-config var var-file"
		lock      = "lock lock-timeout"
		operation = manifests + " " + lock + " allow-mass-destroy destroy force input parallelism refresh refresh-only replace target"
	)
	for name, want := range map[string]string{
		"plan":         operation + " json markdown no-color detailed-exitcode out generate-config-out generate-files-out",
		"apply":        operation + " json markdown no-color auto-approve reviewed",
		"destroy":      operation + " json no-color auto-approve",
		"show":         manifests + " json markdown no-color",
		"validate":     manifests + " json no-color",
		"fmt":          "check diff list write recursive no-color",
		"emulator":     "no-color listen endpoint-file data users fixtures latency faults limits seed",
		"version":      "json no-color",
		"init":         manifests + " " + lock + " no-color migrate-state force-copy reconfigure input",
		"import":       manifests + " " + lock + " no-color input",
		"force-unlock": manifests + " no-color force",
		"state list":   manifests + " no-color id",
		"state show":   manifests + " no-color",
		"state pull":   manifests + " no-color",
		"state rm":     manifests + " " + lock + " no-color dry-run",
		"state mv":     manifests + " " + lock + " no-color dry-run",
		"state push":   manifests + " " + lock + " no-color force",
	} {
		fs := Flags(name)
		if fs == nil {
			t.Errorf("Flags(%q) is nil", name)
			continue
		}
		var got []string
		fs.VisitAll(func(f *flag.Flag) { got = append(got, f.Name) })
		w := strings.Fields(want)
		slices.Sort(w)
		if !slices.Equal(got, w) {
			t.Errorf("Flags(%q):\n %q\nwant\n %q", name, got, w)
		}
		if fs.Name() != name {
			t.Errorf("Flags(%q) is named %q", name, fs.Name())
		}
	}
	for _, name := range []string{"state", "nope", ""} {
		if Flags(name) != nil {
			t.Errorf("Flags(%q) is not nil", name)
		}
	}
	if len(commands) != 17 {
		t.Errorf("%d commands have flags; the table above has 17", len(commands))
	}
}

// Each call gives fresh values: what one parse read is not in the next.
func TestParseIsFresh(t *testing.T) {
	if _, err := ParsePlan([]string{"-target=attachment.a", "-var=a=1"}); err != nil {
		t.Fatal(err)
	}
	p, err := ParsePlan(nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Targets != nil || p.VarArgs != nil || p.Given != nil {
		t.Errorf("a second parse kept the first's values: %+v", p)
	}
}

// A command line is outside input: every command's parse, its checks and
// its addresses return values or errors for any of them, and never panic.
func FuzzParse(f *testing.F) {
	f.Add(uint8(0), "-target=attachment.a", "-parallelism=0", "x")
	f.Add(uint8(1), `-replace=attachment.k["\u0041"]`, "-lock-timeout=5m", "-var")
	f.Add(uint8(2), "-h", "--destroy", "-refresh-only")
	f.Add(uint8(9), "attachment.a", "", " ")
	f.Add(uint8(13), "-dry-run", "attachment.a", "target.t[")
	f.Fuzz(func(t *testing.T, which uint8, a, b, c string) {
		args := []string{a, b, c}
		names := make([]string, 0, len(commands))
		for name := range commands {
			names = append(names, name)
		}
		slices.Sort(names)
		name := names[int(which)%len(names)]
		if fs := Flags(name); fs == nil || fs.Name() != name {
			t.Fatalf("Flags(%q) is not the command's", name)
		}
		switch name {
		case "plan":
			if p, err := ParsePlan(args); err == nil {
				p.Check()
				_ = p.Misuse()
			}
		case "apply", "destroy":
			parse := ParseApply
			if name == "destroy" {
				parse = ParseDestroy
			}
			if p, err := parse(args); err == nil {
				p.Check()
				_ = p.Misuse()
			}
		case "show":
			if p, err := ParseShow(args); err == nil {
				_ = p.Misuse()
			}
		case "validate":
			if p, err := ParseValidate(args); err == nil {
				_ = p.Misuse()
			}
		case "version":
			if p, err := ParseVersion(args); err == nil {
				_ = p.Misuse()
			}
		case "init":
			if p, err := ParseInit(args); err == nil {
				_ = p.Misuse()
			}
		case "import":
			if p, err := ParseImport(args); err == nil {
				_ = p.Misuse()
				p.Addresses()
			}
		case "fmt":
			_, _ = ParseFmt(args)
		case "emulator":
			_, _ = ParseEmulator(args)
		default:
			parse := map[string]func([]string) (*State, error){
				"force-unlock": stateOf(ParseForceUnlock), "state list": stateOf(ParseStateList),
				"state show": ParseStateShow, "state pull": ParseStatePull, "state rm": stateOf(ParseStateRm),
				"state mv": stateOf(ParseStateMv), "state push": stateOf(ParseStatePush),
			}[name]
			if parse == nil {
				t.Fatalf("no parse for %q", name)
			}
			if s, err := parse(args); err == nil {
				_ = s.Misuse()
				s.Addresses()
			}
		}
	})
}
