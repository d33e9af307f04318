//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// runInstaller runs scripts/install.sh as a user would, with env added
// to the environment; it returns its output and whether it succeeded.
func runInstaller(t *testing.T, env []string, args ...string) (string, bool) {
	t.Helper()
	cmd := exec.Command("bash", append([]string{filepath.Join(repoRoot, "scripts", "install.sh")}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Env = append(cmd.Env, "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

// dirEntries lists dir's names; none for a missing dir.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// The installer against a release served on 127.0.0.1: it picks this
// machine's archive, checks it against checksums.txt and installs a
// binary that prints the release's version; it refuses a tampered
// archive, a wrong, missing or doubled checksum line (nothing installed),
// an unknown version, a version that is not one, and an empty or
// malformed ATTACHFORM_RELEASES_URL.
func TestInstallScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a release binary")
	}
	root := t.TempDir()
	archive := fakeRelease(t, root, exampleVersion)
	url := releaseServer(t, root)
	env := []string{"ATTACHFORM_RELEASES_URL=" + url}

	dir := filepath.Join(t.TempDir(), "bin")
	// An older attachform is there: it is replaced.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "attachform"), []byte("#!/bin/sh\necho old\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	out, ok := runInstaller(t, env, exampleVersion, dir)
	if !ok {
		t.Fatalf("install.sh %s failed:\n%s", exampleVersion, out)
	}
	got, err := exec.Command(filepath.Join(dir, "attachform"), "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^attachform v0\.1\.0 \(go[0-9]+\.[0-9]+, [a-z0-9]+/[a-z0-9]+\)\n$`).Match(got) {
		t.Errorf("the installed attachform's version: %q", got)
	}
	if !strings.Contains(out, "installed attachform v0.1.0") {
		t.Errorf("install.sh said:\n%s", out)
	}
	if names := dirEntries(t, dir); len(names) != 1 {
		t.Errorf("the install left %v in its directory, want only attachform", names)
	}

	refused := func(name, wantErr string, env []string, args ...string) {
		t.Helper()
		dir := filepath.Join(t.TempDir(), "bin")
		out, ok := runInstaller(t, env, append(args, dir)...)
		if ok {
			t.Errorf("%s: install.sh succeeded:\n%s", name, out)
		}
		if !strings.Contains(out, wantErr) {
			t.Errorf("%s: install.sh said\n%s\nwant %q", name, out, wantErr)
		}
		if names := dirEntries(t, dir); len(names) != 0 {
			t.Errorf("%s: something was installed: %v", name, names)
		}
	}
	sums := filepath.Join(root, exampleVersion, "checksums.txt")
	original, err := os.ReadFile(sums)
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Base(archive)
	withSums := func(edit func(line string) string, run func()) {
		t.Helper()
		var lines []string
		for _, l := range strings.SplitAfter(string(original), "\n") {
			if strings.HasSuffix(l, "  "+base+"\n") {
				l = edit(l)
			}
			lines = append(lines, l)
		}
		if err := os.WriteFile(sums, []byte(strings.Join(lines, "")), 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.WriteFile(sums, original, 0o644)
		run()
	}
	withSums(func(l string) string { return strings.Repeat("0", 64) + l[64:] }, func() {
		refused("a wrong checksum line", "does not match checksums.txt", env, exampleVersion)
	})
	withSums(func(string) string { return "" }, func() {
		refused("no checksum line", "lists no "+base, env, exampleVersion)
	})
	withSums(func(l string) string { return l + l }, func() {
		refused("a doubled checksum line", "more than once", env, exampleVersion)
	})
	withSums(func(l string) string { return "md5:abc  " + base + "\n" }, func() {
		refused("a checksum that is no SHA-256", "no SHA-256", env, exampleVersion)
	})

	// A tampered archive: one byte changed after the checksums were made.
	good, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), good...)
	bad[len(bad)/2] ^= 0xff
	if err := os.WriteFile(archive, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	refused("a tampered archive", "refusing it, nothing was installed", env, exampleVersion)
	if err := os.WriteFile(archive, good, 0o644); err != nil {
		t.Fatal(err)
	}

	refused("an unknown version", "attachform v9.9.9 is not released", env, "v9.9.9")
	refused("not a version", `"latest" is not a release version`, env, "latest")
	refused("an empty URL", "ATTACHFORM_RELEASES_URL is set but empty", []string{"ATTACHFORM_RELEASES_URL="}, exampleVersion)
	for _, u := range []string{"ftp://127.0.0.1/x", "http://example.com/releases", "https://", "https://host/x?y=1", "127.0.0.1:8080"} {
		refused("URL "+u, "ATTACHFORM_RELEASES_URL is not an https:// URL", []string{"ATTACHFORM_RELEASES_URL=" + u}, exampleVersion)
	}
	if out, ok := runInstaller(t, env); ok || !strings.Contains(out, "usage: install.sh VERSION [DIR]") {
		t.Errorf("install.sh with no arguments: ok %v\n%s", ok, out)
	}
}

// The README's Install section, as a user pastes it: the first command
// (the installer from a release) runs against the tests' release of this
// tree, with the release URL pointing at it; the action and the template
// are the ones the examples use; the build from source names the pinned
// version.
func TestReadmeInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a release binary")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	section := readmeSection(t, "Install")
	sh, yml := codeBlocks(section, "sh"), codeBlocks(section, "yaml")
	if len(sh) != 2 || len(yml) != 2 {
		t.Fatalf("the Install section has %d sh and %d yaml blocks, want 2 and 2 (archive, action, template, source)", len(sh), len(yml))
	}
	const releases = "https://github.com/attachform/attachform/releases/download"
	if !strings.Contains(sh[0], releases+"/"+exampleVersion+"/install.sh") {
		t.Errorf("the README installs from elsewhere than %s/%s: %q", releases, exampleVersion, sh[0])
	}
	root := t.TempDir()
	fakeRelease(t, root, exampleVersion)
	url := releaseServer(t, root)
	home, work := t.TempDir(), t.TempDir()
	cmd := exec.Command("bash", "-euc", strings.ReplaceAll(sh[0], releases, url))
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "HOME="+home, "ATTACHFORM_RELEASES_URL="+url)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the README's install command: %v\n%s", err, out)
	}
	got, err := exec.Command(filepath.Join(home, ".local", "bin", "attachform"), "version").Output()
	if err != nil || !strings.HasPrefix(string(got), "attachform "+exampleVersion+" (") {
		t.Errorf("after the README's install command, attachform version: %q, %v", got, err)
	}

	action, err := os.ReadFile(filepath.Join(repoRoot, "examples", "github-actions", "attachform.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "- uses: attachform/attachform@" + exampleVersion + "\n  with:\n    version: " + exampleVersion + "\n"; yml[0] != want {
		t.Errorf("the README's action step:\n%s\nwant\n%s", yml[0], want)
	}
	if !strings.Contains(string(action), "uses: attachform/attachform@"+exampleVersion) {
		t.Error("the GitHub Actions example does not use the action as the README shows")
	}
	pipeline, err := os.ReadFile(filepath.Join(repoRoot, "examples", "azure-pipelines", "azure-pipelines.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(yml[1]) != "- template: install-attachform.yml" || !strings.Contains(string(pipeline), "- template: install-attachform.yml") {
		t.Errorf("the README's template step %q is not the Azure Pipelines example's", yml[1])
	}
	if strings.TrimSpace(sh[1]) != "go install github.com/attachform/attachform/cmd/attachform@"+exampleVersion {
		t.Errorf("the README's build from source: %q", sh[1])
	}
}

// The setup action with version: source builds its own checkout (this
// tree) with the action's ref stamped, and puts it on PATH; with a release
// version it installs that release, and a second run on the same runner
// takes it from the cache instead of downloading again.
func TestSetupAction(t *testing.T) {
	if testing.Short() {
		t.Skip("builds attachform")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH")
	}
	w := newPipelineWorld(t, filepath.Join(repoRoot, "examples", "dry-run"))
	check := pipelineStep{name: "check", errexit: true, script: "attachform version\n"}
	env := map[string]string{"GITHUB_ACTIONS": "true"}

	source := pipelineJob{name: "source", env: map[string]string{}, steps: append(actionSteps(t, "test", "v9.8.7", map[string]string{"version": "source"}), check)}
	// The real go, ahead of the stub that stands in for a missing one, with
	// this machine's module and build caches (the job's HOME is new).
	goEnv := map[string]string{"PATH": filepath.Dir(goBin) + string(os.PathListSeparator) + w.stubs + string(os.PathListSeparator) + os.Getenv("PATH")}
	for _, k := range []string{"GOMODCACHE", "GOCACHE", "GOPATH", "GOTOOLCHAIN", "GOFLAGS"} {
		out, err := exec.Command(goBin, "env", k).Output()
		if err != nil {
			t.Fatal(err)
		}
		goEnv[k] = strings.TrimSpace(string(out))
	}
	res := w.run(source, env, nil, goEnv)
	if !strings.Contains(res.output, "attachform v9.8.7 (") {
		t.Errorf("version: source did not build the checkout stamped with the action's ref:\n%s", res.output)
	}

	release := pipelineJob{name: "release", env: map[string]string{}, steps: append(actionSteps(t, "test", exampleVersion, map[string]string{"version": exampleVersion}), check)}
	release.steps = append(release.steps, release.steps...) // the same runner, twice
	res = w.run(release, env, nil)
	if strings.Count(res.output, "installed attachform "+exampleVersion+" (") != 1 || !strings.Contains(res.output, "attachform "+exampleVersion+" from the cache") {
		t.Errorf("the action did not install %s once and then take it from the cache:\n%s", exampleVersion, res.output)
	}
}
