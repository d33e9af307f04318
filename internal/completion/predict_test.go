package completion

import (
	"context"
	"flag"
	"path/filepath"
	"slices"
	"testing"

	"github.com/attachform/attachform/internal/arguments"
	"github.com/hashicorp/cli"
	"github.com/posener/complete"
)

// Every command offers the flags it parses with (arguments.Flags), with
// nothing after a boolean one; a group with no flags of its own offers
// none.
func TestCommandsOfferTheirFlags(t *testing.T) {
	cmds := map[string]cli.CommandFactory{}
	for _, name := range []string{"plan", "apply", "state", "state mv", "emulator"} {
		cmds[name] = func() (cli.Command, error) { return &cli.MockCommand{}, nil }
	}
	for name, factory := range Commands(cmds, Env{Ctx: context.Background(), Getenv: func(string) string { return "" }}) {
		c, err := factory()
		if err != nil {
			t.Fatal(err)
		}
		flags := c.(cli.CommandAutocomplete).AutocompleteFlags()
		fs := arguments.Flags(name)
		if fs == nil {
			if flags != nil {
				t.Errorf("%s offers flags %v, and has none", name, flags)
			}
			continue
		}
		var want, got []string
		fs.VisitAll(func(f *flag.Flag) { want = append(want, "-"+f.Name) })
		for f := range flags {
			got = append(got, f)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s offers %q, want %q", name, got, want)
		}
		if name == "plan" && flags["-detailed-exitcode"] != complete.PredictNothing {
			t.Errorf("plan -detailed-exitcode takes no value, but a value is predicted")
		}
	}
}

// -target offers the attachments the manifests declare and the targets,
// read in the directory -chdir names on the line.
func TestPredictAddressesReadsTheChdirDirectory(t *testing.T) {
	line := "attachform -chdir=quickstart plan -target "
	env := Env{
		Ctx: context.Background(), Dir: filepath.Join("..", "..", "examples"),
		Getenv: func(k string) string {
			if k == "COMP_LINE" {
				return line
			}
			return ""
		},
	}
	got := predictAddresses(env, true).Predict(complete.Args{})
	want := []string{"attachment.agenda", "attachment.roster", "target.all_hands", "target.welcome"}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("-target offers %q, want %q", got, want)
	}
	got = predictAddresses(env, false).Predict(complete.Args{})
	slices.Sort(got)
	if !slices.Equal(got, want[:2]) {
		t.Errorf("-replace offers %q, want %q", got, want[:2])
	}
}
