package apply_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attachform/attachform/apply"
	"github.com/attachform/attachform/emulator"
	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/graph/graphtest"
	"github.com/attachform/attachform/state/local"
)

// twoMailboxes is an env whose manifest puts heavy uploads on one
// mailbox and small files on another.
func twoMailboxes(t *testing.T, limits graph.MailboxLimits) *env {
	t.Helper()
	clock := emulator.NewFakeClock(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	srv, err := emulator.New(emulator.Options{
		Clock:  clock,
		Limits: emulator.Limits{Off: true},
		Fixtures: &emulator.Fixtures{Mailboxes: []emulator.FixtureMailbox{
			{UPN: "heavy@contoso.example", Messages: []emulator.FixtureItem{{Subject: "Heavy one"}, {Subject: "Heavy two"}}},
			{UPN: "light@contoso.example", Messages: []emulator.FixtureItem{{Subject: "Light"}}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	client, err := graph.New(graph.Options{Endpoint: srv.URL(), Now: clock.Now, Limits: limits})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	e := &env{t: t, dir: dir, srv: srv, client: client, clock: clock, backend: local.New(filepath.Join(dir, "attachform.state.json"))}
	var m strings.Builder
	for _, it := range []struct{ name, mailbox, subject string }{
		{"heavy_one", "heavy@contoso.example", "Heavy one"},
		{"heavy_two", "heavy@contoso.example", "Heavy two"},
		{"light", "light@contoso.example", "Light"},
	} {
		fmt.Fprintf(&m, "data \"message\" %q {\n  mailbox = %q\n  filter = \"subject eq '%s'\"\n}\n", it.name, it.mailbox, it.subject)
		fmt.Fprintf(&m, "target %q {\n  mailbox = %q\n  message = data.message.%s.id\n}\n", it.name, it.mailbox, it.name)
	}
	for i, target := range []string{"heavy_one", "heavy_two"} {
		e.write(fmt.Sprintf("files/big%d.bin", i), content(3_500_000, byte(i)))
		fmt.Fprintf(&m, "attachment \"big%d\" {\n  target = target.%s\n  source = \"files/big%d.bin\"\n}\n", i, target, i)
	}
	for i := range 3 {
		e.write(fmt.Sprintf("files/small%d.txt", i), content(1000, byte(10+i)))
		fmt.Fprintf(&m, "attachment \"small%d\" {\n  target = target.light\n  source = \"files/small%d.txt\"\n}\n", i, i)
	}
	e.write("main.attach.hcl", []byte(m.String()))
	return e
}

// A mailbox whose upload budget is spent waits for its next window; the
// other mailbox's changes do not wait with it, even with one request in
// flight at a time (-parallelism=1): the waiting change holds no place.
func TestBusyMailboxDoesNotHoldBackOthers(t *testing.T) {
	gate := graphtest.NewGateClock(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	// Room for one 3.5 MB upload per window, not two.
	e := twoMailboxes(t, graph.MailboxLimits{UploadBytes: 4_000_000, UploadPer: time.Hour, Clock: gate})
	p, st := e.plan()

	var mu sync.Mutex
	light := 0
	var waited []apply.Event
	lightDone := make(chan struct{})
	opts := apply.Options{Parallelism: 1, Now: e.clock.Now, OnEvent: func(ev apply.Event) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case ev.Phase == apply.Waiting:
			waited = append(waited, ev)
		case ev.Phase == apply.Finished && strings.HasPrefix(ev.Address, "attachment.small"):
			if light++; light == 3 {
				close(lightDone)
			}
		}
	}}
	done := make(chan error, 1)
	var res apply.Result
	go func() {
		var err error
		_, res, err = apply.Run(context.Background(), p, st, e.backend, e.client, opts)
		done <- err
	}()
	<-gate.Waiting // the heavy mailbox's second upload waits for its window
	select {
	case <-lightDone:
	case err := <-done:
		t.Fatalf("apply ended while a mailbox waited: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("the light mailbox's changes did not finish while the heavy one waited")
	}
	gate.Open()
	if err := <-done; err != nil || len(res.Errors) > 0 || res.Added != 5 {
		t.Fatalf("apply: %v %v %+v", err, res.Errors, res)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(waited) == 0 || waited[0].Mailbox != "heavy@contoso.example" || waited[0].Budget != graph.BudgetUpload || !strings.HasPrefix(waited[0].Address, "attachment.big") {
		t.Errorf("waiting events %+v, want one for a heavy upload", waited)
	}
	if p, _ := e.plan(); p.HasChanges() {
		t.Fatalf("second plan: %s", changes(p))
	}
}
