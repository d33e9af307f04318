package main

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/attachform/attachform/internal/addrs"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/attachform/attachform/internal/download"
	"github.com/attachform/attachform/internal/generate"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/spec"
	"github.com/hashicorp/hcl/v2"
)

// generateFlags are plan's -generate-config-out=FILE and
// -generate-files-out=DIR, checked against the configuration directory.
type generateFlags struct {
	out   string // FILE, as given
	files string // DIR, as given ("" = FILE's name without .attach.hcl)

	file   string // FILE, slash-separated, relative to the configuration directory
	folder string // DIR, likewise
}

// generatedSuffix is what a manifest's name ends with: the generated file
// is read by the next plan only if it is one.
const generatedSuffix = ".attach.hcl"

// check applies Terraform's rules for -generate-config-out (FILE must not
// exist) and attachform's (FILE is a manifest of the configuration
// directory, DIR a folder inside it), before anything is read.
func (gf *generateFlags) check(g *globals, f *configFlags) error {
	if gf.out == "" {
		if gf.files != "" {
			return errors.New("-generate-files-out is where -generate-config-out puts the files it downloads; give -generate-config-out=FILE too")
		}
		return nil
	}
	switch {
	case f.destroy, f.refreshOnly, !f.refresh:
		return errors.New("-generate-config-out reads what Graph holds on the targets: it cannot be combined with -destroy, -refresh-only or -refresh=false")
	case !strings.HasSuffix(gf.out, generatedSuffix) || gf.out == generatedSuffix:
		return fmt.Errorf("-generate-config-out=%s: the file's name must end in %s, or the next plan would not read it", gf.out, generatedSuffix)
	}
	dir, err := filepath.Abs(g.dir)
	if err != nil {
		return err
	}
	abs := planPath(g, gf.out)
	if filepath.Dir(filepath.Clean(abs)) != dir {
		return fmt.Errorf("-generate-config-out=%s: the file must be in the configuration directory (%s), where the next plan reads manifests", gf.out, g.dir)
	}
	if _, err := os.Lstat(abs); !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("-generate-config-out=%s: the file exists already; attachform writes a new file only, and never over one: choose another name, or remove it", gf.out)
	}
	gf.file = filepath.Base(abs)
	gf.folder = strings.TrimSuffix(gf.file, generatedSuffix)
	if gf.files != "" {
		if !filepath.IsLocal(gf.files) {
			return fmt.Errorf("-generate-files-out=%s: the folder must be inside the configuration directory, given relative to it (as imported)", gf.files)
		}
		gf.folder = filepath.ToSlash(filepath.Clean(gf.files))
	}
	return nil
}

// generateAndPlan reads what Graph holds, writes the manifest for what no
// manifest declares and downloads the files, then plans with the new
// manifest loaded, as Terraform plans the imports it generated config for.
// What cannot be declared is a warning each.
func generateAndPlan(g *globals, v planView, w *workspace, f *configFlags, gf *generateFlags) (*plan.Plan, bool) {
	live, ok := refresh(g, v, w, f)
	if !ok {
		return nil, false
	}
	cands, skipped := generate.Find(w.cfg, w.st, live)
	if len(f.targets) > 0 {
		cands, skipped = onlyTargeted(f.targets, cands, skipped)
	}
	diags := skippedWarnings(skipped)
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
		opts.Data = plan.Lookups{Client: w.client}
		cfg, ldiags := loadManifests(g, opts)
		if ldiags.HasErrors() {
			v.Diagnostics(cfg.Files, append(diags, ldiags...))
			return nil, false
		}
		w.cfg = cfg
	}
	p, ok := buildPlan(g, v, w, f, live, diags)
	if ok {
		v.Generated(gf.file, gf.folder, len(cands))
	}
	return p, ok
}

// writeGenerated downloads the candidates' files, then writes the
// manifest: never over a file, and only once every file is in place.
func writeGenerated(g *globals, v planView, w *workspace, dir *download.Dir, cands []generate.Candidate, gf *generateFlags) bool {
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
	if err := generate.Download(g.ctx, w.client, dir, cands); err != nil {
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

// onlyTargeted keeps what -target selects, as the plan does: what is on a
// selected target (or target instance), and what an import block into a
// selected address asks for.
func onlyTargeted(targets []string, cands []generate.Candidate, skipped []generate.Skipped) ([]generate.Candidate, []generate.Skipped) {
	var sel []addrs.Address
	for _, s := range targets {
		if a, err := addrs.Parse(s); err == nil {
			sel = append(sel, a)
		}
	}
	selected := func(t *spec.Target, im *spec.Import) bool {
		return slices.ContainsFunc(sel, func(a addrs.Address) bool {
			if t != nil && a.Kind == addrs.Target && a.Contains(t.Address()) {
				return true
			}
			to, err := addrs.Parse(imTo(im))
			return err == nil && a.Contains(to)
		})
	}
	cands = slices.DeleteFunc(cands, func(c generate.Candidate) bool { return !selected(c.Target, c.Import) })
	skipped = slices.DeleteFunc(skipped, func(s generate.Skipped) bool { return !selected(s.Target, s.Import) })
	return cands, skipped
}

func imTo(im *spec.Import) string {
	if im == nil {
		return ""
	}
	return im.To
}

// declaredBlocks are the names of the attachment blocks the manifests
// declare, which generated blocks must not take.
func declaredBlocks(w *workspace) map[string]bool {
	names := map[string]bool{}
	for _, a := range w.cfg.Attachments {
		if addr, err := addrs.Parse(a.Address); err == nil {
			names[addr.Name] = true
		}
	}
	return names
}

// skippedWarnings says, for each attachment that cannot be declared, which
// it is, why, and what to do: nothing is dropped silently.
func skippedWarnings(skipped []generate.Skipped) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, s := range skipped {
		d := &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Attachment not generated"}
		switch {
		case s.Target != nil:
			d.Detail = fmt.Sprintf("%q (id %s) on target.%s was skipped: %s. To do: %s.", s.Live.Name, plan.ShortID(s.Live.ID), s.Target.Name, s.Why, s.Fix)
		default:
			d.Detail = fmt.Sprintf("%s was skipped: %s. To do: %s.", s.Import.To, s.Why, s.Fix)
		}
		if s.Import != nil {
			d.Subject = s.Import.DeclRange.Ptr()
		}
		diags = append(diags, d)
	}
	return diags
}
