package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/attachform/attachform/internal/winpath"
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

// A rename over a file another process holds open is tried again while
// the holder may still let go, and only then fails; other errors fail at
// once.
func TestRetryHeld(t *testing.T) {
	errHeld := errors.New("held")
	errOther := errors.New("other")
	held := func(err error) bool { return errors.Is(err, errHeld) }
	for _, tc := range []struct {
		name      string
		failures  int   // op fails this many times with err, then succeeds
		err       error // what it fails with
		wantErr   error
		wantCalls int
		maxSlept  time.Duration
	}{
		{"succeeds at once", 0, errHeld, nil, 1, 0},
		{"let go after three tries", 3, errHeld, nil, 4, 70 * time.Millisecond},
		{"never let go", 1000, errHeld, errHeld, 0, 2 * time.Second},
		{"another error", 1000, errOther, errOther, 1, 0},
	} {
		calls, slept := 0, time.Duration(0)
		op := func() error {
			calls++
			if calls <= tc.failures {
				return tc.err
			}
			return nil
		}
		err := retryHeld(op, held, func(d time.Duration) { slept += d }, 2*time.Second)
		if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.wantErr)
		}
		if tc.wantCalls != 0 && calls != tc.wantCalls {
			t.Errorf("%s: %d calls, want %d", tc.name, calls, tc.wantCalls)
		}
		if slept > tc.maxSlept {
			t.Errorf("%s: slept %s, more than %s", tc.name, slept, tc.maxSlept)
		}
		if tc.name == "never let go" && slept != 2*time.Second {
			t.Errorf("%s: gave up after %s, want the whole 2s budget", tc.name, slept)
		}
	}
}

// Windows' numbers for a file held open are recognised, wrapped as
// os.Rename wraps them; others are not.
func TestHeldErrno(t *testing.T) {
	for errno, want := range map[syscall.Errno]bool{5: true, 32: true, 33: true, 2: false, 3: false, 183: false} {
		err := &os.LinkError{Op: "rename", Old: "a", New: "b", Err: errno}
		if got := heldErrno(err); got != want {
			t.Errorf("errno %d: held %v, want %v", errno, got, want)
		}
	}
	if heldErrno(errors.New("plain")) {
		t.Error("a plain error is not a held file")
	}
}

// Write syncs the temporary file before renaming it over path, and the
// directory after: without the first a power cut can leave path empty or
// torn, without the second the rename itself can be lost. Neither shows in
// the file's contents, so the test watches the calls.
func TestWriteSyncsFileBeforeRenameAndDirectoryAfter(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	var calls []string
	saved := durable
	t.Cleanup(func() { durable = saved })
	durable.syncFile = func(f *os.File) error {
		if b, err := os.ReadFile(f.Name()); err != nil || string(b) != "contents" {
			t.Errorf("synced the temporary file before it held the contents: %q, %v", b, err)
		}
		calls = append(calls, "sync "+filepath.Base(f.Name()))
		return saved.syncFile(f)
	}
	durable.replace = func(tmp, to string) error {
		calls = append(calls, "rename "+filepath.Base(tmp)+" "+filepath.Base(to))
		return saved.replace(tmp, to)
	}
	durable.syncDir = func(d *os.File) error {
		calls = append(calls, "sync dir "+d.Name())
		return saved.syncDir(d)
	}
	if err := Write(path, strings.NewReader("contents"), 0o600); err != nil {
		t.Fatal(err)
	}
	if len(calls) < 2 {
		t.Fatalf("calls %q: want the temporary file synced, then renamed over %s", calls, path)
	}
	tmp, ok := strings.CutPrefix(calls[0], "sync ")
	if !ok || !isTemp("state.json", tmp) {
		t.Fatalf("first call %q: want the temporary file synced (calls %q)", calls[0], calls)
	}
	want := []string{"sync " + tmp, "rename " + tmp + " state.json"}
	if !winpath.Host { // Windows' rename writes through instead
		want = append(want, "sync dir "+dir)
	}
	if !slices.Equal(calls, want) {
		t.Errorf("calls %q, want %q", calls, want)
	}
}
