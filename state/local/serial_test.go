package local_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attachform/attachform/state"
	"github.com/attachform/attachform/state/local"
)

// write persists n serials of a fresh state through one handle and returns
// the state file's bytes after each.
func writeSerials(t *testing.T, b *local.Backend, n int) (*state.State, [][]byte) {
	t.Helper()
	ctx := context.Background()
	s := state.New()
	var copies [][]byte
	for range n {
		if err := state.Persist(ctx, b, s, "test"); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(b.Path)
		if err != nil {
			t.Fatal(err)
		}
		copies = append(copies, data)
	}
	return s, copies
}

// An old copy of the state restored over a newer one is refused, with a
// message that says so and how to proceed; nothing is changed by the
// refusal. -force reads it and makes it the latest.
func TestSerialBackwardsRefused(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "attachform.state.json")
	mem := &state.SerialMemory{Dir: filepath.Join(dir, "cache")}
	_, copies := writeSerials(t, &local.Backend{Path: path, Memory: mem}, 3)

	if err := os.WriteFile(path, copies[0], 0o600); err != nil { // serial 1 restored over 3
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	_, err := (&local.Backend{Path: path, Memory: mem}).Read(ctx)
	if !errors.Is(err, state.ErrSerialBackwards) {
		t.Fatalf("Read = %v, want ErrSerialBackwards", err)
	}
	for _, w := range []string{"holds serial 1", "serial 3 was written before", "-force", "older copy"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%q does not say %q", err, w)
		}
	}
	if after := snapshot(t, dir); after != before {
		t.Errorf("a refused read changed files:\nbefore %s\nafter  %s", before, after)
	}

	forced := &local.Backend{Path: path, Memory: mem, Force: true}
	s, err := forced.Read(ctx)
	if err != nil || s.Serial != 1 {
		t.Fatalf("forced Read = %+v, %v", s, err)
	}
	// The forced state stands: the next run reads it without -force, and
	// writes on from it.
	next := &local.Backend{Path: path, Memory: mem}
	s, err = next.Read(ctx)
	if err != nil {
		t.Fatalf("after -force: %v", err)
	}
	if err := state.Persist(ctx, next, s, "test"); err != nil || s.Serial != 2 {
		t.Fatalf("write after -force: serial %d, %v", s.Serial, err)
	}
}

// The record beside the state catches a restored file on any machine; the
// machine's memory catches it when the record was restored too.
func TestSerialBackwardsSources(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name         string
		memory       bool
		restoreAlso  bool // the record beside the state is restored too (an old copy of the whole directory)
		wantRefusal  bool
		wantSourceIn string
	}{
		{"record beside the state", false, false, true, ".serial"},
		{"memory, record restored too", true, true, true, "remembered on this machine"},
		{"nothing remembers", false, true, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "s.json")
			var mem *state.SerialMemory
			if tc.memory {
				mem = &state.SerialMemory{Dir: filepath.Join(dir, "cache")}
			}
			b := &local.Backend{Path: path, Memory: mem}
			_, copies := writeSerials(t, b, 1)
			oldRecord, _ := os.ReadFile(path + ".serial")
			writeSerials(t, &local.Backend{Path: path + ".other", Memory: mem}, 1) // another lineage: no effect
			if _, err := b.Read(ctx); err != nil {
				t.Fatal(err)
			}
			s, _ := b.Read(ctx)
			for range 2 {
				if err := state.Persist(ctx, b, s, "test"); err != nil {
					t.Fatal(err)
				}
			}
			os.WriteFile(path, copies[0], 0o600)
			if tc.restoreAlso {
				os.WriteFile(path+".serial", oldRecord, 0o600)
			}
			_, err := (&local.Backend{Path: path, Memory: mem}).Read(ctx)
			if got := errors.Is(err, state.ErrSerialBackwards); got != tc.wantRefusal {
				t.Fatalf("Read = %v, want refusal %v", err, tc.wantRefusal)
			}
			if tc.wantRefusal && !strings.Contains(err.Error(), tc.wantSourceIn) {
				t.Errorf("%v: want it to name %q", err, tc.wantSourceIn)
			}
		})
	}
}

// Temporary copies of the state that a killed write left (upload URLs in
// them) are removed by the next successful write under the lock.
func TestStaleTempsRemovedOnWrite(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "attachform.state.json")
	b := local.New(path)
	info := state.NewLockInfo("apply", "test")
	if err := b.Lock(ctx, info); err != nil {
		t.Fatal(err)
	}
	defer b.Unlock(ctx, info.ID)
	// A leftover of a killed write that the lock did not see (it appeared
	// after: a directory restored from a backup, say).
	stale := filepath.Join(dir, ".attachform.state.json.123456.tmp")
	if err := os.WriteFile(stale, []byte(`{"upload_url":"https://outlook.office.com/x?authtoken=SECRET"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	keep := filepath.Join(dir, ".attachform.state.json.notes")
	os.WriteFile(keep, []byte("mine"), 0o600)
	if err := state.Persist(ctx, b, state.New(), "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temporary file still there: %v", err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("a file that is not a temporary one was removed: %v", err)
	}
}

// snapshot lists every file of dir (recursively) with its bytes.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b bytes.Buffer
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		data, _ := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		b.WriteString(rel + "=" + string(data) + ";")
		return nil
	})
	return b.String()
}
