package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	messy = "target \"inbox\" {\nmailbox = \"ops@contoso.com\"\n    message=\"AAMkADraft=\"\n}\n"
	tidy  = "target \"inbox\" {\n  mailbox = \"ops@contoso.com\"\n  message = \"AAMkADraft=\"\n}\n"
)

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFmtRewrites(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"main.attach.hcl":       messy,
		"ok.attach.hcl":         tidy,
		"team.auto.attachvars":  "mailbox=\"a@contoso.com\"\n",
		"notes.hcl":             messy, // not a manifest: left alone
		"sub/nested.attach.hcl": messy,
	})
	res := runCLI(t, dir, nil, "", "fmt")
	if res.code != exitOK || res.err != "" {
		t.Fatalf("fmt exited %d: %s", res.code, res.err)
	}
	if res.out != "main.attach.hcl\nteam.auto.attachvars\n" {
		t.Errorf("fmt listed %q, want the two changed files", res.out)
	}
	for name, want := range map[string]string{
		"main.attach.hcl":       tidy,
		"ok.attach.hcl":         tidy,
		"team.auto.attachvars":  "mailbox = \"a@contoso.com\"\n",
		"notes.hcl":             messy,
		"sub/nested.attach.hcl": messy, // not without -recursive
	} {
		if got := readFile(t, filepath.Join(dir, name)); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}

	res = runCLI(t, dir, nil, "", "fmt", "-recursive")
	if res.code != exitOK || res.out != "sub/nested.attach.hcl\n" || readFile(t, filepath.Join(dir, "sub/nested.attach.hcl")) != tidy {
		t.Errorf("fmt -recursive: exit %d, listed %q", res.code, res.out)
	}
	res = runCLI(t, dir, nil, "", "fmt", "-recursive")
	if res.code != exitOK || res.out != "" {
		t.Errorf("second fmt: exit %d, listed %q; want nothing to do", res.code, res.out)
	}
}

func TestFmtCheck(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"main.attach.hcl": messy})
	res := runCLI(t, dir, nil, "", "fmt", "-check")
	if res.code != exitUnformatted || res.out != "main.attach.hcl\n" {
		t.Errorf("fmt -check = %d %q, want %d and the file listed", res.code, res.out, exitUnformatted)
	}
	if readFile(t, filepath.Join(dir, "main.attach.hcl")) != messy {
		t.Error("fmt -check changed the file")
	}
	writeFiles(t, dir, map[string]string{"main.attach.hcl": tidy})
	if res := runCLI(t, dir, nil, "", "fmt", "-check"); res.code != exitOK || res.out != "" {
		t.Errorf("fmt -check on a tidy file = %d %q, want 0 and nothing", res.code, res.out)
	}
}

func TestFmtDiff(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"main.attach.hcl": messy})
	res := runCLI(t, dir, nil, "", "fmt", "-check", "-diff", "-list=false")
	want := "--- old/main.attach.hcl\n+++ new/main.attach.hcl\n@@ -1,4 +1,4 @@\n" +
		" target \"inbox\" {\n" +
		"-mailbox = \"ops@contoso.com\"\n" +
		"-    message=\"AAMkADraft=\"\n" +
		"+  mailbox = \"ops@contoso.com\"\n" +
		"+  message = \"AAMkADraft=\"\n" +
		" }\n"
	if res.code != exitUnformatted || res.out != want {
		t.Errorf("fmt -diff = %d\n%s\nwant:\n%s", res.code, res.out, want)
	}
}

func TestFmtSyntaxError(t *testing.T) {
	dir := t.TempDir()
	broken := "target \"inbox\" {\n  mailbox = \n"
	writeFiles(t, dir, map[string]string{"main.attach.hcl": broken, "b.attach.hcl": messy})
	res := runCLI(t, dir, nil, "", "fmt", "-no-color")
	if res.code != exitError || !strings.Contains(res.err, "main.attach.hcl line 2") {
		t.Errorf("fmt on a broken file = %d, stderr %q; want 1 and the location", res.code, res.err)
	}
	if readFile(t, filepath.Join(dir, "main.attach.hcl")) != broken {
		t.Error("fmt changed a file with syntax errors")
	}
	if readFile(t, filepath.Join(dir, "b.attach.hcl")) != tidy {
		t.Error("a syntax error in one file stopped fmt from formatting the others")
	}
}

func TestFmtTargetsAndStdin(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"one.attach.hcl": messy, "two.attach.hcl": messy})
	if res := runCLI(t, dir, nil, "", "fmt", "one.attach.hcl"); res.code != exitOK || res.out != "one.attach.hcl\n" {
		t.Errorf("fmt FILE = %d %q", res.code, res.out)
	}
	if readFile(t, filepath.Join(dir, "two.attach.hcl")) != messy {
		t.Error("fmt FILE formatted another file")
	}
	if res := runCLI(t, dir, nil, messy, "fmt", "-"); res.code != exitOK || res.out != tidy {
		t.Errorf("fmt - = %d %q, want the formatted input", res.code, res.out)
	}
	if res := runCLI(t, dir, nil, messy, "fmt", "-check", "-"); res.code != exitUnformatted || res.out != "" {
		t.Errorf("fmt -check - = %d %q, want %d and no output", res.code, res.out, exitUnformatted)
	}
	if res := runCLI(t, dir, nil, "", "fmt", "missing.attach.hcl"); res.code != exitError {
		t.Errorf("fmt on a missing file = %d, want 1", res.code)
	}
}

func TestFmtKeepsMode(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "main.attach.hcl")
	if err := os.WriteFile(p, []byte(messy), 0o600); err != nil {
		t.Fatal(err)
	}
	runCLI(t, dir, nil, "", "fmt")
	fi, err := os.Stat(p)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after fmt = %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*.tmp"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}
