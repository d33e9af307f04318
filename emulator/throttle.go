package emulator

import (
	"math"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// throttler applies Limits per mailbox; one mailbox over a limit does not
// affect another (Outlook's limits are "per app ID and mailbox
// combination"). Windows are fixed: they start at the first request and
// reset once elapsed.
type throttler struct {
	lim       Limits
	clock     Clock
	mu        sync.Mutex
	boxes     map[string]*boxState
	throttled atomic.Int64
	admitted  atomic.Pointer[func(mailbox string)] // test hook: a request got its slot
}

type boxState struct {
	inflight int
	reqStart time.Time
	reqCount int
	upStart  time.Time
	upBytes  int64
}

func newThrottler(l Limits, c Clock) *throttler {
	return &throttler{lim: l, clock: c, boxes: map[string]*boxState{}}
}

// enter admits a request for mailbox that uploads charge bytes, or answers
// 429 with Retry-After. The caller calls release when the request is done.
func (t *throttler) enter(mailbox string, charge int64) (release func(), e *apiErr) {
	if t.lim.Off {
		if hook := t.admitted.Load(); hook != nil {
			(*hook)(mailbox)
		}
		return func() {}, nil
	}
	now := t.clock.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.boxes[mailbox]
	if b == nil {
		b = &boxState{}
		t.boxes[mailbox] = b
	}
	if t.lim.Concurrency > 0 && b.inflight >= t.lim.Concurrency {
		return nil, t.reject("MailboxConcurrency", 1)
	}
	if t.lim.Requests > 0 {
		if b.reqStart.IsZero() || !now.Before(b.reqStart.Add(t.lim.RequestWindow)) {
			b.reqStart, b.reqCount = now, 0
		}
		if b.reqCount >= t.lim.Requests {
			return nil, t.reject("MailboxRequests", retryAfter(b.reqStart.Add(t.lim.RequestWindow).Sub(now)))
		}
	}
	if t.lim.UploadBytes > 0 && charge > 0 {
		if b.upStart.IsZero() || !now.Before(b.upStart.Add(t.lim.UploadWindow)) {
			b.upStart, b.upBytes = now, 0
		}
		if b.upBytes+charge > t.lim.UploadBytes {
			return nil, t.reject("MailboxUploadBytes", retryAfter(b.upStart.Add(t.lim.UploadWindow).Sub(now)))
		}
		b.upBytes += charge
	}
	b.reqCount++
	b.inflight++
	if hook := t.admitted.Load(); hook != nil {
		(*hook)(mailbox)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			t.mu.Lock()
			b.inflight--
			t.mu.Unlock()
		})
	}, nil
}

func (t *throttler) reject(limit string, after int) *apiErr {
	t.throttled.Add(1)
	return &apiErr{
		Status:     http.StatusTooManyRequests,
		Code:       "ApplicationThrottled",
		Msg:        "Application is over its " + limit + " limit.",
		RetryAfter: after,
	}
}

func retryAfter(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
