package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/attachform/attachform/item"
	"strings"
	"sync"
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

// stepClock is a Clock whose sleeps return at once, moving the clock to
// where they would have ended: budget waits take no time, and what they
// waited for is still observable. It also serves as the emulator's clock.
type stepClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *stepClock) SleepUntil(ctx context.Context, t time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, t.Sub(c.t))
	if t.After(c.t) {
		c.t = t
	}
	return nil
}

func (c *stepClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *stepClock) slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// Request and upload budgets are fixed windows: a window opens with the
// first request, takes up to its budget, and a request that would exceed it
// waits until the window (plus its margin) has passed; then a new window
// opens with the next request.
func TestLimiterBudgets(t *testing.T) {
	clock := &stepClock{t: testEpoch}
	var waits []BudgetWait
	ctx := WithBudgetObserver(context.Background(), func(w BudgetWait) { waits = append(waits, w) })
	ls := newLimiters(MailboxLimits{Requests: 3, RequestsPer: time.Hour, UploadBytes: 1000, UploadPer: time.Hour, Clock: clock}, noWait)
	take := func(mailbox string, n int64) {
		t.Helper()
		r, err := ls.acquire(ctx, mailbox, n)
		if err != nil {
			t.Fatal(err)
		}
		r()
	}
	margin := windowMargin(time.Hour)
	take("u", 600)
	clock.advance(10 * time.Minute)
	take("u", 400) // the budget, exactly
	if s := clock.slept(); len(s) != 0 {
		t.Fatalf("waited %v within the budget", s)
	}
	take("u", 100) // over: waits for the window that opened at testEpoch
	want := time.Hour + margin - 10*time.Minute
	if s := clock.slept(); len(s) != 1 || s[0] != want {
		t.Fatalf("waits %v, want one of %v", s, want)
	}
	if len(waits) != 1 || waits[0].Budget != BudgetUpload || waits[0].Mailbox != "u" || waits[0].Bytes != 100 ||
		!waits[0].Until.Equal(testEpoch.Add(time.Hour+margin)) || waits[0].For != want {
		t.Fatalf("observed %+v", waits)
	}
	// That request opened the second window; it has sent 1 of 3 requests
	// and 100 of 1000 bytes. Two requests later the request budget is out.
	take("u", 0)
	take("u", 0)
	opened := testEpoch.Add(time.Hour + margin)
	take("u", 0)
	if s := clock.slept(); len(s) != 2 || !clock.Now().Equal(opened.Add(time.Hour+margin)) {
		t.Fatalf("waits %v, now %v; want the fourth request in a third window", s, clock.Now())
	}
	if waits[1].Budget != BudgetRequests {
		t.Errorf("observed %+v, want a wait for the request budget", waits[1])
	}
	// Another mailbox has budgets of its own.
	before := len(clock.slept())
	take("other", 1000)
	if len(clock.slept()) != before {
		t.Error("another mailbox waited")
	}
	// A fresh window takes one request larger than the whole budget
	// (waiting could never help it).
	take("big", 5000)

	// A wait ends with its context.
	_, err := ls.acquire(cancelled(), "other", 1)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("acquire over budget on a cancelled context = %v", err)
	}

	// Negative limits switch a budget off.
	ls = newLimiters(MailboxLimits{Concurrency: -1, Requests: -1, UploadBytes: -1, Clock: clock}, noWait)
	for range 100 {
		if _, err := ls.acquire(cancelled(), "x", 1<<40); err != nil {
			t.Fatalf("unlimited mailbox limited: %v", err)
		}
	}
}

// fit offers what is left of the window in whole units, so a session sends
// the window's last bytes instead of idling until the next.
func TestLimiterFit(t *testing.T) {
	clock := &stepClock{t: testEpoch}
	ls := newLimiters(MailboxLimits{UploadBytes: 1000, UploadPer: time.Minute, Clock: clock}, noWait)
	if n := ls.fit("m", 400, 64); n != 400 {
		t.Errorf("fit in an empty window = %d", n)
	}
	r, _ := ls.acquire(context.Background(), "m", 700)
	r()
	for _, tc := range []struct{ n, unit, want int64 }{
		{300, 64, 300},  // fits
		{400, 64, 256},  // 300 left: 4 units of 64
		{400, 512, 400}, // less than a unit left: the whole range waits
	} {
		if got := ls.fit("m", tc.n, tc.unit); got != tc.want {
			t.Errorf("fit(%d, unit %d) = %d, want %d", tc.n, tc.unit, got, tc.want)
		}
	}
	clock.advance(time.Minute + windowMargin(time.Minute))
	if n := ls.fit("m", 400, 64); n != 400 {
		t.Errorf("fit in the next window = %d", n)
	}
	if n := newLimiters(MailboxLimits{UploadBytes: -1}, noWait).fit("m", 400, 64); n != 400 {
		t.Errorf("fit without an upload budget = %d", n)
	}
}

