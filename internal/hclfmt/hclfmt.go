// Package hclfmt is attachform fmt's work: it finds the manifests and
// variable files among the targets, formats each in the canonical layout
// (spec.Format) and rewrites the ones that change, atomically and keeping
// their mode. It prints nothing: what it finds goes to a Reporter.
package hclfmt

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

// Options are fmt's flags.
type Options struct {
	Check, Diff, List, Write, Recursive bool
}

// Reporter is where a run reports, as fmt's view shows it.
type Reporter interface {
	// Diagnostics shows syntax errors (files give the snippets) and files
	// that could not be read or written (files nil).
	Diagnostics(files map[string]*hcl.File, diags hcl.Diagnostics)
	// Listed names a file that was not in the canonical layout.
	Listed(name string)
	// Diff shows how a file (or "<stdin>") changes.
	Diff(name string, old, new []byte)
	// Formatted is standard input, formatted ("attachform fmt -").
	Formatted(src []byte)
}

// Result is how a run went.
type Result struct {
	Failed      bool // a file could not be read, parsed or written
	Unformatted bool // some file was not in the canonical layout
}

// Run formats targets: files, directories ("" none: dir itself) and "-"
// for stdin, which is formatted to the Reporter. Relative targets are in
// dir, the configuration directory, and files are named relative to it.
// With Check, nothing is written.
func Run(dir string, stdin io.Reader, targets []string, o Options, rep Reporter) Result {
	if o.Check {
		o.Write = false
	}
	if len(targets) == 0 {
		targets = []string{dir}
	}
	r := &run{dir: dir, stdin: stdin, v: rep, o: o}
	for _, t := range targets {
		if t == "-" {
			r.formatStdin()
			continue
		}
		if !filepath.IsAbs(t) {
			t = filepath.Join(dir, t)
		}
		r.target(t)
	}
	return r.res
}

// run is one fmt invocation's progress.
type run struct {
	dir   string
	stdin io.Reader
	v     Reporter
	o     Options
	res   Result
}

// Formattable reports whether fmt handles a file of that name.
func Formattable(name string) bool {
	return strings.HasSuffix(name, spec.ManifestSuffix) || strings.HasSuffix(name, spec.AutoVarsSuffix)
}

func (r *run) target(path string) {
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
			if p != path && (!r.o.Recursive || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !Formattable(d.Name()) {
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
func (r *run) display(path string) string {
	if rel, err := filepath.Rel(r.dir, path); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return path
}

func (r *run) file(path string, perm fs.FileMode) {
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
	r.res.Unformatted = true
	if r.o.List {
		r.v.Listed(name)
	}
	if r.o.Diff {
		r.v.Diff(name, src, out)
	}
	if r.o.Write {
		if err := atomicfile.Write(path, bytes.NewReader(out), perm); err != nil {
			r.fail("Cannot write %s: %v", name, err)
		}
	}
}

func (r *run) formatStdin() {
	src, err := io.ReadAll(r.stdin)
	if err != nil {
		r.fail("Cannot read standard input: %v", err)
		return
	}
	out, ok := r.format(src, "<stdin>")
	if !ok {
		return
	}
	if !bytes.Equal(src, out) {
		r.res.Unformatted = true
	}
	switch {
	case r.o.Diff:
		r.v.Diff("<stdin>", src, out)
	case !r.o.Check:
		r.v.Formatted(out)
	}
}

// format formats src, reporting syntax errors with their snippet.
func (r *run) format(src []byte, name string) ([]byte, bool) {
	out, diags := spec.Format(src, name)
	if diags.HasErrors() {
		f := &hcl.File{Bytes: src}
		r.v.Diagnostics(map[string]*hcl.File{name: f}, diags)
		r.res.Failed = true
		return nil, false
	}
	return out, true
}

func (r *run) fail(format string, args ...any) {
	r.v.Diagnostics(nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "fmt failed", Detail: fmt.Sprintf(format, args...)}})
	r.res.Failed = true
}
