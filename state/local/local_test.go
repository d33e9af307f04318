package local_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/attachform/attachform/state"
	"github.com/attachform/attachform/state/local"
	"github.com/attachform/attachform/state/statetest"
)

func TestConformance(t *testing.T) {
	dir := t.TempDir()
	statetest.Run(t, func(t *testing.T, name string) state.Backend {
		return local.New(filepath.Join(dir, name+".state.json"))
	})
}

func TestWriteIsPrivateAndKeepsABackupOfTheRunsStart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "attachform.state.json")
	s := state.New()
	if err := state.Persist(ctx, local.New(path), s, "v1"); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)

	run := local.New(path) // a second run: its first write backs up what it found
	if _, err := run.Read(ctx); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := state.Persist(ctx, run, s, "v1"); err != nil {
			t.Fatal(err)
		}
	}
	backup, err := os.ReadFile(path + ".backup")
	if err != nil {
		t.Fatal(err)
	}
	if string(backup) != string(before) {
		t.Fatalf("backup holds\n%s\nwant the state before the run\n%s", backup, before)
	}
	for _, p := range []string{path, path + ".backup"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", filepath.Base(p), fi.Mode().Perm())
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*.tmp"))
	if len(leftovers) > 0 {
		t.Fatalf("temporary files left behind: %v", leftovers)
	}
}

func TestReadRejectsWhatIsNotAState(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		"not json":        "{",
		"no version":      `{"lineage":"x","serial":1,"attachments":[],"upload_sessions":[]}`,
		"future version":  `{"version":99,"lineage":"x","serial":1,"attachments":[],"upload_sessions":[]}`,
		"unknown field":   `{"version":1,"lineage":"x","serial":1,"resources":[]}`,
		"duplicate entry": `{"version":1,"lineage":"x","serial":1,"attachments":[{"address":"a"},{"address":"a"}],"upload_sessions":[]}`,
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name+".json")
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if s, err := local.New(path).Read(context.Background()); err == nil {
				t.Fatalf("Read = %+v, nil; want an error", s)
			}
		})
	}
}

func TestForceUnlockClearsAStaleLock(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.json")
	crashed := local.New(path)
	info := state.NewLockInfo("apply", "v1")
	if err := crashed.Lock(ctx, info); err != nil {
		t.Fatal(err)
	}
	// While the holder lives, force-unlock from another handle is refused.
	if err := local.New(path).Unlock(ctx, info.ID); err == nil {
		t.Fatal("force-unlock of a live lock succeeded")
	}
	// The OS drops the file lock of a crashed process; its info file stays.
	if err := crashed.Unlock(ctx, info.ID); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".lock.info", []byte(`{"id":"stale","operation":"apply"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	other := local.New(path)
	if err := other.Unlock(ctx, "wrong"); err == nil {
		t.Fatal("force-unlock with the wrong id succeeded")
	}
	if err := other.Unlock(ctx, "stale"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".lock.info"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("lock info still there: %v", err)
	}
}

// A run killed while writing leaves a temporary copy of the state (upload
// URLs included); the next run's lock removes it, and nothing else.
func TestLockRemovesWhatKilledWritesLeft(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "attachform.state.json")
	stale := []string{".attachform.state.json.123.tmp", ".attachform.state.json.backup.456.tmp", ".attachform.state.json.lock.info.789.tmp"}
	kept := []string{".other.state.json.123.tmp", "attachform.state.json.backup", ".attachform.state.json.notes"}
	for _, name := range append(slices.Clone(stale), kept...) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("{"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b := local.New(path)
	info := state.NewLockInfo("apply", "v1")
	if err := b.Lock(ctx, info); err != nil {
		t.Fatal(err)
	}
	defer b.Unlock(ctx, info.ID)
	for _, name := range stale {
		if _, err := os.Stat(filepath.Join(dir, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left in place: %v", name, err)
		}
	}
	for _, name := range kept {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s removed: %v", name, err)
		}
	}
}
