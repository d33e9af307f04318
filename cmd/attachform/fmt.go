package main

import (
	"bytes"
	"flag"
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

  -check      Change nothing; list the files that need formatting and exit 3
              if there are any.
  -diff       Show the changes as a unified diff.
  -list=false Do not list the files that changed.
  -write=false
              Do not rewrite files (implied by -check and by "-").
  -recursive  Also format files in subdirectories (not hidden ones).
  -no-color   No colour in diagnostics (NO_COLOR in the environment too).
`)
}

type fmtOptions struct {
	check, diff, list, write, recursive, noColor bool
}

func (c *fmtCommand) Run(args []string) int {
	var o fmtOptions
	fs := flag.NewFlagSet("fmt", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&o.check, "check", false, "")
	fs.BoolVar(&o.diff, "diff", false, "")
	fs.BoolVar(&o.list, "list", true, "")
	fs.BoolVar(&o.write, "write", true, "")
	fs.BoolVar(&o.recursive, "recursive", false, "")
	fs.BoolVar(&o.noColor, "no-color", false, "")
	if code, done := parseFlags(c.g, fs, args, c.Help()); done {
		return code
	}
	if o.check {
		o.write = false
	}
	targets := fs.Args()
	if len(targets) == 0 {
		targets = []string{c.g.dir}
	}
	r := &fmtRun{g: c.g, o: o}
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
		fmt.Fprintln(r.g.std.out, name)
	}
	if r.o.diff {
		writeUnifiedDiff(r.g.std.out, name, src, out)
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
		writeUnifiedDiff(r.g.std.out, "<stdin>", src, out)
	case !r.o.check:
		_, _ = r.g.std.out.Write(out)
	}
}

// format formats src, reporting syntax errors with their snippet.
func (r *fmtRun) format(src []byte, name string) ([]byte, bool) {
	out, diags := spec.Format(src, name)
	if diags.HasErrors() {
		f := &hcl.File{Bytes: src}
		writeDiagnostics(r.g, map[string]*hcl.File{name: f}, diags, false, diagnosticColor(r.g, r.o.noColor))
		r.failed = true
		return nil, false
	}
	return out, true
}

func (r *fmtRun) fail(format string, args ...any) {
	writeDiagnostics(r.g, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "fmt failed", Detail: fmt.Sprintf(format, args...)}},
		false, diagnosticColor(r.g, r.o.noColor))
	r.failed = true
}

// writeUnifiedDiff writes the change from a to b as a unified diff with
// three lines of context, the format of diff -u.
func writeUnifiedDiff(w io.Writer, name string, a, b []byte) {
	al, bl := splitLines(a), splitLines(b)
	ops := diffLines(al, bl)
	fmt.Fprintf(w, "--- old/%s\n+++ new/%s\n", name, name)
	const context = 3
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		// A hunk: from context lines before this change to context lines
		// after the last change that is no more than 2*context away.
		start := max(i-context, 0)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*context {
				end = min(end+context, len(ops))
				break
			}
			end = run
		}
		aStart, bStart, aLen, bLen := ops[start].a, ops[start].b, 0, 0
		for _, op := range ops[start:end] {
			if op.kind != '+' {
				aLen++
			}
			if op.kind != '-' {
				bLen++
			}
		}
		fmt.Fprintf(w, "@@ -%s +%s @@\n", hunkRange(aStart, aLen), hunkRange(bStart, bLen))
		for _, op := range ops[start:end] {
			fmt.Fprintf(w, "%c%s\n", op.kind, op.text)
		}
		i = end
	}
}

func hunkRange(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	if n == 1 {
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

func splitLines(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// diffOp is one line of a diff: kept (' '), removed ('-') or added ('+');
// a and b are its positions (0-based) in the old and new lines.
type diffOp struct {
	kind byte
	text string
	a, b int
}

// diffLines computes a shortest edit script by longest common subsequence.
// Manifests are small; quadratic time and space are fine.
func diffLines(a, b []string) []diffOp {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []diffOp
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			ops = append(ops, diffOp{' ', a[i], i, j})
			i++
			j++
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, diffOp{'-', a[i], i, j})
			i++
		default:
			ops = append(ops, diffOp{'+', b[j], i, j})
			j++
		}
	}
	return ops
}
