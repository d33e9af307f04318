package graph

import (
	"context"
	"errors"
	"github.com/attachform/attachform/item"
	"strings"
	"testing"
	"time"

	"github.com/attachform/attachform/emulator"
)

func cancelled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func noWait(time.Duration) time.Duration { return 0 }

// A slot is taken when one is free, whatever the context; a full mailbox
// makes the caller wait (here: give up at once on a cancelled context).
func TestLimiterConcurrency(t *testing.T) {
	ls := newLimiters(MailboxLimits{Concurrency: 2}, noWait)
	ml := ls.get("A@x")
	r1, err1 := ml.acquireSlot(cancelled())
	r2, err2 := ml.acquireSlot(cancelled())
	if err1 != nil || err2 != nil {
		t.Fatalf("free slots refused: %v, %v", err1, err2)
	}
	if _, err := ml.acquireSlot(cancelled()); !errors.Is(err, context.Canceled) {
		t.Fatalf("third slot = %v, want a wait", err)
	}
	// Mailbox names are case-insensitive; other mailboxes are unaffected.
	if ls.get("a@X") != ml {
		t.Error("mailbox keys are case-sensitive")
	}
	if _, err := ls.get("b@x").acquireSlot(cancelled()); err != nil {
		t.Errorf("another mailbox waits: %v", err)
	}
	r1()
	r1() // releasing twice gives back one slot only
	if _, err := ml.acquireSlot(cancelled()); err != nil {
		t.Errorf("released slot not reusable: %v", err)
	}
	if _, err := ml.acquireSlot(cancelled()); err == nil {
		t.Error("double release freed two slots")
	}
	r2()

	// A waiter is woken by a release.
	ls = newLimiters(MailboxLimits{Concurrency: 1}, noWait)
	rel, _ := ls.get("c").acquireSlot(context.Background())
	got := make(chan error)
	go func() {
		_, err := ls.get("c").acquireSlot(context.Background())
		got <- err
	}()
	rel()
	if err := <-got; err != nil {
		t.Fatal(err)
	}
}

// AIMD: a 429 halves the window once per round of requests, successes grow
// it back by one slot per window's worth.
func TestLimiterAIMD(t *testing.T) {
	ls := newLimiters(MailboxLimits{Concurrency: 8}, noWait)
	before := time.Now()
	if w, cut := ls.throttled("m", time.Now(), 0); !cut || w != 4 {
		t.Fatalf("first 429: window %d, cut %v; want 4, true", w, cut)
	}
	// Sent before that cut: the same congestion, no second cut.
	if w, cut := ls.throttled("m", before, 0); cut || w != 4 {
		t.Fatalf("429 of the same round: window %d, cut %v; want 4, false", w, cut)
	}
	for _, want := range []int{2, 1, 1} {
		// Sent after the last cut: a later round.
		if w, _ := ls.throttled("m", time.Now().Add(time.Millisecond), 0); w != want {
			t.Fatalf("window %d, want %d", w, want)
		}
	}
	successes := 0
	for ls.concurrency("m") < 8 {
		ls.succeeded("m")
		successes++
		if successes > 100 {
			t.Fatal("window never recovers")
		}
	}
	// 1→2 after 1, 2→3 after 2, … 7→8 after 7: 28 answers.
	if successes != 28 {
		t.Errorf("recovered after %d successes, want 28", successes)
	}
	ls.succeeded("m")
	if w := ls.concurrency("m"); w != 8 {
		t.Errorf("window grew past the limit: %d", w)
	}
}

// A 429's Retry-After pauses the whole mailbox, not only the request that
// met it.
func TestLimiterPause(t *testing.T) {
	ls := newLimiters(MailboxLimits{}, func(d time.Duration) time.Duration { return d })
	ls.throttled("p", time.Now(), time.Hour)
	if _, err := ls.get("p").acquireSlot(cancelled()); !errors.Is(err, context.Canceled) {
		t.Errorf("paused mailbox gave a slot: %v", err)
	}
	if _, err := ls.get("q").acquireSlot(cancelled()); err != nil {
		t.Errorf("another mailbox paused: %v", err)
	}
}

