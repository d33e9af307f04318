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

// BackendType is one kind of state backend as a manifest's backend block
// names it: the settings the block takes, how their values are checked, and
// how to open it. Package backends lists every type one build knows; the
// CLI checks manifests (validate, plan, apply) and opens backends from that
// one list, so that what validate accepts is what plan can open.
type BackendType struct {
	// Name is the block's label: backend "local" { … }.
	Name string
	// Summary says in a few words where the state is kept, for people
	// choosing a type: "a file next to the manifests".
	Summary string
	// Settings are every setting the block and -backend-config may give,
	// in the order the documentation lists them. No other is accepted.
	Settings []BackendSetting
	// Check reports what is wrong with settings merged from the block and
	// -backend-config, defaults applied: nothing when they are fine. Nil
	// means any values do.
	Check func(settings map[string]string) []SettingProblem
	// Open returns the backend the settings describe, settings that Check
	// passed. It is nil for a type this build knows but cannot open yet;
	// Unavailable then says so.
	Open func(opts OpenOptions) (Backend, error)
	// Unavailable, for a type whose Open is nil, tells people in full
	// sentences that it cannot be used in this version and what to use
	// instead. Manifests that name such a type are refused with these words.
	Unavailable string
}

// BackendSetting is one setting of a backend block.
type BackendSetting struct {
	Name string
	// Default is the value when neither the block nor -backend-config
	// gives one; "" for none.
	Default string
}

// SettingProblem is one thing wrong with a backend's settings, for people:
// a short summary, and a detail in full sentences that says how to fix it.
type SettingProblem struct {
	Summary, Detail string
}

// OpenOptions is what a backend is opened with.
type OpenOptions struct {
	// Dir is the configuration directory; relative paths in settings are
	// relative to it.
	Dir string
	// Settings are the block's settings merged with -backend-config,
	// defaults applied, as BackendType.Check passed them.
	Settings map[string]string
}
