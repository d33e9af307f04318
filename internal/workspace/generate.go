package workspace

import (
	"bytes"
	"slices"

	"github.com/attachform/attachform/internal/download"
	"github.com/attachform/attachform/internal/generate"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/spec"
)

// GenerateAndPlan is plan -generate-config-out: it reads what Graph holds,
// writes the manifest out.File for what no manifest declares and downloads
// the files into out.Folder, then plans with the new manifest loaded (load
// is how the command loaded the manifests), as Terraform plans the imports
// it generated config for. What cannot be declared is a warning each. It
// returns the plan and how many attachments it declared; on failure it
// has reported the problem on r.
func (w *Workspace) GenerateAndPlan(r Diagnoser, o PlanOptions, load spec.LoadOptions, out generate.Output) (*plan.Plan, int, bool) {
	live, ok := w.Refresh(r, o)
	if !ok {
		return nil, 0, false
	}
	cands, skipped := generate.Find(w.Config, w.State, live)
	if len(o.Targets) > 0 {
		cands, skipped = generate.OnlyTargeted(o.Targets, cands, skipped)
	}
	diags := generate.Warnings(skipped)
	dir, err := download.Open(w.env.Dir)
	if err != nil {
		errorf(r, "Cannot generate the configuration", "Opening the configuration directory failed: %v.", err)
		return nil, 0, false
	}
	defer dir.Close()
	if err := generate.Layout(cands, out.Folder, generate.DeclaredBlocks(w.Config), dir); err != nil {
		errorf(r, "Cannot generate the configuration", "%v.", err)
		return nil, 0, false
	}
	if len(cands) > 0 {
		if !w.writeGenerated(r, dir, cands, out) {
			return nil, 0, false
		}
		// The files read at Open are unchanged: only the directory is
		// listed again, and the manifest written read.
		files := spec.NewManifests(w.env.Dir)
		if w.files != nil {
			files = w.files.Relisted()
		}
		load.Data = plan.Lookups{Client: w.Client}
		cfg, ldiags, _ := loadManifests(w.env, files, load)
		if ldiags.HasErrors() {
			r.Diagnostics(cfg.Files, append(diags, ldiags...))
			return nil, 0, false
		}
		w.Config = cfg
	}
	p, ok := w.BuildPlan(r, o, live, diags)
	return p, len(cands), ok
}

// writeGenerated downloads the candidates' files, then writes the
// manifest: never over a file, and only once every file is in place.
func (w *Workspace) writeGenerated(r Diagnoser, dir *download.Dir, cands []generate.Candidate, out generate.Output) bool {
	var targets []string
	for _, c := range cands {
		if t := "target." + c.Target.Name; !slices.Contains(targets, t) {
			targets = append(targets, t)
		}
	}
	body, err := generate.Render(cands, generate.Header{Now: w.env.Now(), Version: w.env.Version, Targets: targets})
	if err != nil {
		errorf(r, "Cannot write the generated configuration", "%v.", err)
		return false
	}
	if err := generate.Download(w.env.Ctx, w.Client, dir, cands); err != nil {
		errorf(r, "Cannot download an attachment", "%v. Nothing was written: neither %s nor a file in %s/.", err, out.File, out.Folder)
		return false
	}
	if _, err := dir.Write(out.File, bytes.NewReader(body), int64(len(body))); err != nil {
		for _, c := range cands {
			_ = dir.Remove(c.File) // a run again starts from the same folder
		}
		errorf(r, "Cannot write the generated configuration", "%v. The downloaded files were removed again.", err)
		return false
	}
	return true
}
