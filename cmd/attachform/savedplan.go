package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/attachform/attachform/internal/atomicfile"
	"github.com/attachform/attachform/plan"
)

// planPath is where a saved plan's file is: relative names are relative to
// the configuration directory, as Terraform's are after -chdir.
func planPath(g *globals, name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(g.dir, name)
}

// writeSavedPlan writes s to path atomically, mode 0600: a reader (or a
// crash) never sees half a plan, and the file is the user's alone even
// though it holds no secret.
func writeSavedPlan(path string, s *plan.Saved) error {
	var b bytes.Buffer
	if err := plan.WriteSaved(&b, s); err != nil {
		return err
	}
	return atomicfile.Write(path, &b, 0o600)
}

// readSavedPlan reads the plan at path.
func readSavedPlan(path string) (*plan.Saved, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	return plan.LoadSaved(f)
}
