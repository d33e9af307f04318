// Package spectest gives tests outside package spec (the CLI's) access to
// the invalid-manifest corpus in spec/testdata/invalid: each case copied to
// a temporary directory with its setup applied, and its golden diagnostics.
package spectest

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// Every directory under testdata/invalid is a broken configuration. Beside
// its manifests it holds
//
//	want.txt   the expected diagnostics, one per line: FILE:LINE: SUMMARY
//	           (a warning is prefixed "warning: "; no location is "-")
//	args.txt   optional command-line options, one per line: -var=…,
//	           -var-file=…, -backend-config=…, or "env NAME=VALUE"
//	setup.txt  optional, for what git cannot hold: "sparse PATH SIZE",
//	           "symlink PATH TARGET", "fifo PATH", "write PATH TEXT"
//
// Paths in setup.txt are relative to the copied configuration directory,
// which sits one level below a fresh temporary directory (so "../x" is
// outside it but still temporary).

// Case is one broken configuration, ready to load.
type Case struct {
	Name string
	Dir  string // temporary copy, setup applied

	Vars, VarFiles, BackendConfig []string // from args.txt
	Environ                       []string // "NAME=VALUE" from args.txt
	Want                          []string // golden lines from want.txt
}

// Root is the absolute path of the corpus.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "invalid")
}

// Names lists the cases in name order.
func Names(t testing.TB) []string {
	entries, err := os.ReadDir(Root())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}

// Prepare copies case name into a temporary directory and applies its
// setup.
func Prepare(t testing.TB, name string) *Case {
	t.Helper()
	src := filepath.Join(Root(), name)
	dir := filepath.Join(t.TempDir(), "config")
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	for _, meta := range []string{"want.txt", "args.txt", "setup.txt"} {
		_ = os.Remove(filepath.Join(dir, meta))
	}
	c := &Case{Name: name, Dir: dir, Want: readLines(t, filepath.Join(src, "want.txt"))}
	for _, a := range readLines(t, filepath.Join(src, "args.txt")) {
		switch {
		case strings.HasPrefix(a, "-var="):
			c.Vars = append(c.Vars, strings.TrimPrefix(a, "-var="))
		case strings.HasPrefix(a, "-var-file="):
			c.VarFiles = append(c.VarFiles, strings.TrimPrefix(a, "-var-file="))
		case strings.HasPrefix(a, "-backend-config="):
			c.BackendConfig = append(c.BackendConfig, strings.TrimPrefix(a, "-backend-config="))
		case strings.HasPrefix(a, "env "):
			c.Environ = append(c.Environ, strings.TrimPrefix(a, "env "))
		default:
			t.Fatalf("%s/args.txt: cannot read %q", name, a)
		}
	}
	for _, line := range readLines(t, filepath.Join(src, "setup.txt")) {
		if err := setup(dir, line); errors.Is(err, errNoFifo) {
			t.Skipf("%s/setup.txt: %q: %v", name, line, err)
		} else if err != nil {
			t.Fatalf("%s/setup.txt: %q: %v", name, line, err)
		}
	}
	return c
}

func setup(dir, line string) error {
	f := strings.Fields(line)
	if len(f) < 2 {
		return fmt.Errorf("too short")
	}
	p := filepath.Join(dir, f[1])
	switch {
	case f[0] == "sparse" && len(f) == 3:
		size, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			return err
		}
		fh, err := os.Create(p)
		if err != nil {
			return err
		}
		defer fh.Close()
		return fh.Truncate(size) // sparse: no disk used
	case f[0] == "symlink" && len(f) == 3:
		return os.Symlink(f[2], p)
	case f[0] == "fifo" && len(f) == 2:
		return mkfifo(p)
	case f[0] == "write" && len(f) >= 3:
		return os.WriteFile(p, []byte(strings.Join(f[2:], " ")+"\n"), 0o600)
	}
	return fmt.Errorf("unknown directive")
}

// Args returns the case's options as validate and plan take them.
func (c *Case) Args() []string {
	var out []string
	for _, v := range c.Vars {
		out = append(out, "-var="+v)
	}
	for _, v := range c.VarFiles {
		out = append(out, "-var-file="+v)
	}
	for _, v := range c.BackendConfig {
		out = append(out, "-backend-config="+v)
	}
	return out
}

func readLines(t testing.TB, path string) []string {
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

// Line renders one diagnostic as a golden line: FILE:LINE: SUMMARY.
func Line(severity hcl.DiagnosticSeverity, filename string, line int, summary string) string {
	loc := "-"
	if filename != "" {
		loc = fmt.Sprintf("%s:%d", filepath.ToSlash(filename), line)
	}
	out := loc + ": " + summary
	if severity != hcl.DiagError {
		out = "warning: " + out
	}
	return out
}

// Lines renders diagnostics as golden lines.
func Lines(diags hcl.Diagnostics) []string {
	out := []string{}
	for _, d := range diags {
		if d.Subject != nil {
			out = append(out, Line(d.Severity, d.Subject.Filename, d.Subject.Start.Line, d.Summary))
		} else {
			out = append(out, Line(d.Severity, "", 0, d.Summary))
		}
	}
	return out
}
