package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attachform/attachform/state/backends"
)

// A backend type the registry knows but cannot open is refused by
// validate, plan and apply alike, before anything else happens: the same
// summary and detail (the registry's words), at the block's label.
func TestUnavailableBackendRefusedEverywhere(t *testing.T) {
	azurerm, ok := backends.Lookup("azurerm")
	if !ok || azurerm.Open != nil {
		t.Skip("azurerm is available now; this test wants a type that is not")
	}
	dir := t.TempDir()
	manifest := "graph {\n  endpoint = \"emulator\"\n}\n\nbackend \"azurerm\" {\n  storage_account_name = \"contosostate\"\n  container_name       = \"attachform\"\n  key                  = \"prod.json\"\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "main.attach.hcl"), []byte(manifest), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"validate", "-no-color"}, {"plan", "-no-color"}, {"apply", "-auto-approve", "-no-color"}} {
		res := runCLI(t, dir, nil, "", args...)
		if res.code != exitError {
			t.Errorf("%s exited %d, want %d\n%s%s", args[0], res.code, exitError, res.out, res.err)
		}
		flat := strings.Join(strings.Fields(res.err), " ")
		for _, want := range []string{"Error: Backend not available", "on main.attach.hcl line 5", azurerm.Unavailable} {
			if !strings.Contains(flat, want) {
				t.Errorf("%s does not say %q:\n%s", args[0], want, res.err)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".attachform")); err == nil {
		t.Error("the embedded emulator was started for a manifest that cannot be planned")
	}
}

// What validate accepts, apply opens where it says: the default backend, a
// path in the block, a path from -backend-config.
func TestValidatedBackendOpens(t *testing.T) {
	for _, tc := range []struct {
		manifest, config, state string
	}{
		{"", "", "attachform.state.json"},
		{"backend \"local\" {\n  path = \"state.json\"\n}\n", "", "state.json"},
		{"backend \"local\" {}\n", "-backend-config=path=prod.json", "prod.json"},
	} {
		dir := t.TempDir()
		manifest := "graph {\n  endpoint = \"emulator\"\n}\n" + tc.manifest
		if err := os.WriteFile(filepath.Join(dir, "main.attach.hcl"), []byte(manifest), 0o600); err != nil {
			t.Fatal(err)
		}
		args := []string{"-no-color"}
		if tc.config != "" {
			args = append(args, tc.config)
		}
		if res := runCLI(t, dir, nil, "", append([]string{"validate"}, args...)...); res.code != exitOK {
			t.Fatalf("validate %q exited %d\n%s", tc.manifest, res.code, res.err)
		}
		if res := runCLI(t, dir, nil, "", append([]string{"apply", "-auto-approve"}, args...)...); res.code != exitOK {
			t.Fatalf("apply %q exited %d\n%s", tc.manifest, res.code, res.err)
		}
		// Nothing to change writes no state, but the lock beside it shows
		// where the backend was opened.
		if _, err := os.Stat(filepath.Join(dir, tc.state+".lock")); err != nil {
			t.Errorf("apply with %q %s did not lock the state at %s: %v", tc.manifest, tc.config, tc.state, err)
		}
	}
}
