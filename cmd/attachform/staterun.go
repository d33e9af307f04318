package main

import (
	"fmt"

	"github.com/attachform/attachform/internal/arguments"
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
	v     stateView
	store *workspace.Store
	addrs []string
}

// stateArgs say which positional arguments a command takes: ok checks
// their count, want says what was expected, and addresses asks for the
// first n of them to be parsed as attachment addresses (-1: all).
type stateArgs struct {
	ok        func(n int) bool
	want      string
	addresses int
}

// startState is the start of state command name, whose arguments were
// parsed into parsed with err (see stateRun.start).
func startState(g *globals, name string, parsed *arguments.State, err error, help string, a stateArgs) (r *stateRun, code int, done bool) {
	r = &stateRun{g: g, name: name, a: parsed}
	code, done = r.start(err, help, a)
	return r, code, done
}

// start ends the command when its flags could not be parsed (err), opens
// the view, checks the positional arguments and opens the backend. When
// done, the command ends with code.
func (r *stateRun) start(err error, help string, a stateArgs) (code int, done bool) {
	if code, done := parsed(r.g, err, help); done {
		return code, true
	}
	v, ok := stateViews.Open(r.g.viewStreams(), r.a.View)
	if !ok {
		return exitError, true
	}
	r.v = v
	args := r.a.Args
	if !a.ok(len(args)) {
		v.UsageError(fmt.Errorf("%s %s", r.name, a.want), help)
		return exitError, true
	}
	if n := a.addresses; n != 0 {
		if n < 0 || n > len(args) {
			n = len(args)
		}
		if r.addrs, ok = parseAddresses(v, args[:n]); !ok {
			return exitError, true
		}
	}
	o := workspace.StoreOptions{Load: manifestOptions(r.g, r.a.Manifests), Operation: r.name, Lock: r.a.Lock.Lock, LockTimeout: r.a.LockTimeout}
	if r.store, ok = workspace.OpenStore(r.g.env(), v, o); !ok {
		return exitError, true
	}
	return exitOK, false
}

// read reads the state (nil when there is none), reporting a failure.
func (r *stateRun) read() (*state.State, bool) { return r.store.Read() }

func anyArgs(int) bool    { return true }
func noArgs(n int) bool   { return n == 0 }
func oneArg(n int) bool   { return n == 1 }
func twoArgs(n int) bool  { return n == 2 }
func someArgs(n int) bool { return n > 0 }
