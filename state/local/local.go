// Package local keeps state in a file beside the manifests, locked with an
// OS file lock so two runs on one machine never interleave.
package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/attachform/attachform/state"
	"github.com/gofrs/flock"
)

var _ state.Backend = (*Backend)(nil)

// Backend stores state at Path, its lock at Path.lock (with the holder's
// details in Path.lock.info) and, on the first write of a run, the state as
// it was before the run at Path.backup.
type Backend struct {
	Path string

	mu       sync.Mutex
	lock     *flock.Flock
	lockID   string
	backedUp bool
}

// New returns a backend for the state file at path.
func New(path string) *Backend { return &Backend{Path: path} }

func (b *Backend) lockPath() string { return b.Path + ".lock" }
func (b *Backend) infoPath() string { return b.Path + ".lock.info" }

// Read implements state.Reader.
func (b *Backend) Read(ctx context.Context) (*state.State, error) {
	f, err := os.Open(b.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	defer f.Close()
	s, err := state.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Path, err)
	}
	return s, nil
}

// Write implements state.Writer: temp file, fsync, rename, fsync directory.
func (b *Backend) Write(ctx context.Context, s *state.State) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.backedUp {
		if err := b.backup(); err != nil {
			return err
		}
		b.backedUp = true
	}
	return writeAtomic(b.Path, func(w io.Writer) error { return state.Encode(w, s) })
}

// backup keeps the state as it was before this run's first write.
func (b *Backend) backup() error {
	src, err := os.Open(b.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("back up state: %w", err)
	}
	defer src.Close()
	return writeAtomic(b.Path+".backup", func(w io.Writer) error {
		_, err := io.Copy(w, src)
		return err
	})
}

// writeAtomic replaces path with what fill writes, or leaves it untouched.
func writeAtomic(path string, fill func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = fill(tmp); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return syncDir(dir)
}

// syncDir makes the rename durable; some platforms cannot open a directory
// for syncing, and there the rename is as durable as it gets.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// Lock implements state.Locker with a non-blocking OS file lock.
func (b *Backend) Lock(ctx context.Context, info state.LockInfo) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.lock != nil {
		return &state.LockError{Info: b.readInfo(), Err: state.ErrLocked}
	}
	fl := flock.New(b.lockPath(), flock.SetPermissions(0o600))
	ok, err := fl.TryLock()
	if err != nil {
		return fmt.Errorf("lock state: %w", err)
	}
	if !ok {
		return &state.LockError{Info: b.readInfo(), Err: state.ErrLocked}
	}
	b.removeLeftovers()
	info.Path = b.Path
	if err := writeAtomic(b.infoPath(), func(w io.Writer) error { return json.NewEncoder(w).Encode(info) }); err != nil {
		_ = fl.Unlock()
		return fmt.Errorf("lock state: %w", err)
	}
	b.lock, b.lockID = fl, info.ID
	return nil
}

// removeLeftovers deletes the temporary files that writes of a killed run
// left beside the state: copies of it (upload URLs included) that nothing
// would ever read or remove. Only the lock holder may: another writer's
// file may be in flight.
func (b *Backend) removeLeftovers() {
	dir, prefix := filepath.Dir(b.Path), "."+filepath.Base(b.Path)+"."
	entries, err := os.ReadDir(dir)
	if err != nil {
		return // nothing is lost: they stay until the next lock
	}
	for _, e := range entries {
		if name := e.Name(); strings.HasPrefix(name, prefix) && strings.HasSuffix(name, ".tmp") && e.Type().IsRegular() {
			_ = os.Remove(filepath.Join(dir, name))
		}
	}
}

func (b *Backend) readInfo() state.LockInfo {
	var info state.LockInfo
	if data, err := os.ReadFile(b.infoPath()); err == nil {
		_ = json.Unmarshal(data, &info)
	}
	return info
}

// Unlock implements state.Locker. From another process (force-unlock) only
// the stale info file can be removed: the OS drops a crashed holder's file
// lock by itself, and a live holder's lock cannot be taken from it.
func (b *Backend) Unlock(ctx context.Context, id string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.lock != nil {
		if id != b.lockID {
			return fmt.Errorf("unlock state: lock id %q does not match the lock held (%s)", id, b.lockID)
		}
		_ = os.Remove(b.infoPath())
		err := b.lock.Unlock()
		b.lock, b.lockID = nil, ""
		return err
	}
	info := b.readInfo()
	if info.ID == "" || info.ID != id {
		return fmt.Errorf("unlock state: no lock with id %q on %s", id, b.Path)
	}
	fl := flock.New(b.lockPath())
	ok, err := fl.TryLock()
	if err != nil {
		return fmt.Errorf("unlock state: %w", err)
	}
	if !ok {
		return fmt.Errorf("unlock state: %s is held by a running process (%s, %s); it cannot be force-unlocked while that process lives", b.Path, info.Who, info.Operation)
	}
	defer fl.Unlock()
	return os.Remove(b.infoPath())
}
