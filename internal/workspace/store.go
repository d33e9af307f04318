package workspace

import (
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
)

// Store is the state as the state subcommands and force-unlock reach it:
// the backend the manifests name, with no Graph client and no lock until
// a change takes one.
type Store struct {
	Backend state.Backend

	env Env
	r   Reporter
	o   StoreOptions
}

// StoreOptions say how to open a store, and how its changes lock.
type StoreOptions struct {
	// Load is how to load the manifests.
	Load spec.LoadOptions
	// Operation names the command in the lock (state rm, state push …).
	Operation string
	// Lock takes the state lock for a change, waiting up to LockTimeout
	// for it (-lock, -lock-timeout).
	Lock        bool
	LockTimeout time.Duration
}

// OpenStore loads the manifests offline, as validate does (data sources
// are not looked up), and opens the backend they declare. Warnings about
// the manifests are not the state commands' business; errors are. On
// failure it has reported the problem on r.
func OpenStore(env Env, r Reporter, o StoreOptions) (*Store, bool) {
	cfg, diags := LoadManifests(env, o.Load)
	if !diags.HasErrors() {
		diags = BackendChanged(env, cfg)
	}
	if diags.HasErrors() {
		r.Diagnostics(cfg.Files, diags)
		return nil, false
	}
	b, err := OpenBackend(env, cfg, r.DeviceCode, false)
	if err != nil {
		errorf(r, "Cannot open the state backend", "%v", err)
		return nil, false
	}
	return &Store{Backend: b, env: env, r: r, o: o}, true
}

// Read reads the state (nil when there is none), reporting a failure.
func (s *Store) Read() (*state.State, bool) { return readState(s.env, s.r, s.Backend) }

// Change locks the state (unless the options say not to), reads it (nil
// when there is none), and writes what change returns, with the next
// serial. change reports its own problems, and returns nil to write
// nothing; false when anything failed.
func (s *Store) Change(change func(st *state.State) (next *state.State, ok bool)) bool {
	if s.o.Lock {
		unlock, ok := Lock(s.env, s.r, s.Backend, s.o.Operation, s.o.LockTimeout)
		if !ok {
			return false
		}
		defer unlock()
	}
	st, ok := s.Read()
	if !ok {
		return false
	}
	next, ok := change(st)
	if !ok || next == nil {
		return ok
	}
	if err := state.Persist(s.env.Ctx, s.Backend, next, s.env.Version); err != nil {
		errorf(s.r, "Cannot write the state", "%v\n\nNothing was changed.", err)
		return false
	}
	return true
}

// Remove is state rm (see the function Remove) under the lock: the
// addresses removed, or would be with dryRun, which writes nothing.
func (s *Store) Remove(addresses []string, dryRun bool) ([]string, bool) {
	var removed []string
	ok := s.Change(func(st *state.State) (*state.State, bool) {
		var diags hcl.Diagnostics
		if removed, diags = Remove(st, addresses, dryRun); diags.HasErrors() {
			s.r.Diagnostics(nil, diags)
			return nil, false
		}
		return writeUnless(dryRun, st), true
	})
	return removed, ok
}

// Move is state mv (see the function Move) under the lock: the renames
// made, or that would be with dryRun, which writes nothing.
func (s *Store) Move(src, dst string, dryRun bool) ([][2]string, bool) {
	var moves [][2]string
	ok := s.Change(func(st *state.State) (*state.State, bool) {
		var diags hcl.Diagnostics
		if moves, diags = Move(st, src, dst, dryRun); diags.HasErrors() {
			s.r.Diagnostics(nil, diags)
			return nil, false
		}
		return writeUnless(dryRun, st), true
	})
	return moves, ok
}

// Push is state push (see the function Push) under the lock.
func (s *Store) Push(pushed *state.State, force bool) bool {
	return s.Change(func(cur *state.State) (*state.State, bool) {
		next, diags := Push(cur, pushed, force)
		if diags.HasErrors() {
			s.r.Diagnostics(nil, diags)
			return nil, false
		}
		return next, true
	})
}

// writeUnless is st, to be written, or nil (write nothing) on a dry run.
func writeUnless(dryRun bool, st *state.State) *state.State {
	if dryRun {
		return nil
	}
	return st
}
