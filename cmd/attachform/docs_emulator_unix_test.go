//go:build unix

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// emulatorSnippet is a shell snippet from the docs that starts the
// emulator, and the example directory it is meant to run in.
type emulatorSnippet struct {
	where   string // the doc it came from
	example string // directory under examples/ it runs in
	script  string
}

// backgroundEmulator is a line that starts the emulator for a script to use.
var backgroundEmulator = regexp.MustCompile(`(?m)^\s*attachform emulator .*&\s*(#.*)?$`)

// documentedEmulatorSnippets are the shell blocks of the docs and the
// examples' READMEs, and the emulator's help, that start the emulator in
// the background for what follows.
func documentedEmulatorSnippets(t *testing.T) []emulatorSnippet {
	t.Helper()
	pages := []struct{ doc, example string }{
		{"README.md", "dry-run"},
		{"docs/emulator.md", "dry-run"},
		{"docs/cli.md", "dry-run"},
		{"docs/troubleshooting.md", "dry-run"},
		{"docs/development.md", "dry-run"},
		{"docs/state.md", "dry-run"},
		{"docs/plans.md", "dry-run"},
		{"examples/dry-run/README.md", "dry-run"},
		{"examples/github-actions/README.md", "github-actions"},
		{"examples/azure-pipelines/README.md", "azure-pipelines"},
		{"examples/onboarding-group/README.md", "onboarding-group"},
		{"docs/people.md", "onboarding-group"},
	}
	// A page not listed that starts the emulator would go unchecked: every
	// Markdown file of the repository is looked at, and must be listed.
	listed := map[string]bool{}
	for _, p := range pages {
		listed[p.doc] = true
	}
	err := filepath.WalkDir(repoRoot, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != repoRoot && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(repoRoot, path)
		if d.IsDir() || !strings.HasSuffix(path, ".md") || listed[filepath.ToSlash(rel)] {
			return nil
		}
		if b, err := os.ReadFile(path); err == nil && backgroundEmulator.Match(b) {
			t.Errorf("%s starts the emulator in the background: list it in documentedEmulatorSnippets, with the example it runs in", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []emulatorSnippet
	for _, p := range pages {
		text := readDoc(t, p.doc)
		for _, lang := range []string{"sh", "bash", "shell", "console"} {
			for _, block := range codeBlocks(text, lang) {
				if backgroundEmulator.MatchString(block) {
					out = append(out, emulatorSnippet{p.doc, p.example, block})
				}
			}
		}
	}
	// The emulator's help (and so docs/cli.md's text block) shows its
	// snippet indented.
	var help []string
	for _, line := range strings.Split((&emulatorCommand{}).Help(), "\n") {
		if strings.HasPrefix(line, "      ") && !strings.HasPrefix(strings.TrimSpace(line), "-") {
			help = append(help, strings.TrimSpace(line))
		} else if len(help) > 0 {
			break
		}
	}
	if backgroundEmulator.MatchString(strings.Join(help, "\n")) {
		out = append(out, emulatorSnippet{"attachform emulator -h", "dry-run", strings.Join(help, "\n") + "\n"})
	}
	return out
}

// Every documented way of starting the emulator from a script waits for it
// by -endpoint-file, and works when run as a script: the plan that follows
// goes to the emulator. A snippet that reads the emulator's stdout races
// (the issue: run as a script it left ATTACHFORM_GRAPH_ENDPOINT empty, and
// the plan went to the real Graph). Here there is no credential and no
// network, so a plan that succeeded reached the emulator.
func TestDocumentedEmulatorSnippetsRun(t *testing.T) {
	snippets := documentedEmulatorSnippets(t)
	wantFrom := map[string]bool{
		"docs/emulator.md": false, "examples/dry-run/README.md": false,
		"examples/github-actions/README.md": false, "attachform emulator -h": false,
		"examples/onboarding-group/README.md": false, "docs/people.md": false,
	}
	for _, s := range snippets {
		wantFrom[s.where] = true
	}
	for where, found := range wantFrom {
		if !found {
			t.Errorf("%s shows no snippet that starts the emulator in the background: the test would check nothing there", where)
		}
	}
	for i, s := range snippets {
		t.Run(strings.ReplaceAll(s.where, "/", "_"), func(t *testing.T) {
			for _, line := range backgroundEmulator.FindAllString(s.script, -1) {
				if !strings.Contains(line, "-endpoint-file") {
					t.Errorf("%s starts the emulator without -endpoint-file, so a script cannot wait for it:\n%s", s.where, line)
				}
			}
			runEmulatorSnippet(t, i, s)
		})
	}
}

// runEmulatorSnippet runs s as a script in a copy of its example, with the
// built attachform first on PATH, and checks that it planned.
func runEmulatorSnippet(t *testing.T, i int, s emulatorSnippet) {
	dir := t.TempDir()
	if err := copyDir(filepath.Join(repoRoot, "examples", s.example), dir); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(t.TempDir(), "snippet.sh")
	if err := os.WriteFile(script, []byte(s.script), 0o644); err != nil {
		t.Fatal(err)
	}
	// Files, not pipes: the emulator left running in the background would
	// hold a pipe open.
	stdout, err := os.Create(filepath.Join(t.TempDir(), "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	defer stdout.Close()
	stderr, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", script)
	cmd.Dir = dir
	cmd.Env = []string{
		"PATH=" + binDir + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + t.TempDir(), "NO_COLOR=1", "TMPDIR=" + os.TempDir(),
	}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The snippet leaves the emulator serving; end it with the script's
	// process group.
	defer func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }()
	err = cmd.Wait()
	code := 0
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	out, _ := os.ReadFile(stdout.Name())
	errOut, _ := os.ReadFile(stderr.Name())
	if (code != 0 && code != 2) || !strings.Contains(string(out), "Plan:") || strings.Contains(string(errOut), "Error") {
		t.Fatalf("snippet %d of %s, run as a script in a copy of examples/%s, exit %d; want a plan against the emulator\n--- script\n%s--- stdout\n%s--- stderr\n%s",
			i, s.where, s.example, code, s.script, out, errOut)
	}
}