// A 429 with Retry-After while uploading tells where Graph's window turns:
// the client's is spent until then, and a new one opens after.
func TestLimiterRealignsOnRetryAfter(t *testing.T) {
	clock := &stepClock{t: testEpoch}
	ls := newLimiters(MailboxLimits{UploadBytes: 1000, UploadPer: time.Minute, Clock: clock}, func(d time.Duration) time.Duration { return d })
	r, _ := ls.acquire(context.Background(), "m", 100)
	r()
	// Graph says its window (opened by someone else) ends in 20 s,
	// though ours would allow 900 bytes more for a minute.
	ls.throttled("m", time.Now(), 20*time.Second)
	r, _ = ls.acquire(context.Background(), "m", 100)
	r()
	if s := clock.slept(); len(s) != 1 || s[0] != 20*time.Second {
		t.Fatalf("waits %v, want one of 20s", s)
	}
	// The new window opened after the pause and has the whole budget.
	r, _ = ls.acquire(context.Background(), "m", 900)
	r()
	if s := clock.slept(); len(s) != 1 {
		t.Fatalf("waits %v in the new window", s)
	}
}

// WithParallelism bounds requests in flight across mailboxes; a request
// waiting for its mailbox's budget holds no place in it.
func TestParallelismBound(t *testing.T) {
	clock := &stepClock{t: testEpoch}
	ls := newLimiters(MailboxLimits{UploadBytes: 1000, UploadPer: time.Hour, Clock: clock}, noWait)
	ctx := WithParallelism(context.Background(), 2)
	r1, err1 := ls.acquire(ctx, "a", 0)
	r2, err2 := ls.acquire(ctx, "b", 0)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := ls.acquire(short, "c", 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("third request in flight: %v", err)
	}
	r1()
	r3, err := ls.acquire(ctx, "c", 0)
	if err != nil {
		t.Fatal(err)
	}
	r3()
	r2()

	// Mailbox a's budget is spent: its next request waits for the window
	// (here: on a clock that never ends the wait) holding no place.
	blocked := &blockingClock{stepClock: stepClock{t: testEpoch}, sleeping: make(chan struct{}, 1)}
	ls = newLimiters(MailboxLimits{UploadBytes: 1000, UploadPer: time.Hour, Clock: blocked}, noWait)
	ctx = WithParallelism(context.Background(), 1)
	r, _ := ls.acquire(ctx, "a", 1000)
	r()
	waiting, stop := context.WithCancel(ctx)
	done := make(chan error)
	go func() {
		_, err := ls.acquire(waiting, "a", 1)
		done <- err
	}()
	<-blocked.sleeping
	if r, err := ls.acquire(ctx, "b", 500); err != nil {
		t.Fatalf("mailbox b: %v", err)
	} else {
		r()
	}
	stop()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("waiting request: %v", err)
	}
}

// blockingClock's sleeps last until their context ends.
type blockingClock struct {
	stepClock
	sleeping chan struct{}
}

func (c *blockingClock) SleepUntil(ctx context.Context, t time.Time) error {
	select {
	case c.sleeping <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return ctx.Err()
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

// Uploads of 2.4 budgets to one mailbox, against an emulator that keeps
// Graph's fixed windows on the same clock: nothing is refused, the ranges
// that end a window are shortened to use it up, and the uploads take two
// windows (the floor) plus the margins. (Concurrent uploads on a real
// clock: the apply benchmark BenchmarkApplyBudget.)
func TestUploadWindowsNoThrottling(t *testing.T) {
	const budget, per = 10_000_000, 20 * time.Second
	clock := &stepClock{t: testEpoch}
	e := newEnv(t, func(eo *emulator.Options, co *Options) {
		eo.Clock = clock
		eo.Limits = emulator.Limits{UploadBytes: budget, UploadWindow: per}
		co.Now = clock.Now
		co.Limits = MailboxLimits{UploadBytes: budget, UploadPer: per, Clock: clock}
	})
	ctx := context.Background()
	files := [][]byte{content(8_000_000), content(8_000_000)[1:], content(8_000_000)[2:]}
	var items []item.Ref
	for i := range files {
		items = append(items, e.item(item.Message, fmt.Sprintf("window %d", i)))
	}
	// One upload after another: the clock jumps when the client waits,
	// which would be unfaithful to a request still in flight.
	start := clock.Now()
	for i, f := range files {
		s, err := e.client.CreateUploadSession(ctx, items[i], NewAttachment{Name: "f.bin", Size: int64(len(f))})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.client.Upload(ctx, s, bytes.NewReader(f), int64(len(f)), nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.srv.Stats().Throttled; n != 0 {
		t.Errorf("%d requests throttled", n)
	}
	took, floor := clock.Now().Sub(start), 2*per
	if took < floor || took > floor+2*windowMargin(per) {
		t.Errorf("uploads took %v on the clock; want the floor %v plus at most two margins", took, floor)
	}
}

// A $batch of listings is a request of its mailbox, not an upload to it:
// it opens no upload window (Graph's opens with the first upload).
func TestBatchIsNoUpload(t *testing.T) {
	clock := &stepClock{t: testEpoch}
	e := newEnv(t, func(eo *emulator.Options, co *Options) {
		co.Limits = MailboxLimits{UploadBytes: 1000, UploadPer: time.Minute, Clock: clock}
	})
	it := e.item(item.Message, "batch")
	if _, err := e.client.ListAttachmentsBatch(context.Background(), []item.Ref{it}); err != nil {
		t.Fatal(err)
	}
	ml := e.client.limits.get(testUser)
	ml.mu.Lock()
	defer ml.mu.Unlock()
	if !ml.upload.start.IsZero() || ml.upload.used != 0 || ml.requests.used != 1 {
		t.Errorf("after a $batch: upload window %v with %d bytes, %d requests", ml.upload.start, ml.upload.used, ml.requests.used)
	}
}