// Request and upload budgets: spent, the next request waits for the
// refill. rate.Limiter refuses at once a wait longer than the deadline.
func TestLimiterBudgets(t *testing.T) {
	short := func() context.Context {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		t.Cleanup(cancel)
		return ctx
	}
	ls := newLimiters(MailboxLimits{Requests: 3, RequestsPer: time.Hour, UploadBytes: 1000, UploadPer: time.Hour}, noWait)
	r, err := ls.acquire(short(), "u", 1000)
	if err != nil {
		t.Fatal(err)
	}
	r()
	if _, err := ls.acquire(short(), "u", 100); err == nil || !strings.Contains(err.Error(), "exceed") {
		t.Errorf("upload over budget = %v, want a refusal to wait past the deadline", err)
	}
	// That request counted (Graph would have counted it too); one is left.
	if r, err := ls.acquire(short(), "u", 0); err != nil {
		t.Errorf("third request: %v", err)
	} else {
		r()
	}
	if _, err := ls.acquire(short(), "u", 0); err == nil {
		t.Error("fourth request within the hour was admitted")
	}
	if r, err := ls.acquire(short(), "other", 1000); err != nil {
		t.Errorf("another mailbox is limited: %v", err)
	} else {
		r()
	}

	// Negative limits switch a budget off.
	ls = newLimiters(MailboxLimits{Concurrency: -1, Requests: -1, UploadBytes: -1}, noWait)
	for range 100 {
		if _, err := ls.acquire(cancelled(), "x", 1<<40); err != nil {
			t.Fatalf("unlimited mailbox limited: %v", err)
		}
	}
}

func TestMailboxLimitsDefaults(t *testing.T) {
	if got := (MailboxLimits{}).withDefaults(); got != DefaultMailboxLimits {
		t.Errorf("zero limits = %+v, want Outlook's %+v", got, DefaultMailboxLimits)
	}
	if got := (MailboxLimits{Concurrency: 2}).withDefaults(); got.Concurrency != 2 || got.Requests != 10000 {
		t.Errorf("partial limits = %+v", got)
	}
}

// Against the emulator: a 429 on a mailbox halves the client's concurrency
// for it; answers that follow grow it back.
func TestThrottleShrinksConcurrency(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	it := e.item(item.Message, "aimd")
	e.srv.SetFaults(emulator.Faults{Rate429: 1})
	e.onWait = func(int) { e.srv.SetFaults(emulator.Faults{}) }
	if _, err := e.client.ListAttachments(ctx, it); err != nil {
		t.Fatal(err)
	}
	if w := e.client.limits.concurrency(testUser); w != 2 {
		t.Errorf("window after a 429 = %d, want 2", w)
	}
	if w := e.client.limits.concurrency("demo@contoso.example"); w != 4 {
		t.Errorf("another mailbox's window = %d, want 4", w)
	}
	for range 5 {
		if _, err := e.client.ListAttachments(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	if w := e.client.limits.concurrency(testUser); w != 4 {
		t.Errorf("window after 6 answers = %d, want 4 again", w)
	}
}

// Throttled past the retry policy's patience: ErrThrottled, with advice.
func TestThrottledGivesUp(t *testing.T) {
	e := newEnv(t, func(_ *emulator.Options, co *Options) { co.Retry.MaxRetries = 2 })
	it := e.item(item.Event, "give up")
	e.srv.SetFaults(emulator.Faults{Rate429: 1})
	_, err := e.client.ListAttachments(context.Background(), it)
	if !errors.Is(err, ErrThrottled) || !strings.Contains(err.Error(), "parallelism") {
		t.Errorf("ListAttachments = %v, want ErrThrottled with advice", err)
	}
	if n := e.srv.Stats().Faults.Throttled; n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}
}
