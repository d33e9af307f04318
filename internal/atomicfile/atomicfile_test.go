package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestWriteCreatesAndReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	for _, content := range []string{"first", "second, longer than the first", ""} {
		if err := Write(path, strings.NewReader(content), 0o640); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != content {
			t.Fatalf("after Write(%q): %q, %v", content, got, err)
		}
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != 0o640 {
			t.Fatalf("mode = %v, %v; want 0640 whatever the umask", fi.Mode().Perm(), err)
		}
	}
	assertOnly(t, dir, "state.json")
}

// errAfter yields some bytes, then fails: a source that breaks mid-write.
type errAfter struct {
	data string
	err  error
}

func (r *errAfter) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestFailedWriteLeavesOldFileAndNoTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	broken := errors.New("source broke")
	err := Write(path, &errAfter{data: strings.Repeat("new", 10000), err: broken}, 0o600)
	if !errors.Is(err, broken) {
		t.Fatalf("Write = %v, want the source's error", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Fatalf("file after a failed Write = %q, want the old contents", got)
	}
	assertOnly(t, dir, "state.json")
}

func TestFailedRenameLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "taken")
	// A non-empty directory where the file should go: the rename fails.
	if err := os.MkdirAll(filepath.Join(path, "inside"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, strings.NewReader("x"), 0o600); err == nil {
		t.Fatal("Write over a non-empty directory succeeded")
	}
	assertOnly(t, dir, "taken")
	if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
		t.Fatalf("the directory was disturbed: %v, %v", fi, err)
	}
}

func TestWriteIntoMissingDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := Write(filepath.Join(dir, "no", "such", "file"), strings.NewReader("x"), 0o600); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Write = %v, want ErrNotExist", err)
	}
	assertOnly(t, dir)
}

// The temporary file is named as RemoveTemps expects, and nobody else can
// read it while it is written.
func TestTempFileWhileWriting(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	var seen []string
	r := readerFunc(func(p []byte) (int, error) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			seen = append(seen, e.Name())
			fi, _ := e.Info()
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s has mode %v while written, want 0600", e.Name(), fi.Mode().Perm())
			}
		}
		return 0, io.EOF
	})
	if err := Write(path, r, 0o600); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || !isTemp("state.json", seen[0]) {
		t.Fatalf("while writing, the directory held %q; want one temporary file RemoveTemps recognises", seen)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func TestRemoveTemps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "attachform.state.json")
	temps := []string{".attachform.state.json.123.tmp", ".attachform.state.json.4294967295.tmp"}
	kept := []string{
		"attachform.state.json",
		".attachform.state.json.backup.456.tmp", // a temporary file of path.backup: RemoveTemps(path + ".backup")
		".attachform.state.json.abc.tmp",
		".attachform.state.json..tmp",
		".other.state.json.123.tmp",
		".attachform.state.json.notes",
		"attachform.state.json.123.tmp",
	}
	for _, name := range append(slices.Clone(temps), kept...) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("{"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A directory that looks like a temporary file is not one.
	if err := os.Mkdir(filepath.Join(dir, ".attachform.state.json.77.tmp"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := RemoveTemps(path); err != nil {
		t.Fatal(err)
	}
	assertOnly(t, dir, append(slices.Clone(kept), ".attachform.state.json.77.tmp")...)
	if err := RemoveTemps(filepath.Join(dir, "missing", "x")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("RemoveTemps in a missing directory = %v, want ErrNotExist", err)
	}
}

// assertOnly fails unless dir holds exactly names.
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(names))
	if !slices.Equal(got, want) {
		t.Fatalf("directory holds %q, want %q", got, want)
	}
}
