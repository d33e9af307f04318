package spec

import (
	"strings"
	"testing"
)

// The mass-destroy guard's settings in the graph block.
func TestMassDestroySettings(t *testing.T) {
	dir := writeConfig(t, map[string]string{"main.attach.hcl": `
graph {
  mass_destroy_threshold = "50%"
  mass_destroy_minimum   = 25
}
`})
	if g := mustLoad(t, dir, LoadOptions{}).Graph; g.MassDestroyThreshold != 0.5 || g.MassDestroyMinimum != 25 {
		t.Errorf("threshold %v, minimum %d; want 0.5 and 25", g.MassDestroyThreshold, g.MassDestroyMinimum)
	}
	dir = writeConfig(t, map[string]string{"main.attach.hcl": "graph {\n  mass_destroy_threshold = \" 12.5 % \"\n}\n"})
	if g := mustLoad(t, dir, LoadOptions{}).Graph; g.MassDestroyThreshold != 0.125 || g.MassDestroyMinimum != 0 {
		t.Errorf("12.5 %%: threshold %v, minimum %d", g.MassDestroyThreshold, g.MassDestroyMinimum)
	}
	for _, tc := range []struct{ attr, value, says string }{
		{"mass_destroy_threshold", `"30"`, "not a percentage"},
		{"mass_destroy_threshold", `"0.3"`, "not a percentage"},
		{"mass_destroy_threshold", `"0%"`, "outside 1% to 100%"},
		{"mass_destroy_threshold", `"150%"`, "outside 1% to 100%"},
		{"mass_destroy_threshold", `"NaN%"`, "not a percentage"},
		{"mass_destroy_threshold", `"half"`, `as in "30%"`},
		{"mass_destroy_minimum", `0`, "at least 1"},
		{"mass_destroy_minimum", `2.5`, "whole number"},
		{"mass_destroy_minimum", `-3`, "whole number"},
	} {
		dir := writeConfig(t, map[string]string{"main.attach.hcl": "graph {\n  " + tc.attr + " = " + tc.value + "\n}\n"})
		errs, diags := loadErrors(t, dir, LoadOptions{})
		if len(errs) != 1 || errs[0] != "Invalid "+tc.attr || !strings.Contains(diags[0].Detail, tc.says) {
			t.Errorf("%s = %s: %v %s, want a diagnostic saying %q", tc.attr, tc.value, errs, diags.Error(), tc.says)
		}
	}
}
