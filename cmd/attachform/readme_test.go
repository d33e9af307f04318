package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readmeSection is the text of the README's section titled title, up to
// the next section of the same level.
func readmeSection(t *testing.T, title string) string {
	t.Helper()
	readme := readDoc(t, "README.md")
	_, after, ok := strings.Cut(readme, "\n## "+title+"\n")
	if !ok {
		t.Fatalf("the README has no section %q", title)
	}
	section, _, _ := strings.Cut(after, "\n## ")
	return section
}

// codeBlocks are the fenced blocks of lang in text, without their fences.
func codeBlocks(text, lang string) []string {
	var out []string
	for _, part := range strings.Split(text, "```"+lang+"\n")[1:] {
		block, _, _ := strings.Cut(part, "```")
		out = append(out, block)
	}
	return out
}

// The README's two commands are the ones .ci/run runs: the quickstart
// (which CI runs on a copy of the example, without colour) and the test
// command. Each section's first block is exactly that command.
func TestReadmeCommandsAreCIs(t *testing.T) {
	ci := readDoc(t, ".ci/run")
	for _, tc := range []struct{ section, command, inCI string }{
		{"Quickstart", "go run ./cmd/attachform -chdir=examples/quickstart apply -auto-approve",
			`go run ./cmd/attachform -chdir="$tmp/quickstart" apply -auto-approve -no-color`},
		{"Tests", "go test -race ./...", "\ngo test -race ./...\n"},
	} {
		blocks := codeBlocks(readmeSection(t, tc.section), "sh")
		if len(blocks) == 0 || strings.TrimSpace(blocks[0]) != tc.command {
			t.Errorf("the README's %s command is not %q: %q", tc.section, tc.command, blocks)
		}
		if !strings.Contains(ci, tc.inCI) {
			t.Errorf(".ci/run does not run the README's %s command as %q", tc.section, tc.inCI)
		}
	}
	if !strings.Contains(readmeSection(t, "Quickstart"), "ends with\n`Apply complete! Resources: 2 added, 0 changed, 0 destroyed.`") {
		t.Error("the Quickstart no longer says how the apply ends")
	}
}

// elapsed is the one part of attachform's output that depends on the
// machine: how long a change took.
var elapsed = regexp.MustCompile(`after [0-9]+s\b`)

// The README's tour is a real run: after the quickstart's apply, its
// commands, run in order in one shell on a copy of the example, print
// exactly what the README shows.
func TestReadmeTour(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the tour")
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	blocks := codeBlocks(readmeSection(t, "A tour"), "console")
	if len(blocks) != 1 {
		t.Fatalf("the tour has %d console blocks, want 1", len(blocks))
	}
	tour := blocks[0]

	work := t.TempDir()
	if err := copyDir(filepath.Join(repoRoot, "examples", "quickstart"), filepath.Join(work, "examples", "quickstart")); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + binDir + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + work, "XDG_CACHE_HOME=" + filepath.Join(work, ".cache")}
	quickstart := exec.Command(filepath.Join(binDir, "attachform"), "-chdir=examples/quickstart", "apply", "-auto-approve")
	quickstart.Dir, quickstart.Env = work, env
	if out, err := quickstart.CombinedOutput(); err != nil || !bytes.Contains(out, []byte("Apply complete! Resources: 2 added, 0 changed, 0 destroyed.")) {
		t.Fatalf("the quickstart's apply: %v\n%s", err, out)
	}

	// Each "$ command" line is echoed as the README shows it, then run,
	// its stderr with its stdout, as on a terminal.
	var script strings.Builder
	for _, line := range strings.Split(tour, "\n") {
		if cmd, ok := strings.CutPrefix(line, "$ "); ok {
			// The status is kept across the echo, for "echo $?".
			script.WriteString("status=$?; printf '%s\\n' '" + strings.ReplaceAll(line, "'", `'\''`) + "'; (exit $status); " + cmd + " 2>&1\n")
		}
	}
	run := exec.Command(sh, "-c", script.String())
	run.Dir, run.Env = work, env
	out, _ := run.CombinedOutput()
	got, want := elapsed.ReplaceAllString(string(out), "after Ns"), elapsed.ReplaceAllString(tour, "after Ns")
	if got != want {
		t.Errorf("the README's tour is not what a run prints; update it from this run:\n%s\nFirst difference:\n%s", out, firstDifference(want, got))
	}
}

// docs/development.md's release snapshot command is the one .ci/run runs.
func TestDevelopmentSnapshotCommand(t *testing.T) {
	var found string
	for _, b := range codeBlocks(readDoc(t, "docs/development.md"), "sh") {
		if strings.Contains(b, "goreleaser") {
			found = strings.TrimSpace(b)
		}
	}
	if found == "" {
		t.Fatal("docs/development.md shows no GoReleaser command")
	}
	ci, err := os.ReadFile(filepath.Join(repoRoot, ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ci), "\n"+found+"\n") {
		t.Errorf(".ci/run does not run docs/development.md's %q", found)
	}
}
