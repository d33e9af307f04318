package main

import (
	"bytes"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/attachform/attachform/emulator"
	"github.com/attachform/attachform/internal/bytesize"
	"github.com/attachform/attachform/state"
	"github.com/rogpeppe/go-internal/testscript"
)

// scriptWait bounds every wait for a condition in a script; reaching it is
// a failure, not a pace.
const scriptWait = 60 * time.Second

// liveEmulatorKey finds a script's liveEmulator in testscript's values.
type liveEmulatorKey struct{}

// liveEmulator is an emulator served from the test process for one script,
// so that the script can hold a request at its door: the way to have a
// signal arrive while an upload is in flight, without guessing at timing.
type liveEmulator struct {
	srv *emulator.Server

	mu      sync.Mutex
	holdAt  int // hold the holdAt-th PUT since the gate was armed; 0 = none
	puts    int
	arrived chan struct{} // closed when the held PUT arrives
	open    chan struct{} // closed to let it go on
	opened  bool
	drop    bool // it goes on to be dropped, not served

	writes []string // requests that write, since graphwrites reset
}

func setupLiveEmulator(env *testscript.Env) {
	env.Values[liveEmulatorKey{}] = &liveEmulator{}
}

func scriptEmulator(ts *testscript.TestScript) *liveEmulator {
	e, _ := ts.Value(liveEmulatorKey{}).(*liveEmulator)
	return e
}

// observe holds the chosen PUT (an upload range) before Graph acts on it.
func (e *liveEmulator) observe(r *http.Request, served bool) {
	if !served {
		e.countWrite(r)
	}
	if served || r.Method != http.MethodPut {
		return
	}
	e.mu.Lock()
	if e.holdAt == 0 {
		e.mu.Unlock()
		return
	}
	e.puts++
	if e.puts != e.holdAt {
		e.mu.Unlock()
		return
	}
	arrived, open := e.arrived, e.open
	e.mu.Unlock()
	close(arrived)
	<-open
	e.mu.Lock()
	drop := e.drop
	e.mu.Unlock()
	if drop {
		// net/http closes the connection; Graph never acted on the range.
		panic(http.ErrAbortHandler)
	}
}

// release lets the held request go on: served, or dropped unserved.
func (e *liveEmulator) release(drop bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.open != nil && !e.opened {
		e.drop = drop
		close(e.open)
		e.opened = true
	}
	e.holdAt = 0
}

// cmdEmulate serves the demo mailbox, and the mailboxes of a fixtures
// file if one is named, from the test process and points attachform at it
// (ATTACHFORM_GRAPH_ENDPOINT); the checks that read Graph read this one
// too.
//
//	emulate [FIXTURES]
func cmdEmulate(ts *testscript.TestScript, neg bool, args []string) {
	e := scriptEmulator(ts)
	if neg || len(args) > 1 || e.srv != nil {
		ts.Fatalf("usage: emulate [FIXTURES] (once per script)")
	}
	opts := emulator.Options{Demo: true, AutoCreateMailboxes: true, Observe: e.observe}
	if len(args) == 1 {
		fx, _, diags := emulator.LoadFixtures(ts.MkAbs(args[0]))
		if diags.HasErrors() {
			ts.Fatalf("emulate: %s", diags.Error())
		}
		opts.Fixtures = fx
	}
	srv, err := emulator.New(opts)
	ts.Check(err)
	e.srv = srv
	ts.Defer(func() {
		e.release(true)
		srv.Close()
	})
	ts.Setenv("ATTACHFORM_GRAPH_ENDPOINT", srv.URL())
}

