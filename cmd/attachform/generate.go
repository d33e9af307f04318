package main

import (
	"bytes"
	"slices"

	"github.com/attachform/attachform/internal/addrs"
	"github.com/attachform/attachform/internal/download"
	"github.com/attachform/attachform/internal/generate"
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
func (gf *generateFlags) check(g *globals, f *configFlags) error {
	o, err := generate.CheckOutput(g.dir, gf.out, gf.files, !f.destroy && !f.refreshOnly && f.refresh)
	gf.file, gf.folder = o.File, o.Folder
	return err
}

// generateAndPlan reads what Graph holds, writes the manifest for what no
// manifest declares and downloads the files, then plans with the new
// manifest loaded, as Terraform plans the imports it generated config for.
// What cannot be declared is a warning each.
func generateAndPlan(g *globals, v planView, w *workspace.Workspace, f *configFlags, gf *generateFlags) (*plan.Plan, bool) {
	live, ok := w.Refresh(v, f.planOptions())
	if !ok {
		return nil, false
	}
	cands, skipped := generate.Find(w.Config, w.State, live)
	if len(f.targets) > 0 {
		cands, skipped = generate.OnlyTargeted(f.targets, cands, skipped)
	}
	diags := generate.Warnings(skipped)
	dir, err := download.Open(g.dir)
	if err != nil {
		errorf(v, "Cannot generate the configuration", "Opening the configuration directory failed: %v.", err)
		return nil, false
	}
	defer dir.Close()
	if err := generate.Layout(cands, gf.folder, declaredBlocks(w), dir); err != nil {
		errorf(v, "Cannot generate the configuration", "%v.", err)
		return nil, false
	}
	if len(cands) > 0 {
		if !writeGenerated(g, v, w, dir, cands, gf) {
			return nil, false
		}
		opts := f.loadOptions(g)
		opts.Data = plan.Lookups{Client: w.Client}
		cfg, ldiags := workspace.LoadManifests(g.env(), opts)
		if ldiags.HasErrors() {
			v.Diagnostics(cfg.Files, append(diags, ldiags...))
			return nil, false
		}
		w.Config = cfg
	}
	p, ok := w.BuildPlan(v, f.planOptions(), live, diags)
	if ok {
		v.Generated(gf.file, gf.folder, len(cands))
	}
	return p, ok
}

// writeGenerated downloads the candidates' files, then writes the
// manifest: never over a file, and only once every file is in place.
func writeGenerated(g *globals, v planView, w *workspace.Workspace, dir *download.Dir, cands []generate.Candidate, gf *generateFlags) bool {
	var targets []string
	for _, c := range cands {
		if t := "target." + c.Target.Name; !slices.Contains(targets, t) {
			targets = append(targets, t)
		}
	}
	body, err := generate.Render(cands, generate.Header{Now: now(), Version: version(), Targets: targets})
	if err != nil {
		errorf(v, "Cannot write the generated configuration", "%v.", err)
		return false
	}
	if err := generate.Download(g.ctx, w.Client, dir, cands); err != nil {
		errorf(v, "Cannot download an attachment", "%v. Nothing was written: neither %s nor a file in %s/.", err, gf.file, gf.folder)
		return false
	}
	if _, err := dir.Write(gf.file, bytes.NewReader(body), int64(len(body))); err != nil {
		for _, c := range cands {
			_ = dir.Remove(c.File) // a run again starts from the same folder
		}
		errorf(v, "Cannot write the generated configuration", "%v. The downloaded files were removed again.", err)
		return false
	}
	return true
}

// declaredBlocks are the names of the attachment blocks the manifests
// declare, which generated blocks must not take.
func declaredBlocks(w *workspace.Workspace) map[string]bool {
	names := map[string]bool{}
	for _, a := range w.Config.Attachments {
		if addr, err := addrs.Parse(a.Address); err == nil {
			names[addr.Name] = true
		}
	}
	return names
}
