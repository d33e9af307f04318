package main

import (
	"github.com/attachform/attachform/internal/generate"
	"github.com/attachform/attachform/internal/views"
	"github.com/attachform/attachform/internal/workspace"
	"github.com/attachform/attachform/plan"
)

// generateFlags are plan's -generate-config-out=FILE and
// -generate-files-out=DIR, checked against the configuration directory.
type generateFlags struct {
	out   string // FILE, as given
	files string // DIR, as given ("" = FILE's name without .attach.hcl)

	file   string // FILE, slash-separated, relative to the configuration directory
	folder string // DIR, likewise
}

// check applies the rules for -generate-config-out and -generate-files-out
// (generate.CheckOutput) before anything is read.
func (gf *generateFlags) check(g *globals, f *operation) error {
	o, err := generate.CheckOutput(g.dir, gf.out, gf.files, !f.Destroy && !f.RefreshOnly && f.Refresh)
	gf.file, gf.folder = o.File, o.Folder
	return err
}

// generateAndPlan is plan -generate-config-out (Workspace.GenerateAndPlan),
// saying what it wrote.
func generateAndPlan(g *globals, v views.Plan, w *workspace.Workspace, f *operation, gf *generateFlags) (*plan.Plan, bool) {
	p, n, ok := w.GenerateAndPlan(v, f.planOptions(), f.loadOptions(g), generate.Output{File: gf.file, Folder: gf.folder})
	if ok {
		v.Generated(gf.file, gf.folder, n)
	}
	return p, ok
}