// cmdGate holds one upload range at the emulator's door: "arm N" picks
// the N-th PUT from now, "wait" returns once it has arrived (Graph has not
// acted on it yet), "open" lets it through, "drop" drops its connection
// without Graph acting on it — a request cut off in flight. (Letting
// through a request whose client is gone is not deterministic: Graph gets
// the whole range or not, depending on how much was sent before the cut.)
//
//	gate arm 2
//	gate wait
//	gate open
func cmdGate(ts *testscript.TestScript, neg bool, args []string) {
	e := scriptEmulator(ts)
	if neg || len(args) == 0 || e.srv == nil {
		ts.Fatalf("usage: gate arm N | gate wait | gate open | gate drop (after emulate)")
	}
	switch {
	case args[0] == "arm" && len(args) == 2:
		n, err := strconv.Atoi(args[1])
		if err != nil || n < 1 {
			ts.Fatalf("gate arm: %q is not a positive count", args[1])
		}
		e.mu.Lock()
		e.holdAt, e.puts = n, 0
		e.arrived, e.open, e.opened, e.drop = make(chan struct{}), make(chan struct{}), false, false
		e.mu.Unlock()
	case args[0] == "wait" && len(args) == 1:
		e.mu.Lock()
		arrived := e.arrived
		e.mu.Unlock()
		if arrived == nil {
			ts.Fatalf("gate wait: the gate is not armed")
		}
		select {
		case <-arrived:
		case <-time.After(scriptWait):
			ts.Fatalf("gate wait: no held request after %s", scriptWait)
		}
	case args[0] == "open" && len(args) == 1:
		e.release(false)
	case args[0] == "drop" && len(args) == 1:
		e.release(true)
	default:
		ts.Fatalf("usage: gate arm N | gate wait | gate open | gate drop")
	}
}

// cmdWaitFor waits until a file (a log, say) matches a regular expression,
// looking every few milliseconds.
//
//	waitfor apply.log 'stopping gracefully'
func cmdWaitFor(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitfor FILE REGEXP")
	}
	re, err := regexp.Compile(args[1])
	ts.Check(err)
	path := ts.MkAbs(args[0])
	deadline := time.Now().Add(scriptWait)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if data, err := os.ReadFile(path); err == nil && re.Match(data) {
			return
		}
		if time.Now().After(deadline) {
			data, _ := os.ReadFile(path)
			ts.Fatalf("waitfor: %s does not match %q after %s; it holds:\n%s", args[0], args[1], scriptWait, data)
		}
		<-tick.C
	}
}

// cmdMkfile writes SIZE bytes that depend only on the file's name, so a
// script's large sources need no fixture files.
//
//	mkfile quickstart/files/big.bin 12MiB
func cmdMkfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: mkfile FILE SIZE (as manifests write sizes: 1024, 512KiB, 12MiB)")
	}
	n, err := bytesize.Parse(args[1])
	if err != nil {
		ts.Fatalf("mkfile: %v", err)
	}
	h := fnv.New64a()
	h.Write([]byte(args[0]))
	rng := rand.New(rand.NewPCG(h.Sum64(), 0))
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), data, 0o644))
}

// cmdSessions checks the upload sessions a state file records: exactly the
// given addresses, each with the bytes Graph confirmed (a number, or ">0").
// The state must parse, as every state on disk must.
//
//	sessions quickstart/attachform.state.json attachment.big=7864320
func cmdSessions(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: sessions FILE [ADDRESS=CONFIRMED ...]")
	}
	st, err := state.Decode(bytes.NewReader([]byte(ts.ReadFile(args[0]))))
	ts.Check(err)
	want := map[string]string{}
	for _, a := range args[1:] {
		addr, confirmed, ok := strings.Cut(a, "=")
		if !ok {
			ts.Fatalf("sessions: %q is not ADDRESS=CONFIRMED", a)
		}
		want[addr] = confirmed
	}
	if len(st.Sessions) != len(want) {
		ts.Fatalf("state records %d upload sessions, want %d: %+v", len(st.Sessions), len(want), st.Sessions)
	}
	for _, s := range st.Sessions {
		w, ok := want[s.Address]
		switch {
		case !ok:
			ts.Fatalf("state records an upload session for %s, want none", s.Address)
		case w == ">0" && s.Confirmed <= 0, w != ">0" && strconv.FormatInt(s.Confirmed, 10) != w:
			ts.Fatalf("%s: state records %d bytes confirmed, want %s", s.Address, s.Confirmed, w)
		}
		ts.Logf("%s: %d of %d bytes confirmed", s.Address, s.Confirmed, s.Bytes)
	}
	if len(st.Intents) > 0 {
		ts.Fatalf("state records %d write-ahead intents, want none: %+v", len(st.Intents), st.Intents)
	}
}
