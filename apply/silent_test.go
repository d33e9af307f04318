package apply_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/attachform/attachform/apply"
	"github.com/attachform/attachform/emulator"
	"github.com/attachform/attachform/graph"
)

// A Graph that goes silent mid-apply: the change that meets it fails with
// graph.ErrNoAnswer once its requests gave up, it is shown waiting for
// Graph meanwhile, and no change starts after it (each would wait its own
// idle timeouts in turn); once Graph answers again, an apply converges.
func TestSilentGraphStopsNewChanges(t *testing.T) {
	e := newEnv(t)
	client, err := graph.New(graph.Options{Endpoint: e.srv.URL(), Now: e.clock.Now,
		Bounds: graph.Bounds{IdleTimeout: 100 * time.Millisecond},
		Retry:  graph.RetryOptions{Wait: func(time.Duration) time.Duration { return 0 }}})
	if err != nil {
		t.Fatal(err)
	}
	e.client = client
	var names []string
	for i := range 4 {
		name := fmt.Sprintf("files/f%d.txt", i)
		e.write(name, []byte(name))
		names = append(names, name)
	}
	e.manifest(names...)
	p, st := e.plan()
	if err := e.srv.SetFaults(emulator.Faults{Stall: func(*http.Request) emulator.StallKind { return emulator.StallUnanswered }}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var waited []string
	_, res, err := apply.Run(context.Background(), p, st, e.backend, e.client, apply.Options{Parallelism: 1, Now: e.clock.Now, OnEvent: func(ev apply.Event) {
		if ev.Phase == apply.Waiting && ev.WaitingFor == "Graph" && !ev.Since.IsZero() {
			mu.Lock()
			waited = append(waited, ev.Address)
			mu.Unlock()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != 1 || !errors.Is(res.Errors[0], graph.ErrNoAnswer) || len(res.Unfinished) != 3 {
		t.Fatalf("errors %v, unfinished %v; want one change failed with ErrNoAnswer and the other three not started", res.Errors, res.Unfinished)
	}
	if len(waited) == 0 || waited[0] != res.Errors[0].Address {
		t.Errorf("waiting for Graph shown for %v, want %s", waited, res.Errors[0].Address)
	}

	if err := e.srv.SetFaults(emulator.Faults{}); err != nil {
		t.Fatal(err)
	}
	// The next run, with a client of its own.
	if e.client, err = graph.New(graph.Options{Endpoint: e.srv.URL(), Now: e.clock.Now}); err != nil {
		t.Fatal(err)
	}
	if _, res, err := e.apply(context.Background(), apply.Options{}); err != nil || len(res.Errors) > 0 {
		t.Fatalf("the apply after Graph answered again: %v %v", err, res.Errors)
	}
	live := e.live()
	for _, name := range names {
		base := name[len("files/"):]
		if !bytes.Equal(live[base], []byte(name)) {
			t.Errorf("%s on the draft: %q, want %q", base, live[base], name)
		}
	}
	if len(live) != len(names) {
		t.Errorf("%d attachments on the draft, want %d", len(live), len(names))
	}
}
