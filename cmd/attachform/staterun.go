package main

import (
	"github.com/attachform/attachform/internal/arguments"
	"github.com/attachform/attachform/internal/views"
	"github.com/attachform/attachform/internal/workspace"
	"github.com/attachform/attachform/state"
)

// stateRun is the setup the state subcommands and force-unlock share: the
// arguments they have in common (arguments.State: the manifests' flags,
// which say where the state is, the view's, the lock's for those that
// change the state), and then the open view and state store.
type stateRun struct {
	g     *globals
	name  string
	a     *arguments.State
	v     views.State
	store *workspace.Store
	addrs []string
}

// startState is the start of the state command whose arguments were
// parsed into parsed with err (see stateRun.start).
func startState(g *globals, parsed *arguments.State, err error, help string) (r *stateRun, code int, done bool) {
	r = &stateRun{g: g, name: parsed.Name(), a: parsed}
	code, done = r.start(err, help)
	return r, code, done
}

// start ends the command when its flags could not be parsed (err), opens
// the view, checks the positional arguments and opens the backend. When
// done, the command ends with code.
func (r *stateRun) start(err error, help string) (code int, done bool) {
	if code, done := parsed(r.g, err, help); done {
		return code, true
	}
	v, ok := views.StateViews.Open(r.g.viewStreams(), r.a.View)
	if !ok {
		return exitError, true
	}
	r.v = v
	if err := r.a.Misuse(); err != nil {
		v.UsageError(err, help)
		return exitError, true
	}
	addrs, diags := r.a.Addresses()
	if !checked(v, diags) {
		return exitError, true
	}
	r.addrs = addrs
	o := workspace.StoreOptions{Load: manifestOptions(r.g, r.a.Manifests), Operation: r.name, Lock: r.a.Lock.Lock, LockTimeout: r.a.LockTimeout}
	if r.store, ok = workspace.OpenStore(r.g.env(), v, o); !ok {
		return exitError, true
	}
	return exitOK, false
}

// read reads the state (nil when there is none), reporting a failure.
func (r *stateRun) read() (*state.State, bool) { return r.store.Read() }
