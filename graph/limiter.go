package graph

import (
	"context"
	"strings"
	"sync"
	"time"
)

// MailboxLimits bound the client's traffic per mailbox. Graph's Outlook
// limits are per app and mailbox, so one busy mailbox never slows another.
// Zero fields take Outlook's documented values; a negative field disables
// that limit.
//
// The request and upload budgets are kept the way Graph keeps them: in
// fixed windows. A window opens with the first request sent after the
// previous one closed and lasts Per plus a small margin (1 %, from 50 ms
// to 3 s) for the time a request takes to reach Graph, which opens its own
// window when that request arrives. Within a window the client sends no
// more than the budget, and a request that would exceed it waits for the
// next window; so, when the client is the mailbox's only user, Graph never
// has to refuse anything. When Graph refuses anyway (429 with Retry-After:
// another client, or an earlier run, used the same budget), the window is
// taken as spent until Retry-After ends, which is where Graph's own window
// turns.
type MailboxLimits struct {
	Concurrency int           // requests in flight; 0 = 4
	Requests    int           // requests per RequestsPer; 0 = 10,000
	RequestsPer time.Duration // 0 = 10 minutes
	UploadBytes int64         // bytes sent by POST, PUT and PATCH per UploadPer; 0 = 150 MB
	UploadPer   time.Duration // 0 = 5 minutes
	// Clock keeps the windows and the pauses Graph asks for; nil = real
	// time. Benchmarks share one with the emulator to skip long waits.
	Clock Clock
}

// DefaultMailboxLimits are Outlook's documented limits per app and mailbox.
// 150 MB is taken as 150,000,000 bytes, the stricter reading.
var DefaultMailboxLimits = MailboxLimits{
	Concurrency: 4,
	Requests:    10000,
	RequestsPer: 10 * time.Minute,
	UploadBytes: 150_000_000,
	UploadPer:   5 * time.Minute,
}

func (l MailboxLimits) withDefaults() MailboxLimits {
	d := DefaultMailboxLimits
	if l.Concurrency == 0 {
		l.Concurrency = d.Concurrency
	}
	if l.Requests == 0 {
		l.Requests = d.Requests
	}
	if l.RequestsPer <= 0 {
		l.RequestsPer = d.RequestsPer
	}
	if l.UploadBytes == 0 {
		l.UploadBytes = d.UploadBytes
	}
	if l.UploadPer <= 0 {
		l.UploadPer = d.UploadPer
	}
	return l
}

