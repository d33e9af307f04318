package main

import (
	"flag"
	"io"
	"testing"

	"github.com/attachform/attachform/internal/arguments"
	"github.com/attachform/attachform/internal/views"
)

// Each command's view set has the kinds of output its flags offer
// (arguments defines -json and -markdown, the set renders them): a flag
// without its view would open none.
func TestViewFlagsMatchViewSets(t *testing.T) {
	for name, register := range map[string]func(*flag.FlagSet, *arguments.View){
		"plan": views.PlanViews.Register, "apply": views.ApplyViews.Register, "destroy": views.DestroyViews.Register,
		"show": views.ShowViews.Register, "validate": views.ValidateViews.Register, "fmt": views.FmtViews.Register,
		"emulator": views.EmulatorViews.Register, "version": views.VersionViews.Register,
		"init": views.StateViews.Register, "import": views.StateViews.Register, "force-unlock": views.StateViews.Register,
		"state list": views.StateViews.Register, "state show": views.StateViews.Register, "state rm": views.StateViews.Register,
		"state mv": views.StateViews.Register, "state pull": views.StateViews.Register, "state push": views.StateViews.Register,
	} {
		set := flag.NewFlagSet(name, flag.ContinueOnError)
		set.SetOutput(io.Discard)
		register(set, &arguments.View{})
		flags := arguments.Flags(name)
		for _, kind := range []string{"json", "markdown", "no-color"} {
			if (set.Lookup(kind) != nil) != (flags.Lookup(kind) != nil) {
				t.Errorf("%s: -%s is a flag: %v; its view set has the kind: %v", name, kind, flags.Lookup(kind) != nil, set.Lookup(kind) != nil)
			}
		}
	}
	if n := len(commands(&globals{})) - 1; n != 17 { // state is a group
		t.Errorf("%d commands with flags; the table above has 17", n)
	}
}
