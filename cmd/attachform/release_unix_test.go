//go:build unix

package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// releaseBinaries are attachform built from this tree with a version
// stamped as .goreleaser.yaml stamps it, one per version, built once.
var releaseBinaries struct {
	sync.Mutex
	built map[string]string
}

func releaseBinary(t *testing.T, version string) string {
	t.Helper()
	releaseBinaries.Lock()
	defer releaseBinaries.Unlock()
	if p, ok := releaseBinaries.built[version]; ok {
		return p
	}
	p := filepath.Join(binDir, "release-"+version, "attachform")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-X main.buildVersion="+version, "-o", p, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build attachform %s: %v\n%s", version, err, out)
	}
	if releaseBinaries.built == nil {
		releaseBinaries.built = map[string]string{}
	}
	releaseBinaries.built[version] = p
	return p
}

// fakeRelease lays out a release as GoReleaser publishes it, under
// root/VERSION/: an archive for this machine holding the binary (stamped
// with version), README, LICENSE and CHANGELOG; archives for two other
// platforms holding something else, so that the wrong pick shows; the
// installer; and checksums.txt. It returns the archive's path for this
// machine.
func fakeRelease(t *testing.T, root, version string) string {
	t.Helper()
	dir := filepath.Join(root, version)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	number := strings.TrimPrefix(version, "v")
	bin, err := os.ReadFile(releaseBinary(t, version))
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string][]byte{}
	for _, name := range []string{"README.md", "LICENSE", "CHANGELOG.md"} {
		if docs[name], err = os.ReadFile(filepath.Join(repoRoot, name)); err != nil {
			t.Fatal(err)
		}
	}
	archives := map[string][]byte{}
	name := func(goos, goarch string) string {
		return fmt.Sprintf("attachform_%s_%s_%s.tar.gz", number, goos, goarch)
	}
	archives[name(runtime.GOOS, runtime.GOARCH)] = tarGz(t, bin, docs)
	other := []byte("#!/bin/sh\necho 'the archive of another platform'\n")
	for _, p := range [][2]string{{"linux", "arm64"}, {"darwin", "amd64"}, {"linux", "amd64"}} {
		if n := name(p[0], p[1]); archives[n] == nil {
			archives[n] = tarGz(t, other, docs)
		}
	}
	script, err := os.ReadFile(filepath.Join(repoRoot, "scripts", "install.sh"))
	if err != nil {
		t.Fatal(err)
	}
	archives["install.sh"] = script
	var sums strings.Builder
	for n, b := range archives {
		sum := sha256.Sum256(b)
		fmt.Fprintf(&sums, "%s  %s\n", hex.EncodeToString(sum[:]), n)
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "checksums.txt"), []byte(sums.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name(runtime.GOOS, runtime.GOARCH))
}

// tarGz is an archive as GoReleaser makes it: the binary and the docs at
// its top.
func tarGz(t *testing.T, bin []byte, docs map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	add := func(name string, mode int64, b []byte) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	add("attachform", 0o755, bin)
	for name, b := range docs {
		add(name, 0o644, b)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// releaseServer serves root as the releases' download URL, on 127.0.0.1
// at a random port.
func releaseServer(t *testing.T, root string) string {
	t.Helper()
	srv := httptest.NewServer(http.FileServer(http.Dir(root)))
	t.Cleanup(srv.Close)
	return srv.URL
}
