package download

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func open(t *testing.T) (string, *Dir) {
	t.Helper()
	dir := t.TempDir()
	d, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return dir, d
}

// leftovers lists every file under dir, temporary ones included.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

func TestWrite(t *testing.T) {
	dir, d := open(t)
	res, err := d.Write("imported/welcome/Agenda.pdf", strings.NewReader("agenda"), 100)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("agenda"))
	if res.Bytes != 6 || res.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("result %+v", res)
	}
	got, err := os.ReadFile(filepath.Join(dir, "imported", "welcome", "Agenda.pdf"))
	if err != nil || string(got) != "agenda" {
		t.Fatalf("file holds %q, %v", got, err)
	}
	fi, _ := os.Stat(filepath.Join(dir, "imported", "welcome", "Agenda.pdf"))
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	if files := leftovers(t, dir); len(files) != 1 {
		t.Errorf("files left: %v", files)
	}
}

func TestWriteNeverOverwrites(t *testing.T) {
	dir, d := open(t)
	os.MkdirAll(filepath.Join(dir, "imported"), 0o755)
	os.WriteFile(filepath.Join(dir, "imported", "a.txt"), []byte("mine"), 0o644)
	_, err := d.Write("imported/a.txt", strings.NewReader("theirs"), 100)
	if !errors.Is(err, ErrExists) {
		t.Fatalf("err = %v, want ErrExists", err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "imported", "a.txt")); string(got) != "mine" {
		t.Fatalf("the file was overwritten: %q", got)
	}
	if files := leftovers(t, dir); len(files) != 1 {
		t.Errorf("files left: %v", files)
	}
}

func TestWriteRefusesLinksAndEscapes(t *testing.T) {
	dir, d := open(t)
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "imported")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	os.WriteFile(filepath.Join(dir, "file"), nil, 0o644)
	for _, rel := range []string{"imported/a.txt", "imported/sub/a.txt", "../a.txt", "/etc/a.txt", "x/../../a.txt", `x\..\a.txt`, "file/a.txt", ""} {
		if _, err := d.Write(rel, strings.NewReader("x"), 10); err == nil {
			t.Errorf("Write(%q) succeeded", rel)
		}
	}
	for _, rel := range []string{"imported", "imported/sub", "file", "../x"} {
		if _, err := d.Entries(rel); err == nil {
			t.Errorf("Entries(%q) listed through a link, a file or outside", rel)
		}
	}
	if names, err := d.Entries("absent/sub"); err != nil || names != nil {
		t.Errorf("Entries of a folder that does not exist: %v, %v", names, err)
	}
	if files := leftovers(t, outside); len(files) != 0 {
		t.Errorf("written outside: %v", files)
	}
	if files := leftovers(t, dir); len(files) != 2 { // file, and the link
		t.Errorf("files left: %v", files)
	}
}

type failingReader struct{ after int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.after <= 0 {
		return 0, io.ErrUnexpectedEOF
	}
	n := min(len(p), f.after)
	f.after -= n
	return n, nil
}

func TestWriteLeavesNothingOnFailure(t *testing.T) {
	dir, d := open(t)
	if _, err := d.Write("a/too-big.bin", bytes.NewReader(make([]byte, 11)), 10); err == nil {
		t.Error("11 bytes within a limit of 10")
	}
	if _, err := d.Write("a/cut.bin", &failingReader{after: 5}, 10); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("cut stream: %v", err)
	}
	if files := leftovers(t, dir); len(files) != 0 {
		t.Errorf("files left: %v", files)
	}
}
