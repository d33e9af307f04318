package workspace

import (
	"time"

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
}

// OpenStore loads the manifests offline, as validate does (data sources
// are not looked up), and opens the backend they declare. Warnings about
// the manifests are not the state commands' business; errors are. On
// failure it has reported the problem on r.
func OpenStore(env Env, r Reporter, load spec.LoadOptions) (*Store, bool) {
	cfg, diags := LoadManifests(env, load)
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
	return &Store{Backend: b, env: env, r: r}, true
}

// Read reads the state (nil when there is none), reporting a failure.
func (s *Store) Read() (*state.State, bool) {
	st, err := s.Backend.Read(s.env.Ctx)
	if err != nil {
		errorf(s.r, "Cannot read the state", "%v", err)
		return nil, false
	}
	return st, true
}

// Change locks the state for operation (unless lock is false; waiting up
// to timeout for it), reads it (nil when there is none), and writes what
// change returns, with the next serial. change reports its own problems,
// and returns nil to write nothing; false when anything failed.
func (s *Store) Change(operation string, lock bool, timeout time.Duration, change func(st *state.State) (next *state.State, ok bool)) bool {
	if lock {
		unlock, ok := Lock(s.env, s.r, s.Backend, operation, timeout)
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
