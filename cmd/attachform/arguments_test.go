package main

import (
	"flag"
	"io"
	"testing"

	"github.com/attachform/attachform/internal/arguments"
)

// Each command's view set has the kinds of output its flags offer
// (arguments defines -json and -markdown, the set renders them): a flag
// without its view would open none.
func TestViewFlagsMatchViewSets(t *testing.T) {
	for name, register := range map[string]func(*flag.FlagSet, *arguments.View){
		"plan": planViews.Register, "apply": applyViews.Register, "destroy": destroyViews.Register,
		"show": showViews.Register, "validate": validateViews.Register, "fmt": fmtViews.Register,
		"emulator": emulatorViews.Register, "version": versionViews.Register,
		"init": stateViews.Register, "import": stateViews.Register, "force-unlock": stateViews.Register,
		"state list": stateViews.Register, "state show": stateViews.Register, "state rm": stateViews.Register,
		"state mv": stateViews.Register, "state pull": stateViews.Register, "state push": stateViews.Register,
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
