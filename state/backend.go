package state

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Reader reads the latest persisted state.
//
// Read returns (nil, nil) when no state has been written yet. The returned
// State belongs to the caller.
type Reader interface {
	Read(ctx context.Context) (*State, error)
}

// Writer persists a whole snapshot.
//
// Write either persists s completely or leaves the previous state as it was;
// it never leaves a partial file. It does not change s: the caller sets
// Serial (see Persist). Write must not be called concurrently.
//
// Write replaces only the state this handle last read or wrote: when the
// store holds anything else (another run wrote it in between, even one that
// broke the lock), Write changes nothing and fails with an error wrapping
// ErrConflict. A handle that has neither read nor written may only create
// the state: when one exists, that is a conflict too.
type Writer interface {
	Write(ctx context.Context, s *State) error
}

// ErrNoAnswer is wrapped by the error of a read, write or lock that the
// store did not answer within its idle timeout (a silent Azure Storage, a
// file system that hangs).
var ErrNoAnswer = errors.New("the state store did not answer")

// ErrConflict is wrapped by a Write that refused to replace a state other
// than the one its handle last read or wrote.
var ErrConflict = errors.New("the state changed since this run read it")

// Locker guards a state against concurrent runs.
//
// Lock makes one attempt: when another holder has the lock it returns a
// *LockError describing that holder, without waiting; Acquire does the
// waiting. Unlock releases the lock held under id; an unknown id is an
// error. Unlock with the holder's id from a different process (force-unlock)
// must work where the backend allows it.
type Locker interface {
	Lock(ctx context.Context, info LockInfo) error
	Unlock(ctx context.Context, id string) error
}

// Backend is a complete state store.
type Backend interface {
	Reader
	Writer
	Locker
}

// LockWatcher is implemented by lockers whose lock lasts only while it is
// renewed, such as a blob lease: a process that dies frees it by itself, and
// a live one can lose it (renewal failed, or force-unlock broke it).
//
// LockLost returns a channel that is closed when the lock this handle holds
// ends without Unlock; LockLostErr then says why. Whoever holds such a lock
// must start nothing new once it is lost. Without a lock held, the channel
// is one that never closes.
type LockWatcher interface {
	LockLost() <-chan struct{}
	LockLostErr() error
}

// Pacer is implemented by writers that take writes at a bounded rate, such
// as a blob in Azure Storage. NextWrite is the earliest time the next write
// may start (the zero time: now); Write itself waits until then. A caller
// that gathers changes into writes waits before it takes its snapshot, so
// that one write carries everything recorded in the meantime.
type Pacer interface {
	NextWrite() time.Time
}

// LockInfo says who holds a lock, for what, since when.
type LockInfo struct {
	ID        string    `json:"id"`
	Operation string    `json:"operation"`         // plan, apply, …
	Who       string    `json:"who"`               // user@host
	Host      string    `json:"host,omitempty"`    // the machine (a CI runner's name)
	RunURL    string    `json:"run_url,omitempty"` // the CI run, when known
	Version   string    `json:"version"`           // attachform version
	Created   time.Time `json:"created"`
	Path      string    `json:"path"` // what is locked
}

// NewLockInfo fills in a fresh id, the operation, the version and the
// time. Who, Host and RunURL say where the run is: the command that takes
// the lock reads them from the machine and its environment, so that this
// package reads neither.
func NewLockInfo(operation, version string) LockInfo {
	return LockInfo{ID: uuid.NewString(), Operation: operation, Version: version, Created: time.Now().UTC()}
}

// ErrLocked is wrapped by every *LockError.
var ErrLocked = errors.New("state is locked")

// LockError explains a lock held by someone else.
type LockError struct {
	Info LockInfo // the holder, as far as known
	// Expires, when the lock ends by itself unless its holder renews it
	// (a lease), says how: "the lease ends within 60s of its holder's death".
	// Empty for locks that need force-unlock after a crash.
	Expires string
	Err     error
}

func (e *LockError) Error() string {
	i := e.Info
	msg := "the state is locked by another run"
	if i.ID == "" && e.Expires != "" {
		msg += fmt.Sprintf(" that left no details; if it was killed, %s (-lock-timeout longer than that waits for it)", e.Expires)
	}
	if i.ID != "" {
		var b strings.Builder
		fmt.Fprintf(&b, "the state is locked by another run:\n  ID:        %s\n  Path:      %s\n  Operation: %s\n  Who:       %s\n", i.ID, i.Path, i.Operation, i.Who)
		if i.Host != "" {
			fmt.Fprintf(&b, "  Host:      %s\n", i.Host)
		}
		if i.RunURL != "" {
			fmt.Fprintf(&b, "  Run:       %s\n", i.RunURL)
		}
		fmt.Fprintf(&b, "  Version:   %s\n  Created:   %s\n\n", i.Version, i.Created.Format(time.RFC3339))
		if e.Expires != "" {
			fmt.Fprintf(&b, "Wait for it to finish (-lock-timeout=5m waits). If its holder was killed, %s:\n"+
				"-lock-timeout longer than that waits for it. To free it at once, run\n  attachform force-unlock %s", e.Expires, i.ID)
		} else {
			fmt.Fprintf(&b, "Wait for it to finish (-lock-timeout=5m waits), or if it crashed, run\n  attachform force-unlock %s", i.ID)
		}
		msg = b.String()
	}
	if e.Err != nil && !errors.Is(e.Err, ErrLocked) {
		msg += fmt.Sprintf(" (%v)", e.Err)
	}
	return msg
}

func (e *LockError) Unwrap() []error { return []error{ErrLocked, e.Err} }

// Acquire takes the lock, retrying while another run holds it until
// timeout has passed (0 = one attempt) or ctx ends. The wait between
// attempts doubles from 50 ms up to 2 s. The timeout bounds the waiting, not
// one attempt: a slow store still gets its answer, and a run that gives up
// reports the last holder it saw.
func Acquire(ctx context.Context, l Locker, info LockInfo, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	wait := 50 * time.Millisecond
	for {
		err := l.Lock(ctx, info)
		if err == nil || !errors.Is(err, ErrLocked) || timeout <= 0 {
			return err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return err
		}
		t := time.NewTimer(min(wait, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait = min(wait*2, 2*time.Second)
	}
}

// Persist increments s.Serial and writes s; on failure Serial is restored.
func Persist(ctx context.Context, w Writer, s *State, writer string) error {
	s.Serial++
	s.Writer = writer
	if err := w.Write(ctx, s); err != nil {
		s.Serial--
		return err
	}
	return nil
}

// waitObserverKey holds a wait observer in a context.
type waitObserverKey struct{}

// WithWaitObserver returns ctx whose state calls tell f when an attempt
// has had no answer for a while (f(how long), repeated while it lasts) and
// f(0) once bytes move again or the attempt ends. Backends that talk to a
// remote store honour it; it is how progress says "waiting for the state
// store".
func WithWaitObserver(ctx context.Context, f func(silent time.Duration)) context.Context {
	return context.WithValue(ctx, waitObserverKey{}, f)
}

// WaitObserverOf returns the observer WithWaitObserver set, or nil.
func WaitObserverOf(ctx context.Context) func(silent time.Duration) {
	f, _ := ctx.Value(waitObserverKey{}).(func(time.Duration))
	return f
}
