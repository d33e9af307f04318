package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/attachform/attachform/internal/workspace"
	"github.com/attachform/attachform/state"
)

// stateRun is the setup the state subcommands and force-unlock share: the
// manifests' flags (they say where the state is), the view's, the lock's
// for those that change the state, and then the open view and backend.
type stateRun struct {
	g     *globals
	name  string
	fs    *flag.FlagSet
	m     manifestFlags
	vf    viewFlags
	lf    *lockFlags // nil: the command only reads
	v     stateView
	b     state.Backend
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

func newStateRun(g *globals, name string, locks bool) *stateRun {
	r := &stateRun{g: g, name: name, fs: newFlagSet(name)}
	r.m.register(r.fs)
	if locks {
		r.lf = &lockFlags{}
		r.lf.register(r.fs)
	}
	stateViews.Register(r.fs, &r.vf)
	return r
}

// start parses the flags, opens the view, checks the positional arguments
// and opens the backend. When done, the command ends with code.
func (r *stateRun) start(args []string, help string, a stateArgs) (code int, done bool) {
	if code, done := parseFlags(r.g, r.fs, args, help); done {
		return code, true
	}
	v, ok := stateViews.Open(r.g.viewStreams(), r.vf)
	if !ok {
		return exitError, true
	}
	r.v = v
	if !a.ok(r.fs.NArg()) {
		v.UsageError(fmt.Errorf("%s %s", r.name, a.want), help)
		return exitError, true
	}
	if n := a.addresses; n != 0 {
		if n < 0 || n > r.fs.NArg() {
			n = r.fs.NArg()
		}
		if r.addrs, ok = parseAddresses(v, r.fs.Args()[:n]); !ok {
			return exitError, true
		}
	}
	if _, r.b, ok = openState(r.g, v, &r.m); !ok {
		return exitError, true
	}
	return exitOK, false
}

// read reads the state (nil when there is none), reporting a failure.
func (r *stateRun) read() (*state.State, bool) { return readState(r.g, r.v, r.b) }

// change locks the state (unless -lock=false), reads it (nil when there
// is none), and writes what change returns; change reports its own
// problems, and returns nil to write nothing.
func (r *stateRun) change(change func(st *state.State) (next *state.State, ok bool)) bool {
	if r.lf.lock {
		unlock, ok := workspace.Lock(r.g.env(), r.v, r.b, r.name, time.Duration(r.lf.timeout))
		if !ok {
			return false
		}
		defer unlock()
	}
	st, ok := r.read()
	if !ok {
		return false
	}
	next, ok := change(st)
	if !ok || next == nil {
		return ok
	}
	if err := state.Persist(r.g.ctx, r.b, next, version()); err != nil {
		errorf(r.v, "Cannot write the state", "%v\n\nNothing was changed.", err)
		return false
	}
	return true
}

func anyArgs(int) bool    { return true }
func noArgs(n int) bool   { return n == 0 }
func oneArg(n int) bool   { return n == 1 }
func twoArgs(n int) bool  { return n == 2 }
func someArgs(n int) bool { return n > 0 }
