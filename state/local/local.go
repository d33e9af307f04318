// Package local keeps state in a file beside the manifests, locked with an
// OS file lock so two runs on one machine never interleave.
package local

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/attachform/attachform/internal/atomicfile"
	"github.com/attachform/attachform/state"
	"github.com/gofrs/flock"
)

var _ state.Backend = (*Backend)(nil)

// Backend stores state at Path, its lock at Path.lock (with the holder's
// details in Path.lock.info) and, on the first write of a run, the state as
// it was before the run at Path.backup.
//
// A write replaces only the file this handle last read or wrote (see
// state.Writer): the check compares the file's digest under the handle's
// mutex, so it is exact for runs that hold the lock and narrows, without
// closing, the window of two runs with -lock=false.
//
// Every write also records its lineage and serial beside the state, at
// Path.serial, and in Memory; Read refuses a state whose serial is lower
// than either (an old copy restored over a newer one, see
// state.ErrSerialBackwards) unless Force is set, in which case the state
// read becomes the latest and both records are set back to it.
type Backend struct {
	Path string
	// Memory remembers serials on this machine; nil: only Path.serial is
	// checked.
	Memory *state.SerialMemory
	// Force accepts a state whose serial went backwards (-force).
	Force bool
	// IdleTimeout bounds each read, write and lock: a file system that
	// stops answering (a network share gone) fails the call with
	// state.ErrNoAnswer instead of holding the run. 0 is
	// DefaultIdleTimeout.
	IdleTimeout time.Duration

	mu       sync.Mutex
	lock     *flock.Flock
	lockID   string
	backedUp bool
	// seen is the SHA-256 of the file as this handle last read or wrote
	// it, "" for no file; known says whether it has done either.
	seen  string
	known bool
}

// New returns a backend for the state file at path.
func New(path string) *Backend { return &Backend{Path: path} }

func (b *Backend) lockPath() string   { return b.Path + ".lock" }
func (b *Backend) infoPath() string   { return b.Path + ".lock.info" }
func (b *Backend) recordPath() string { return b.Path + ".serial" }

// DefaultIdleTimeout is how long a file operation of the state may take.
const DefaultIdleTimeout = 60 * time.Second

// bounded runs f, which takes b.mu itself, and gives up waiting for it
// after the idle timeout: a system call on a file system that has gone
// cannot be cancelled, so f is left to finish on its own, and a later call
// waits for b.mu as long as it lasts, bounded the same way.
func bounded[T any](b *Backend, what string, f func() (T, error)) (T, error) {
	idle := b.IdleTimeout
	if idle <= 0 {
		idle = DefaultIdleTimeout
	}
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	t := time.NewTimer(idle)
	defer t.Stop()
	select {
	case r := <-done:
		return r.v, r.err
	case <-t.C:
		var zero T
		return zero, fmt.Errorf("%s %s: %w: the file system did not answer for %s", what, b.Path, state.ErrNoAnswer, idle)
	}
}

// Read implements state.Reader.
func (b *Backend) Read(ctx context.Context) (*state.State, error) {
	return bounded(b, "read state", func() (*state.State, error) { return b.read(ctx) })
}

func (b *Backend) read(ctx context.Context) (*state.State, error) {
	data, digest, err := readDigest(b.Path)
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	b.mu.Lock()
	b.seen, b.known = digest, true
	b.mu.Unlock()
	if data == nil {
		return nil, nil
	}
	s, err := state.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Path, err)
	}
	if err := b.checkSerial(s); err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	return s, nil
}

// checkSerial refuses s when its serial is lower than the last one written
// for its lineage, as recorded beside the state or remembered on this
// machine, unless Force: then s becomes the latest.
func (b *Backend) checkSerial(s *state.State) error {
	var last uint64
	var source string
	if data, err := os.ReadFile(b.recordPath()); err == nil {
		if r, ok := state.DecodeSerialRecord(data); ok && r.Lineage == s.Lineage && r.Serial > last {
			last, source = r.Serial, "recorded beside the state in "+b.recordPath()
		}
	}
	if n, ok := b.Memory.Last(s.Lineage); ok && n > last {
		last, source = n, b.Memory.Where()
	}
	if err := state.CheckSerial(s, b.Path, last, source); err != nil {
		if !b.Force {
			return err
		}
		// The user says this state stands: it is the latest from now on.
		b.Memory.Set(s.Lineage, s.Serial)
		b.record(s)
		return nil
	}
	b.Memory.Remember(s.Lineage, s.Serial)
	return nil
}

