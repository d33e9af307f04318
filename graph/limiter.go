package graph

import (
	"context"
	"math"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// MailboxLimits bound the client's traffic per mailbox. Graph's Outlook
// limits are per app and mailbox, so one busy mailbox never slows another.
// Zero fields take Outlook's documented values; a negative field disables
// that limit.
type MailboxLimits struct {
	Concurrency int           // requests in flight; 0 = 4
	Requests    int           // requests per RequestsPer; 0 = 10,000
	RequestsPer time.Duration // 0 = 10 minutes
	UploadBytes int64         // bytes sent by POST, PUT and PATCH per UploadPer; 0 = 150 MB
	UploadPer   time.Duration // 0 = 5 minutes
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

// limiters holds one mailboxLimiter per mailbox, created on first use.
type limiters struct {
	limits MailboxLimits
	wait   func(time.Duration) time.Duration

	mu sync.Mutex
	m  map[string]*mailboxLimiter
}

// The limiters keep real time even when the client's clock is fake: their
// pauses are waited out with real timers.
func newLimiters(l MailboxLimits, wait func(time.Duration) time.Duration) *limiters {
	return &limiters{limits: l.withDefaults(), wait: wait, m: map[string]*mailboxLimiter{}}
}

func (ls *limiters) get(mailbox string) *mailboxLimiter {
	key := strings.ToLower(mailbox)
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ml, ok := ls.m[key]; ok {
		return ml
	}
	l := ls.limits
	ml := &mailboxLimiter{max: l.Concurrency, window: l.Concurrency, changed: make(chan struct{})}
	if l.Requests > 0 {
		ml.requests = rate.NewLimiter(rate.Limit(float64(l.Requests)/l.RequestsPer.Seconds()), l.Requests)
	}
	if l.UploadBytes > 0 {
		burst := int(min(l.UploadBytes, math.MaxInt32))
		ml.bytes = rate.NewLimiter(rate.Limit(float64(l.UploadBytes)/l.UploadPer.Seconds()), burst)
	}
	ls.m[key] = ml
	return ml
}

// acquire waits until mailbox may send one more request carrying upload
// bytes, and returns the function that gives its concurrency slot back.
// Requests that belong to no mailbox (none today) go unlimited.
func (ls *limiters) acquire(ctx context.Context, mailbox string, upload int64) (func(), error) {
	if mailbox == "" {
		return func() {}, nil
	}
	ml := ls.get(mailbox)
	// Budgets first, so a slot is never held while waiting for budget.
	if ml.requests != nil {
		if err := ml.requests.Wait(ctx); err != nil {
			return nil, err
		}
	}
	if ml.bytes != nil {
		for upload > 0 {
			n := min(upload, int64(ml.bytes.Burst()))
			if err := ml.bytes.WaitN(ctx, int(n)); err != nil {
				return nil, err
			}
			upload -= n
		}
	}
	return ml.acquireSlot(ctx)
}

// throttled tells mailbox's limiter about a 429 for a request sent at sent:
// its concurrency halves (once per round of requests: answers to requests
// sent before the last cut don't cut again) and every request of the mailbox
// pauses for Retry-After. It returns the new window and whether it was cut.
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
		until := time.Now().Add(ls.wait(retryAfter))
		if until.After(ml.pausedUntil) {
			ml.pausedUntil = until
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

// mailboxLimiter is one mailbox's limits: an AIMD concurrency window, a
// request rate and an upload byte rate.
type mailboxLimiter struct {
	requests *rate.Limiter // nil: unlimited
	bytes    *rate.Limiter // nil: unlimited

	mu          sync.Mutex
	max         int // configured concurrency; <0 unlimited
	window      int // current concurrency, 1..max
	credit      int // successes since the window last grew
	inUse       int
	lastCut     time.Time
	pausedUntil time.Time
	changed     chan struct{} // closed and replaced whenever a waiter may proceed
}

func (ml *mailboxLimiter) broadcast() {
	close(ml.changed)
	ml.changed = make(chan struct{})
}

func (ml *mailboxLimiter) acquireSlot(ctx context.Context) (func(), error) {
	for {
		ml.mu.Lock()
		if pause := time.Until(ml.pausedUntil); pause > 0 {
			ml.mu.Unlock()
			t := time.NewTimer(pause)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			case <-t.C:
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
