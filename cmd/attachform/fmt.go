package main

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/attachform/attachform/internal/atomicfile"
	"github.com/attachform/attachform/spec"
	"github.com/hashicorp/hcl/v2"
)

// exitUnformatted is fmt -check's answer when a file needs formatting, as
// terraform fmt -check answers: distinct from 1, a syntax error.
const exitUnformatted = 3

// fmtCommand rewrites manifests and variable files in the canonical layout.
type fmtCommand struct{ g *globals }

func (c *fmtCommand) Synopsis() string { return "Rewrite manifests in the canonical format" }

func (c *fmtCommand) Help() string {
	return strings.TrimSpace(`
Usage: attachform [global options] fmt [options] [TARGET ...]

  Rewrites *.attach.hcl and *.auto.attachvars files in the canonical layout:
  two-space indentation, aligned equals signs, one newline at the end.
  TARGET is a file or a directory; the default is the configuration
  directory. "-" formats standard input to standard output. Files with
  syntax errors are reported and left unchanged.

  Exits 0 when done, 1 on a syntax or file error, and with -check 3 when a
  file is not formatted.

Options:

  -check                  Change nothing; list the files that need formatting
                          and exit 3 if there are any.
  -diff                   Show the changes as a unified diff.
  -list=false             Do not list the files that changed.
  -write=false            Do not rewrite files (implied by -check and by "-").
  -recursive              Also format files in subdirectories (not hidden ones).
` + fmtViews.help(helpColumn))
}

type fmtOptions struct {
	check, diff, list, write, recursive bool
}

func (c *fmtCommand) Run(args []string) int {
	var o fmtOptions
	var vf viewFlags
	fs := newFlagSet("fmt")
	fs.BoolVar(&o.check, "check", false, "")
	fs.BoolVar(&o.diff, "diff", false, "")
	fs.BoolVar(&o.list, "list", true, "")
	fs.BoolVar(&o.write, "write", true, "")
	fs.BoolVar(&o.recursive, "recursive", false, "")
	fmtViews.register(fs, &vf)
	if code, done := parseFlags(c.g, fs, args, c.Help()); done {
		return code
	}
	v, ok := fmtViews.open(c.g, vf)
	if !ok {
		return exitError
	}
	if o.check {
		o.write = false
	}
	targets := fs.Args()
	if len(targets) == 0 {
		targets = []string{c.g.dir}
	}
	r := &fmtRun{g: c.g, v: v, o: o}
	for _, t := range targets {
		if t == "-" {
			r.stdin()
			continue
		}
		if !filepath.IsAbs(t) {
			t = filepath.Join(c.g.dir, t)
		}
		r.target(t)
	}
	switch {
	case r.failed:
		return exitError
	case o.check && r.unformatted:
		return exitUnformatted
	}
	return exitOK
}

// fmtRun is one fmt invocation's progress.
type fmtRun struct {
	g           *globals
	v           fmtView
	o           fmtOptions
	failed      bool // a file could not be read, parsed or written
	unformatted bool // some file was not in the canonical layout
}

// formattable reports whether fmt handles a file of that name.
func formattable(name string) bool {
	return strings.HasSuffix(name, spec.ManifestSuffix) || strings.HasSuffix(name, spec.AutoVarsSuffix)
}

func (r *fmtRun) target(path string) {
	fi, err := os.Stat(path)
	if err != nil {
		r.fail("Cannot format %s: %v", r.display(path), err)
		return
	}
	if !fi.IsDir() {
		r.file(path, fi.Mode().Perm())
		return
	}
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			r.fail("Cannot read %s: %v", r.display(p), err)
			return nil
		}
		if d.IsDir() {
			if p != path && (!r.o.recursive || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !formattable(d.Name()) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			r.fail("Cannot read %s: %v", r.display(p), err)
			return nil
		}
		r.file(p, info.Mode().Perm())
		return nil
	})
	if err != nil {
		r.fail("Cannot read %s: %v", r.display(path), err)
	}
}

// display names a file as the user thinks of it: relative to the
// configuration directory when inside it.
func (r *fmtRun) display(path string) string {
	if rel, err := filepath.Rel(r.g.dir, path); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return path
}

func (r *fmtRun) file(path string, perm fs.FileMode) {
	name := r.display(path)
	src, err := os.ReadFile(path)
	if err != nil {
		r.fail("Cannot read %s: %v", name, err)
		return
	}
	out, ok := r.format(src, name)
	if !ok || bytes.Equal(src, out) {
		return
	}
	r.unformatted = true
	if r.o.list {
		r.v.Listed(name)
	}
	if r.o.diff {
		r.v.Diff(name, src, out)
	}
	if r.o.write {
		if err := atomicfile.Write(path, bytes.NewReader(out), perm); err != nil {
			r.fail("Cannot write %s: %v", name, err)
		}
	}
}

func (r *fmtRun) stdin() {
	src, err := io.ReadAll(r.g.std.in)
	if err != nil {
		r.fail("Cannot read standard input: %v", err)
		return
	}
	out, ok := r.format(src, "<stdin>")
	if !ok {
		return
	}
	if !bytes.Equal(src, out) {
		r.unformatted = true
	}
	switch {
	case r.o.diff:
		r.v.Diff("<stdin>", src, out)
	case !r.o.check:
		r.v.Formatted(out)
	}
}

// format formats src, reporting syntax errors with their snippet.
func (r *fmtRun) format(src []byte, name string) ([]byte, bool) {
	out, diags := spec.Format(src, name)
	if diags.HasErrors() {
		f := &hcl.File{Bytes: src}
		r.v.Diagnostics(map[string]*hcl.File{name: f}, diags)
		r.failed = true
		return nil, false
	}
	return out, true
}

func (r *fmtRun) fail(format string, args ...any) {
	r.v.Diagnostics(nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "fmt failed", Detail: fmt.Sprintf(format, args...)}})
	r.failed = true
}
