package workspace

import (
	"strings"
	"testing"

	"github.com/attachform/attachform/plan"
	"github.com/hashicorp/hcl/v2"
)

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
