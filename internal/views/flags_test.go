package views

import (
	"testing"

	"github.com/attachform/attachform/internal/arguments"
)

// kindsOf says which kinds besides human text a set has.
func kindsOf[V any](s Set[V]) (json, markdown bool) { return s.json != nil, s.markdown != nil }

// A command has -json (-markdown) exactly when its views have that kind:
// the arguments parse the flag, the views render it, and neither can
// have one the other lacks.
func TestEveryKindOfViewHasItsFlag(t *testing.T) {
	type kinds struct{ json, markdown bool }
	of := func(json, markdown bool) kinds { return kinds{json, markdown} }
	state := of(kindsOf(StateViews))
	for name, want := range map[string]kinds{
		"plan":         of(kindsOf(PlanViews)),
		"apply":        of(kindsOf(ApplyViews)),
		"destroy":      of(kindsOf(DestroyViews)),
		"show":         of(kindsOf(ShowViews)),
		"validate":     of(kindsOf(ValidateViews)),
		"fmt":          of(kindsOf(FmtViews)),
		"emulator":     of(kindsOf(EmulatorViews)),
		"version":      of(kindsOf(VersionViews)),
		"init":         state,
		"import":       state,
		"force-unlock": state,
		"state list":   state,
		"state show":   state,
		"state rm":     state,
		"state mv":     state,
		"state pull":   state,
		"state push":   state,
	} {
		fs := arguments.Flags(name)
		if fs == nil {
			t.Errorf("%s: the arguments have no flags for it", name)
			continue
		}
		got := kinds{fs.Lookup("json") != nil, fs.Lookup("markdown") != nil}
		if got != want {
			t.Errorf("%s: flags -json %v, -markdown %v; its views have JSON %v, Markdown %v", name, got.json, got.markdown, want.json, want.markdown)
		}
		if fs.Lookup("no-color") == nil {
			t.Errorf("%s: no -no-color", name)
		}
	}
}
