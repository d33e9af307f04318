package workspace

import (
	"strings"
	"testing"

	"github.com/attachform/attachform/plan"
	"github.com/hashicorp/hcl/v2"
)

// Beside a saved plan, the options it holds are refused, the variables
// once however they were given; the others pass.
func TestRefuseShaping(t *testing.T) {
	for _, tt := range []struct {
		given []string
		want  []string // summaries
	}{
		{nil, nil},
		{[]string{"auto-approve", "lock-timeout", "parallelism"}, nil},
		{[]string{"var", "var-file"}, []string{"Can't set variables when applying a saved plan"}},
		{[]string{"destroy", "refresh", "target", "var"}, []string{
			"Can't use -destroy when applying a saved plan", "Can't use -refresh when applying a saved plan",
			"Can't use -target when applying a saved plan", "Can't set variables when applying a saved plan"}},
	} {
		var got []string
		for _, d := range RefuseShaping(tt.given, "tfplan") {
			if d.Severity != hcl.DiagError {
				t.Errorf("%v: %s is not an error", tt.given, d.Summary)
			}
			got = append(got, d.Summary)
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("RefuseShaping(%v) = %q, want %q", tt.given, got, tt.want)
		}
	}
}

// A saved plan that left a sensitive variable out warns when the
// environment does not give it, and not when it does.
func TestReadSavedWarnsOfWithheldVariables(t *testing.T) {
	env := testEnv(t, nil)
	s := &plan.Saved{Plan: &plan.Plan{}, Manifests: "sha256:0"}
	s.Load.Withheld = []string{"token"}
	if err := writeSavedPlan(PlanPath(env, "tfplan"), s); err != nil {
		t.Fatal(err)
	}
	r := &recorder{}
	if _, ok := ReadSaved(env, r, "tfplan"); !ok || len(r.diags) != 1 || r.diags[0].Severity != hcl.DiagWarning ||
		!strings.Contains(r.diags[0].Detail, "ATTACHFORM_VAR_token") {
		t.Fatalf("withheld and not in the environment: %v", r.diags)
	}
	env.Getenv = func(key string) string { return map[string]string{"ATTACHFORM_VAR_token": "x"}[key] }
	r = &recorder{}
	if _, ok := ReadSaved(env, r, "tfplan"); !ok || len(r.diags) != 0 {
		t.Errorf("withheld and given: %v", r.diags)
	}
	if _, ok := ReadSaved(env, r, "missing"); ok || len(r.diags) != 1 || r.diags[0].Summary != "Cannot read the saved plan" {
		t.Errorf("no file: %v", r.diags)
	}
}