// record keeps the lineage and serial of s beside the state. It is best
// effort: a record that could not be written only weakens the next check
// (the state itself is written already).
func (b *Backend) record(s *state.State) {
	_ = atomicfile.Write(b.recordPath(), bytes.NewReader(state.EncodeSerialRecord(state.SerialRecord{Lineage: s.Lineage, Serial: s.Serial})), 0o600)
}

// readDigest returns the file's bytes and their SHA-256; nil and "" when
// there is no file.
func readDigest(path string) ([]byte, string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(data)
	return data, hex.EncodeToString(sum[:]), nil
}

// Write implements state.Writer: temp file, fsync, rename, fsync directory.
func (b *Backend) Write(ctx context.Context, s *state.State) error {
	s = s.Clone() // f may outlive the call (bounded)
	_, err := bounded(b, "write state", func() (struct{}, error) { return struct{}{}, b.write(s) })
	return err
}

func (b *Backend) write(s *state.State) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, current, err := readDigest(b.Path)
	if err != nil {
		return fmt.Errorf("write %s: %w", b.Path, err)
	}
	if want := b.seen; current != want || (!b.known && current != "") {
		return fmt.Errorf("write %s: %w: another run wrote it since (with -lock=false, or after its lock was forced). "+
			"Nothing was written; run again to start from the state as it is now", b.Path, state.ErrConflict)
	}
	if !b.backedUp {
		if err := b.backup(); err != nil {
			return err
		}
		b.backedUp = true
	}
	var buf bytes.Buffer
	if err := state.Encode(&buf, s); err != nil {
		return fmt.Errorf("write %s: %w", b.Path, err)
	}
	sum := sha256.Sum256(buf.Bytes())
	if err := writeFile(b.Path, &buf); err != nil {
		return err
	}
	b.seen, b.known = hex.EncodeToString(sum[:]), true
	// What this handle wrote is the latest (it read the state before, or
	// created it): the records follow it, even down after a forced read.
	b.record(s)
	b.Memory.Set(s.Lineage, s.Serial)
	if b.lock != nil {
		// Under the lock no other write is in flight: what killed writes
		// left beside the state goes now, not only at the next lock.
		b.removeLeftovers()
	}
	return nil
}

// writeFile replaces path atomically; state files hold upload URLs, which
// are credentials, so only the owner may read them.
func writeFile(path string, r io.Reader) error {
	if err := atomicfile.Write(path, r, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
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
	return writeFile(b.Path+".backup", src)
}

// Lock implements state.Locker with a non-blocking OS file lock.
func (b *Backend) Lock(ctx context.Context, info state.LockInfo) error {
	_, err := bounded(b, "lock state", func() (struct{}, error) { return struct{}{}, b.lockFile(ctx, info) })
	return err
}

func (b *Backend) lockFile(ctx context.Context, info state.LockInfo) error {
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
		return &state.LockError{Info: b.holderInfo(ctx), Err: state.ErrLocked}
	}
	b.removeLeftovers()
	info.Path = b.Path
	var buf bytes.Buffer
	err = json.NewEncoder(&buf).Encode(info)
	if err == nil {
		err = writeFile(b.infoPath(), &buf)
	}
	if err != nil {
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
	for _, p := range []string{b.Path, b.Path + ".backup", b.infoPath(), b.recordPath()} {
		_ = atomicfile.RemoveTemps(p) // nothing is lost: they stay until the next lock
	}
}

// holderInfo reads the holder's details; a holder writes them just after
// taking the lock, so a run that lost the race by a moment looks again for
// up to two seconds before it reports a holder it cannot name.
func (b *Backend) holderInfo(ctx context.Context) state.LockInfo {
	deadline := time.Now().Add(2 * time.Second)
	for {
		info := b.readInfo()
		if info.ID != "" || time.Now().After(deadline) || ctx.Err() != nil {
			return info
		}
		time.Sleep(20 * time.Millisecond)
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
	_, err := bounded(b, "unlock state", func() (struct{}, error) { return struct{}{}, b.unlock(id) })
	return err
}

func (b *Backend) unlock(id string) error {
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
