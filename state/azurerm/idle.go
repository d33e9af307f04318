package azurerm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/attachform/attachform/state"
)

// DefaultIdleTimeout is how long one attempt of a state call (a read, a
// write, a lease call) may go without a byte moving before it is given up
// and retried.
const DefaultIdleTimeout = 60 * time.Second

// idleAttempts is how many attempts of one call may go silent before the
// call fails: a store that answers nothing ends a run within about
// idleAttempts × the idle time, not the many minutes five full retries
// would take.
const idleAttempts = 3

// ErrNoAnswer is wrapped by the error of a call whose attempts went
// without a byte moving for the idle time.
var ErrNoAnswer = state.ErrNoAnswer

// noAnswer is one attempt cut for silence.
type noAnswer struct {
	host     string
	waited   string // what it waited for
	idle     time.Duration
	attempts int32
}

func (e *noAnswer) Error() string {
	s := fmt.Sprintf("the state store %s did not answer for %s (waiting for %s)", e.host, e.idle, e.waited)
	if e.attempts > 1 {
		s += fmt.Sprintf(", %d attempts", e.attempts)
	}
	return s
}

func (e *noAnswer) Unwrap() error { return ErrNoAnswer }

// nonRetriable marks the last silent attempt: azcore's retry policy stops
// on an error with a NonRetriable method.
type nonRetriable struct{ *noAnswer }

func (nonRetriable) NonRetriable()   {}
func (e nonRetriable) Unwrap() error { return e.noAnswer }

// idleTransport cuts an attempt when no byte has moved for idle: none of
// its request body sent, no header of the answer, none of its body read.
// A slow transfer that keeps moving is never cut. The cut attempt fails
// with *noAnswer, which azcore's retry policy retries, up to idleAttempts
// silent attempts per call (counted by countCalls).
type idleTransport struct {
	next policy.Transporter
	idle time.Duration
}

// callKey holds the silent attempts of one call in its context.
type callKey struct{}

// countCalls is a per-call policy: it gives each call a counter of its
// silent attempts.
// policyFunc makes a function a policy.Policy.
type policyFunc func(*policy.Request) (*http.Response, error)

func (f policyFunc) Do(req *policy.Request) (*http.Response, error) { return f(req) }

func countCalls(req *policy.Request) (*http.Response, error) {
	return req.WithContext(context.WithValue(req.Raw().Context(), callKey{}, new(atomic.Int32))).Next()
}

func (t *idleTransport) Do(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(req.Context())
	w := &watch{idle: t.idle, cancel: cancel, host: req.URL.Host, waited: "the answer to " + req.Method,
		observe: state.WaitObserverOf(req.Context())}
	w.start()
	req = req.WithContext(ctx)
	if req.Body != nil && req.Body != http.NoBody {
		req.Body = &sentBody{ReadCloser: req.Body, w: w}
	}
	resp, err := t.next.Do(req)
	if err != nil {
		w.stop()
		cancel(nil)
		if cut := w.cut(req.Context()); cut != nil {
			return nil, cut
		}
		return nil, err
	}
	w.touch()
	w.setWaited("the rest of the answer to " + req.Method)
	resp.Body = &readBody{ReadCloser: resp.Body, w: w, cancel: cancel, ctx: req.Context()}
	return resp, nil
}

// watch is one attempt's idle timer.
type watch struct {
	idle    time.Duration
	cancel  context.CancelCauseFunc
	host    string
	observe func(time.Duration)

	mu      sync.Mutex
	waited  string
	timer   *time.Timer
	tick    *time.Timer // tells observe that the attempt has gone silent
	last    time.Time
	fired   bool
	stopped bool
}

// silentAfter is when a silent attempt is reported to an observer.
func (w *watch) silentAfter() time.Duration { return min(w.idle/3, 20*time.Second) }

func (w *watch) start() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.last = time.Now()
	w.timer = time.AfterFunc(w.idle, w.fire)
	if w.observe != nil {
		w.tick = time.AfterFunc(w.silentAfter(), w.silent)
	}
}

func (w *watch) setWaited(s string) {
	w.mu.Lock()
	w.waited = s
	w.mu.Unlock()
}

func (w *watch) fire() {
	w.mu.Lock()
	if w.stopped {
		w.mu.Unlock()
		return
	}
	w.fired = true
	w.mu.Unlock()
	w.cancel(errIdleCut)
}

func (w *watch) silent() {
	w.mu.Lock()
	since, stopped := time.Since(w.last), w.stopped
	if !stopped {
		w.tick.Reset(10 * time.Second)
	}
	w.mu.Unlock()
	if !stopped {
		w.observe(since)
	}
}

// touch says bytes moved: the idle time starts again.
func (w *watch) touch() {
	w.mu.Lock()
	if w.stopped || w.fired {
		w.mu.Unlock()
		return
	}
	quiet := time.Since(w.last) >= w.silentAfter()
	w.last = time.Now()
	w.timer.Reset(w.idle)
	if w.tick != nil {
		w.tick.Reset(w.silentAfter())
	}
	w.mu.Unlock()
	if quiet && w.observe != nil {
		w.observe(0)
	}
}

func (w *watch) stop() {
	w.mu.Lock()
	if w.stopped {
		w.mu.Unlock()
		return
	}
	w.stopped = true
	w.timer.Stop()
	// An attempt cut for silence is no answer: the wait goes on (the
	// next attempt, or the caller's end).
	quiet := time.Since(w.last) >= w.silentAfter() && !w.fired
	if w.tick != nil {
		w.tick.Stop()
	}
	w.mu.Unlock()
	if quiet && w.observe != nil {
		w.observe(0)
	}
}

// errIdleCut is the cause of a context cut for silence.
var errIdleCut = errors.New("no byte moved")

// cut returns the error of an attempt cut for silence, nil when it was
// not. ctx is the attempt's context.
func (w *watch) cut(ctx context.Context) error {
	w.mu.Lock()
	fired, waited := w.fired, w.waited
	w.mu.Unlock()
	if !fired || !errors.Is(context.Cause(ctx), errIdleCut) {
		return nil
	}
	e := &noAnswer{host: w.host, waited: waited, idle: w.idle, attempts: 1}
	if n, ok := ctx.Value(callKey{}).(*atomic.Int32); ok {
		e.attempts = n.Add(1)
	}
	if e.attempts >= idleAttempts {
		return nonRetriable{e}
	}
	return e
}

// sentBody is a request body whose reads count as progress.
type sentBody struct {
	io.ReadCloser
	w *watch
}

func (b *sentBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.w.touch()
	}
	return n, err
}

// readBody is an answer's body whose reads count as progress; the attempt
// ends when it is read to its end or closed.
type readBody struct {
	io.ReadCloser
	w      *watch
	cancel context.CancelCauseFunc
	ctx    context.Context
}

func (b *readBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.w.touch()
	}
	if err != nil && err != io.EOF {
		if cut := b.w.cut(b.ctx); cut != nil {
			err = cut
		}
	}
	if err != nil {
		b.w.stop()
	}
	return n, err
}

func (b *readBody) Close() error {
	b.w.stop()
	err := b.ReadCloser.Close()
	b.cancel(nil)
	return err
}
