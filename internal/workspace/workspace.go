// Package workspace is what the commands work on: the manifests, loaded
// once per command; the Graph client; the state backend, opened, locked
// and its lock watched; the state read under that lock. It makes plans,
// binds saved ones and carries them out, and keeps the rules that go with
// the state (init's record, the serial an apply must move, the errored
// state an apply leaves when the store stops answering).
//
// It reads the command's surroundings only through Env, and reaches people
// only through Reporter, which the command's views satisfy: it prints
// nothing itself, so it is testable with no binary.
package workspace

import (
	"context"
	"fmt"
	"time"

	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
	"github.com/attachform/attachform/state/backends"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"
)

// Env is where a command runs: the values the workspace would otherwise
// read from the process. The command fills it in, every field; tests give
// their own.
type Env struct {
	Ctx context.Context
	// Dir is the configuration directory (-chdir), absolute.
	Dir string
	// Getenv reads the command's environment.
	Getenv func(key string) string
	Log    hclog.Logger
	// Version is attachform's, recorded in the state and in locks.
	Version string
	// Now is the wall clock, the one a plan is made at.
	Now func() time.Time
}

// LockReporter is what taking and holding the state lock shows.
type LockReporter interface {
	Diagnoser
	// LockWaiting: another run holds the lock, and the command waits up
	// to timeout for it.
	LockWaiting(holder *state.LockError, timeout time.Duration)
	// LockLost: the lock ended while held (its lease could not be
	// renewed, or force-unlock broke it); nothing new starts.
	LockLost(err error)
}

// Reporter is what the workspace shows people while it works. Every
// command's view that uses the state satisfies it.
type Reporter interface {
	LockReporter
	// DeviceCode shows a device-code sign-in's instructions.
	DeviceCode(message string) error
}

// Workspace is what plan and apply work on: the loaded manifests, a Graph
// client, and the state, read under lock. Close releases what Open took.
type Workspace struct {
	Config  *spec.Config
	Client  *graph.Client
	Backend state.Backend
	// State is the state as read under the lock at Open, nil when none
	// exists yet. Plans are made against it; Apply writes its successors
	// to the backend and leaves it as it was read.
	State *state.State

	env Env
	// files are the manifests as Open read them: plan
	// -generate-config-out loads them again with the file it wrote.
	files   *spec.Manifests
	closers []func()
	// lockLost closes when the state lock ends while held (a lease that
	// could not be renewed); nil for a lock that cannot be lost.
	lockLost    <-chan struct{}
	lockLostErr func() error
}

// OpenOptions say how to open a workspace.
type OpenOptions struct {
	// Load is how to load the manifests.
	Load spec.LoadOptions
	// Operation names the command in the lock (plan, apply, import …).
	Operation string
	// Lock takes the state lock, waiting up to LockTimeout for it.
	Lock        bool
	LockTimeout time.Duration
	// Force opens a state whose serial went backwards (-force).
	Force bool
}

// Close releases the lock and stops the embedded emulator, last first.
func (w *Workspace) Close() {
	for i := len(w.closers) - 1; i >= 0; i-- {
		w.closers[i]()
	}
}

// Open loads and checks everything a plan needs: the manifests (with the
// data sources resolved through Graph when they have any), the backend,
// the lock and the state. On failure it has already reported the problem
// on r, and holds nothing.
func Open(env Env, r Reporter, o OpenOptions) (*Workspace, bool) {
	// The files are read and parsed once. With data sources they are
	// evaluated twice, as Terraform's validate and plan walks: offline
	// first, so that a manifest with a mistake is reported before Graph
	// is asked anything (no sign-in, no lookup), then with the lookups.
	m := spec.NewManifests(env.Dir)
	w := &Workspace{env: env, files: m}
	cfg, diags, opts := loadManifests(env, m, o.Load)
	if diags.HasErrors() {
		r.Diagnostics(cfg.Files, diags)
		return nil, false
	}
	client, closeGraph, err := connect(env, r, cfg.Graph)
	if err != nil {
		errorf(r, "Cannot reach Microsoft Graph", "%v", err)
		return nil, false
	}
	w.closers = append(w.closers, closeGraph)
	w.Client = client
	if needsLookups(cfg) {
		// Evaluated again, now that the graph block gave a client to look
		// the data sources up with, from the files the first evaluation
		// read; the backend's options are those it took (the backend
		// block holds literals only).
		opts.Data = plan.Lookups{Client: client}
		cfg, diags = m.LoadWithBackends(env.Ctx, opts, backends.Declared())
		if diags.HasErrors() {
			r.Diagnostics(cfg.Files, diags)
			w.Close()
			return nil, false
		}
	}
	r.Diagnostics(cfg.Files, diags) // warnings
	w.Config = cfg

	if diags := BackendChanged(env, cfg); diags.HasErrors() {
		r.Diagnostics(cfg.Files, diags)
		w.Close()
		return nil, false
	}
	if w.Backend, err = OpenBackend(env, cfg, r.DeviceCode, o.Force); err != nil {
		errorf(r, "Cannot open the state backend", "%v", err)
		w.Close()
		return nil, false
	}
	w.lockLostErr = func() error { return nil }
	if o.Lock {
		unlock, ok := Lock(env, r, w.Backend, o.Operation, o.LockTimeout)
		if !ok {
			w.Close()
			return nil, false
		}
		w.closers = append(w.closers, unlock)
		lost, errOf, stopWatch := lockWatch(env, r, w.Backend)
		w.lockLost, w.lockLostErr = lost, errOf
		w.closers = append(w.closers, stopWatch)
	}
	if w.State, err = w.Backend.Read(env.Ctx); err != nil {
		errorf(r, "Cannot read the state", "%v", err)
		w.Close()
		return nil, false
	}
	diags = append(strandedState(env, cfg, w.State), freshRunner(env, cfg, w.State)...)
	r.Diagnostics(cfg.Files, diags)
	if diags.HasErrors() {
		w.Close()
		return nil, false
	}
	return w, true
}

// needsLookups reports whether data sources are left to resolve.
func needsLookups(cfg *spec.Config) bool {
	if cfg.DataSources > 0 {
		return true
	}
	for _, t := range cfg.Targets {
		if t.Unknown {
			return true
		}
	}
	return false
}

// Diagnoser is the part of every reporter that shows diagnostics.
type Diagnoser interface {
	// Diagnostics shows diags; files (spec.Config's Files) give the
	// snippets, nil shows none. No diagnostics show nothing.
	Diagnostics(files map[string]*hcl.File, diags hcl.Diagnostics)
}

// errorf reports a problem that has no place in a manifest as a
// diagnostic, redacted: its detail may quote Graph.
func errorf(r Diagnoser, summary, format string, args ...any) {
	r.Diagnostics(nil, hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   graph.Redact(fmt.Sprintf(format, args...)),
	}})
}

// warnf reports a problem that stops nothing, redacted.
func warnf(r Diagnoser, summary, format string, args ...any) {
	r.Diagnostics(nil, hcl.Diagnostics{{
		Severity: hcl.DiagWarning,
		Summary:  summary,
		Detail:   graph.Redact(fmt.Sprintf(format, args...)),
	}})
}
