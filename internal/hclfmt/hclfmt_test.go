package hclfmt

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

const (
	messy = "target \"inbox\" {\nmailbox = \"ops@contoso.com\"\n}\n"
	tidy  = "target \"inbox\" {\n  mailbox = \"ops@contoso.com\"\n}\n"
)

// reporter keeps what a run reports.
type reporter struct {
	listed, diffed []string
	formatted      string
	diags          hcl.Diagnostics
}

func (r *reporter) Diagnostics(_ map[string]*hcl.File, d hcl.Diagnostics) {
	r.diags = append(r.diags, d...)
}
func (r *reporter) Listed(name string)            { r.listed = append(r.listed, name) }
func (r *reporter) Diff(name string, _, _ []byte) { r.diffed = append(r.diffed, name) }
func (r *reporter) Formatted(src []byte)          { r.formatted += string(src) }

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Run with no target formats the directory: -recursive goes into
// subdirectories but not hidden ones, -check writes nothing, and names
// are relative to the directory, slash-separated.
func TestRunWalksTheDirectory(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"a.attach.hcl": messy, "b.auto.attachvars": "x=1\n", "c.hcl": messy,
		"sub/d.attach.hcl": messy, ".hidden/e.attach.hcl": messy,
	})
	r := &reporter{}
	res := Run(dir, nil, nil, Options{Check: true, List: true, Write: true, Recursive: true, Diff: true}, r)
	if !res.Unformatted || res.Failed || !slices.Equal(r.listed, []string{"a.attach.hcl", "b.auto.attachvars", "sub/d.attach.hcl"}) || len(r.diffed) != 3 {
		t.Fatalf("check: %+v, listed %q, diffed %q, %v", res, r.listed, r.diffed, r.diags)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "a.attach.hcl")); string(b) != messy {
		t.Error("-check wrote a file")
	}
	r = &reporter{}
	if res := Run(dir, nil, nil, Options{List: true, Write: true}, r); !res.Unformatted || !slices.Equal(r.listed, []string{"a.attach.hcl", "b.auto.attachvars"}) {
		t.Fatalf("write: %+v, listed %q", res, r.listed)
	}
	for name, want := range map[string]string{"a.attach.hcl": tidy, "c.hcl": messy, "sub/d.attach.hcl": messy, ".hidden/e.attach.hcl": messy} {
		if b, _ := os.ReadFile(filepath.Join(dir, name)); string(b) != want {
			t.Errorf("%s = %q, want %q", name, b, want)
		}
	}
}

// "-" formats stdin to the reporter; a syntax error and a missing file
// fail the run without stopping it.
func TestRunStdinAndFailures(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"bad.attach.hcl": "target \"x\" {\n", "ok.attach.hcl": messy})
	r := &reporter{}
	res := Run(dir, strings.NewReader(messy), []string{"-", "bad.attach.hcl", "missing.attach.hcl", "ok.attach.hcl"}, Options{Write: true}, r)
	if r.formatted != tidy || !res.Failed || !res.Unformatted || len(r.diags) < 2 {
		t.Fatalf("%+v, formatted %q, %v", res, r.formatted, r.diags)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "ok.attach.hcl")); string(b) != tidy {
		t.Error("a failure stopped the files after it")
	}
	if !slices.ContainsFunc(r.diags, func(d *hcl.Diagnostic) bool { return strings.HasPrefix(d.Detail, "Cannot format missing.attach.hcl: ") }) {
		t.Errorf("the missing file is not named as given: %v", r.diags)
	}
}
