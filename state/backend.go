package state

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
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
type Writer interface {
	Write(ctx context.Context, s *State) error
}

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

// LockInfo says who holds a lock, for what, since when.
type LockInfo struct {
	ID        string    `json:"id"`
	Operation string    `json:"operation"` // plan, apply, …
	Who       string    `json:"who"`       // user@host
	Version   string    `json:"version"`   // attachform version
	Created   time.Time `json:"created"`
	Path      string    `json:"path"` // what is locked
}

// NewLockInfo fills in a fresh id, the current user and time.
func NewLockInfo(operation, version string) LockInfo {
	who := "unknown"
	if u, err := user.Current(); err == nil {
		who = u.Username
	}
	if h, err := os.Hostname(); err == nil {
		who += "@" + h
	}
	return LockInfo{ID: uuid.NewString(), Operation: operation, Who: who, Version: version, Created: time.Now().UTC()}
}

// ErrLocked is wrapped by every *LockError.
var ErrLocked = errors.New("state is locked")

// LockError explains a lock held by someone else.
type LockError struct {
	Info LockInfo // the holder, as far as known
	Err  error
}

func (e *LockError) Error() string {
	i := e.Info
	msg := "the state is locked by another run"
	if i.ID != "" {
		msg = fmt.Sprintf("the state is locked by another run:\n  ID:        %s\n  Path:      %s\n  Operation: %s\n  Who:       %s\n  Version:   %s\n  Created:   %s\n\n"+
			"Wait for it to finish (-lock-timeout=5m waits), or if it crashed, run\n  attachform force-unlock %s",
			i.ID, i.Path, i.Operation, i.Who, i.Version, i.Created.Format(time.RFC3339), i.ID)
	}
	if e.Err != nil && !errors.Is(e.Err, ErrLocked) {
		msg += fmt.Sprintf(" (%v)", e.Err)
	}
	return msg
}

func (e *LockError) Unwrap() []error { return []error{ErrLocked, e.Err} }

// Acquire takes the lock, retrying while another run holds it until timeout
// (0 = one attempt) or ctx ends. The retry interval grows to 2 s.
func Acquire(ctx context.Context, l Locker, info LockInfo, timeout time.Duration) error {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	wait := 50 * time.Millisecond
	for {
		err := l.Lock(ctx, info)
		if err == nil || !errors.Is(err, ErrLocked) || timeout <= 0 {
			return err
		}
		t := time.NewTimer(wait)
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
