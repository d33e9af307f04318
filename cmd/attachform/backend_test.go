package main

import (
	"os"
	"path/filepath"
	"testing"
)

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
