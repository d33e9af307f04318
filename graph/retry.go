package graph

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"time"
)

// RetryOptions tune the one retry policy every request goes through.
//
// Retried: 429 and 503 (Graph refused the request, so nothing happened), 504
// for idempotent requests, and failures below HTTP either before the request
// reached the wire or for idempotent requests. A Retry-After header is
// honoured, even above WaitMax; otherwise waits grow exponentially with
// jitter. A Retry-After above Bounds.MaxRetryAfter is not waited for: the
// request fails at once with ErrWaitTooLong. A request that is not idempotent (adding an attachment, uploading
// a range) whose answer was lost is never resent: the error wraps
// ErrAmbiguous and the caller asks the server what it holds first.
type RetryOptions struct {
	MaxRetries int           // retries after the first attempt; 0 = 6, <0 = none
	WaitMin    time.Duration // first backoff without Retry-After; 0 = 500ms
	WaitMax    time.Duration // backoff ceiling without Retry-After; 0 = 30s
	// Wait maps each wait the policy decided on (backoff, Retry-After, a
	// throttled mailbox's pause) to the wait actually taken; nil = as
	// decided. Tests use it to observe waits without sleeping through them.
	Wait func(time.Duration) time.Duration
	// Notify hears of every wait Graph asked for (Retry-After) of at least
	// NoticeWait, before it is waited, so that people see why a run
	// pauses; nil = none. It must return quickly.
	Notify func(Wait)
}

// NoticeWait is the shortest Retry-After passed to RetryOptions.Notify and
// logged at info level.
const NoticeWait = 10 * time.Second

// Wait is a pause Graph asked for.
type Wait struct {
	Op      string        // the request that was refused, e.g. "list attachments"
	Mailbox string        // whose request it was; "" when none
	Status  int           // 429 or 503
	For     time.Duration // Retry-After
}

func (o RetryOptions) withDefaults() RetryOptions {
	switch {
	case o.MaxRetries == 0:
		o.MaxRetries = 6
	case o.MaxRetries < 0:
		o.MaxRetries = 0
	}
	if o.WaitMin <= 0 {
		o.WaitMin = 500 * time.Millisecond
	}
	if o.WaitMax <= 0 {
		o.WaitMax = 30 * time.Second
	}
	if o.WaitMax < o.WaitMin {
		o.WaitMax = o.WaitMin
	}
	return o
}

func (o RetryOptions) wait(d time.Duration) time.Duration {
	if o.Wait != nil {
		return max(o.Wait(d), 0)
	}
	return d
}

// checkRetry is the retry policy's decision, per attempt.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	m := metaFrom(ctx)
	if err != nil {
		var pre *preSendError
		if errors.As(err, &pre) {
			return false, err
		}
		if m.body != nil && m.body.failed() != nil {
			// Our own reader failed mid-body: the request was cut short by
			// us and cannot have taken effect, and resending won't help.
			return false, err
		}
		var ae *attemptError
		if !errors.As(err, &ae) {
			return false, err // e.g. a refused redirect
		}
		if ae.silent && m.watch != nil {
			// Heard nothing: try again, unless this request heard nothing
			// SilentAttempts times in a row or another gave up on the host.
			m.silent++
			if _, given := m.watch.hw.given(c.holdSilent()); m.silent >= SilentAttempts || given {
				return false, err // send reports it as ErrNoAnswer
			}
		}
		if !ae.sent || m.idempotent {
			if m.body != nil && !m.body.rewindable() {
				return false, err
			}
			return c.budgetLeft(m), nil
		}
		return false, &ambiguousError{op: m.op, err: ae.err}
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		if d, ok := retryAfter(resp.Header, time.Now()); ok && d > c.bounds.MaxRetryAfter {
			return false, nil // send turns the answer into ErrWaitTooLong
		}
		return (m.body == nil || m.body.rewindable()) && c.budgetLeft(m), nil
	case http.StatusGatewayTimeout:
		return m.idempotent && (m.body == nil || m.body.rewindable()) && c.budgetLeft(m), nil
	case http.StatusConflict:
		// A range refused while another of the session is being received:
		// an attempt of ours that died (a killed run, a dropped
		// connection) the server has not noticed yet. The refusal took no
		// effect; wait and send again.
		return m.op == opUploadRange && (m.body == nil || m.body.rewindable()) && c.budgetLeft(m), nil
	}
	return false, nil
}

// backoff is how long to wait before the next attempt.
func (c *Client) backoff(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if d, ok := retryAfter(resp.Header, time.Now()); ok {
			c.logRetry(resp, attempt, d)
			if resp.Request != nil {
				ctx := resp.Request.Context()
				m := metaFrom(ctx)
				c.notifyWait(Wait{Op: m.op, Mailbox: m.mailbox, Status: resp.StatusCode, For: d})
				// The caller's progress shows it as the mailbox's pause.
				budgetObserverFrom(ctx)(BudgetWait{Mailbox: m.mailbox, Budget: BudgetRetryAfter, Until: time.Now().Add(d), For: d})
			}
			return c.retry.wait(d)
		}
	}
	d := jitteredBackoff(lo, hi, attempt)
	c.logRetry(resp, attempt, d)
	return c.retry.wait(d)
}

// jitteredBackoff is the wait before attempt when the server named none:
// exponential with "equal jitter", at least half the step, so waits still
// grow, plus a random half, so clients that failed together don't retry
// together.
func jitteredBackoff(lo, hi time.Duration, attempt int) time.Duration {
	step := lo << min(attempt, 20)
	if step <= 0 || step > hi {
		step = hi
	}
	return step/2 + rand.N(step/2+1)
}

func (c *Client) logRetry(resp *http.Response, attempt int, wait time.Duration) {
	if resp == nil || resp.Request == nil {
		// A failure below HTTP; the transport logged it with its cause.
		c.log.Debug("retrying after a connection failure", "attempt", attempt+1, "wait", wait)
		return
	}
	c.log.Debug("retrying", "op", metaFrom(resp.Request.Context()).op, "status", resp.StatusCode, "attempt", attempt+1, "wait", wait)
}

// notifyWait tells people of a long wait Graph asked for.
func (c *Client) notifyWait(w Wait) {
	if w.For < NoticeWait {
		return
	}
	c.log.Info("Graph asked to wait before retrying", "op", w.Op, "mailbox", w.Mailbox, "status", w.Status, "wait", w.For)
	if c.retry.Notify != nil {
		c.retry.Notify(w)
	}
}
