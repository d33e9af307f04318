package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// development.md's way to stamp a version where the toolchain records no
// commit (GOFLAGS=-buildvcs=false, as on many CI images) works: the
// command, as documented with the tag it would compute, installs a binary
// whose version is that tag, not "dev".
func TestDocumentedStampedInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds attachform")
	}
	var command string
	for _, block := range codeBlocks(readDoc(t, "docs/development.md"), "sh") {
		for _, line := range strings.Split(block, "\n") {
			if strings.Contains(line, "-X main.buildVersion=") {
				command = line
			}
		}
	}
	const describe = "$(git describe --tags --always --dirty)"
	const shape = `go install -ldflags "-X main.buildVersion=` + describe + `" ./cmd/attachform`
	if strings.TrimSpace(command) != shape {
		t.Fatalf("development.md's stamped install is %q; this test runs %q", command, shape)
	}
	const tag = "v9.8.7-doc"
	args := []string{"install", "-ldflags", "-X main.buildVersion=" + tag, "./cmd/attachform"}
	gobin := t.TempDir()
	install := exec.Command("go", args...)
	install.Dir = repoRoot
	install.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=-buildvcs=false")
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	exe := filepath.Join(gobin, "attachform")
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	out, err := exec.Command(exe, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("attachform version: %v\n%s", err, out)
	}
	if !strings.HasPrefix(string(out), "attachform "+tag+" ") {
		t.Errorf("attachform version = %q, want %s", out, tag)
	}
}