// Clock is the time mailbox budgets are kept in.
type Clock interface {
	Now() time.Time
	// SleepUntil waits until t, or until ctx ends, and then returns its
	// error.
	SleepUntil(ctx context.Context, t time.Time) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) SleepUntil(ctx context.Context, t time.Time) error {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// windowMargin is how much longer than Graph's a window of per is kept:
// Graph opens its window when the first request arrives, a little after
// the client sent it, so it also closes a little later.
func windowMargin(per time.Duration) time.Duration {
	return min(max(per/100, 50*time.Millisecond), 3*time.Second)
}

// window is one fixed-window budget: up to limit units per per.
type window struct {
	limit int64 // <= 0: unlimited
	per   time.Duration
	start time.Time // zero: no window open
	used  int64
}

func (w *window) end() time.Time { return w.start.Add(w.per + windowMargin(w.per)) }

// roll closes a window that has run out.
func (w *window) roll(now time.Time) {
	if !w.start.IsZero() && !now.Before(w.end()) {
		w.start, w.used = time.Time{}, 0
	}
}

// wait is how long n more units must wait; 0 when they fit now. A window
// that is still empty takes any one request, even one larger than the
// whole budget (Graph would refuse it at any time; waiting cannot help).
func (w *window) wait(now time.Time, n int64) time.Duration {
	if w.limit <= 0 || n <= 0 {
		return 0
	}
	w.roll(now)
	if w.used == 0 || w.used+n <= w.limit {
		return 0
	}
	return w.end().Sub(now)
}

// take spends n units, opening a window at now if none is open, and
// reports whether it opened one.
func (w *window) take(now time.Time, n int64) bool {
	if w.limit <= 0 || n <= 0 {
		return false
	}
	opened := w.start.IsZero()
	if opened {
		w.start = now
	}
	w.used += n
	return opened
}

// left is what the open window still allows (the whole budget when none
// is open).
func (w *window) left(now time.Time) int64 {
	w.roll(now)
	return w.limit - w.used
}

// limiters holds one mailboxLimiter per mailbox, created on first use.
type limiters struct {
	limits MailboxLimits
	clock  Clock
	wait   func(time.Duration) time.Duration

	mu sync.Mutex
	m  map[string]*mailboxLimiter
}

// wait maps a pause Graph asked for to the pause taken (tests shorten it).
func newLimiters(l MailboxLimits, wait func(time.Duration) time.Duration) *limiters {
	l = l.withDefaults()
	clock := l.Clock
	if clock == nil {
		clock = realClock{}
	}
	return &limiters{limits: l, clock: clock, wait: wait, m: map[string]*mailboxLimiter{}}
}

func (ls *limiters) get(mailbox string) *mailboxLimiter {
	key := strings.ToLower(mailbox)
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ml, ok := ls.m[key]; ok {
		return ml
	}
	l := ls.limits
	ml := &mailboxLimiter{
		clock: ls.clock, max: l.Concurrency, window: l.Concurrency, changed: make(chan struct{}),
		requests: window{limit: int64(l.Requests), per: l.RequestsPer},
		upload:   window{limit: l.UploadBytes, per: l.UploadPer},
	}
	ls.m[key] = ml
	return ml
}

// acquire waits until mailbox may send one more request carrying upload
// bytes, and returns the function that gives back what the request holds:
// its mailbox's concurrency slot and, when ctx carries a parallelism bound
// (WithParallelism), its place in that. The mailbox's budgets are waited
// for first and its slot next, so a request waiting for budget holds
// nothing another mailbox could use. Requests that belong to no mailbox
// (none today) take only the parallelism bound.
func (ls *limiters) acquire(ctx context.Context, mailbox string, upload int64) (func(), error) {
	flow := flowFrom(ctx)
	if mailbox == "" {
		return flow.acquire(ctx)
	}
	ml := ls.get(mailbox)
	opened, err := ml.takeBudgets(ctx, mailbox, upload)
	if err != nil {
		return nil, err
	}
	releaseSlot, err := ml.acquireSlot(ctx)
	if err != nil {
		return nil, err
	}
	releaseFlow, err := flow.acquire(ctx)
	if err != nil {
		releaseSlot()
		return nil, err
	}
	if opened.IsZero() {
		return func() { releaseFlow(); releaseSlot() }, nil
	}
	// The request that opened the upload window moves its start twice:
	// to when it leaves (it may have waited for a slot) and to when its
	// answer has been read. Graph opened its own window when the first
	// request of it arrived, between the two, so the client's window
	// never closes before Graph's.
	opened = ml.restart(opened)
	return func() {
		ml.restart(opened)
		releaseFlow()
		releaseSlot()
	}, nil
}

// fit returns how many of n bytes mailbox may upload in one request
// without waiting: n when they fit the open window (or nothing fits),
// else what is left of it in whole units. An upload session sends the
// rest of a window's budget as a shorter range instead of idling until
// the next window.
func (ls *limiters) fit(mailbox string, n, unit int64) int64 {
	if mailbox == "" || n <= unit {
		return n
	}
	ml := ls.get(mailbox)
	ml.mu.Lock()
	defer ml.mu.Unlock()
	if ml.upload.limit <= 0 {
		return n
	}
	if left := ml.upload.left(ml.clock.Now()); left < n && left >= unit {
		return left / unit * unit
	}
	return n
}

// throttled tells mailbox's limiter about a 429 for a request sent at sent
// (real time): its concurrency halves (once per round of requests: answers
// to requests sent before the last cut don't cut again) and every request
// of the mailbox pauses for Retry-After. An upload window in use is taken
// as spent until then: Graph's window turns when Retry-After ends. It
// returns the new concurrency and whether it was cut.
func (ls *limiters) throttled(mailbox string, sent time.Time, retryAfter time.Duration) (int, bool) {
	if mailbox == "" {
		return 0, false
	}
	ml := ls.get(mailbox)
	ml.mu.Lock()
	defer ml.mu.Unlock()
	cut := false
	if ml.max > 0 && sent.After(ml.lastCut) {
		ml.window = max(1, ml.window/2)
		ml.credit = 0
		ml.lastCut = time.Now()
		cut = true
	}
	if retryAfter > 0 {
		until := ml.clock.Now().Add(ls.wait(retryAfter))
		if until.After(ml.pausedUntil) {
			ml.pausedUntil = until
		}
		if up := &ml.upload; up.limit > 0 && up.used > 0 {
			up.start = until.Add(-up.per - windowMargin(up.per))
			up.used = up.limit
		}
	}
	ml.broadcast()
	return ml.window, cut
}

// succeeded grows mailbox's concurrency back by one slot per window's worth
// of successful answers (additive increase).
func (ls *limiters) succeeded(mailbox string) {
	if mailbox == "" {
		return
	}
	ml := ls.get(mailbox)
	ml.mu.Lock()
	defer ml.mu.Unlock()
	if ml.max <= 0 || ml.window >= ml.max {
		return
	}
	if ml.credit++; ml.credit >= ml.window {
		ml.window++
		ml.credit = 0
		ml.broadcast()
	}
}

// concurrency reports mailbox's current concurrency window (for tests and
// diagnostics).
func (ls *limiters) concurrency(mailbox string) int {
	ml := ls.get(mailbox)
	ml.mu.Lock()
	defer ml.mu.Unlock()
	return ml.window
}

// mailboxLimiter is one mailbox's limits: an AIMD concurrency window and
// fixed-window request and upload budgets.
type mailboxLimiter struct {
	clock Clock

	mu          sync.Mutex
	requests    window
	upload      window
	max         int // configured concurrency; <0 unlimited
	window      int // current concurrency, 1..max
	credit      int // successes since the window last grew
	inUse       int
	lastCut     time.Time     // real time
	pausedUntil time.Time     // clock time
	changed     chan struct{} // closed and replaced whenever a waiter may proceed
}

func (ml *mailboxLimiter) broadcast() {
	close(ml.changed)
	ml.changed = make(chan struct{})
}

// takeBudgets waits until one request carrying upload bytes fits both
// budgets and takes it from both at once. It returns the start of the
// upload window it opened, if it opened one (see restart).
func (ml *mailboxLimiter) takeBudgets(ctx context.Context, mailbox string, upload int64) (time.Time, error) {
	notified := time.Time{}
	for {
		ml.mu.Lock()
		now := ml.clock.Now()
		var wait time.Duration
		reason := ""
		switch {
		case ml.pausedUntil.After(now):
			wait, reason = ml.pausedUntil.Sub(now), BudgetRetryAfter
		default:
			if w := ml.requests.wait(now, 1); w > 0 {
				wait, reason = w, BudgetRequests
			}
			if w := ml.upload.wait(now, upload); w > wait {
				wait, reason = w, BudgetUpload
			}
		}
		if wait <= 0 {
			ml.requests.take(now, 1)
			var opened time.Time
			if ml.upload.take(now, upload) {
				opened = now
			}
			ml.mu.Unlock()
			return opened, nil
		}
		ml.mu.Unlock()
		until := now.Add(wait)
		if !until.Equal(notified) {
			notified = until
			budgetObserverFrom(ctx)(BudgetWait{Mailbox: mailbox, Budget: reason, Bytes: upload, Until: until, For: wait})
		}
		if err := ml.clock.SleepUntil(ctx, until); err != nil {
			return time.Time{}, err
		}
	}
}

// restart moves the start of the upload window that started at opened to
// now (if that window is still the one open), and returns the start.
func (ml *mailboxLimiter) restart(opened time.Time) time.Time {
	ml.mu.Lock()
	defer ml.mu.Unlock()
	if !ml.upload.start.Equal(opened) {
		return opened
	}
	ml.upload.start = ml.clock.Now()
	return ml.upload.start
}

func (ml *mailboxLimiter) acquireSlot(ctx context.Context) (func(), error) {
	for {
		ml.mu.Lock()
		if until := ml.pausedUntil; until.After(ml.clock.Now()) {
			ml.mu.Unlock()
			if err := ml.clock.SleepUntil(ctx, until); err != nil {
				return nil, err
			}
			continue
		}
		if ml.max < 0 || ml.inUse < ml.window {
			ml.inUse++
			ml.mu.Unlock()
			var once sync.Once
			return func() { once.Do(ml.releaseSlot) }, nil
		}
		ch := ml.changed
		ml.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-ch:
		}
	}
}

func (ml *mailboxLimiter) releaseSlot() {
	ml.mu.Lock()
	defer ml.mu.Unlock()
	ml.inUse--
	ml.broadcast()
}
