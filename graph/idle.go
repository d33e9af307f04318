package graph

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// An attempt's deadlines are on progress, not on size: it fails when no
// byte has moved, either way, for Bounds.IdleTimeout (a server or proxy
// that took the request and went silent), however long it has been going;
// a transfer that is slow but moving is never cut for being slow. Only a
// generous safety cap (Bounds.AttemptCap plus the attempt's size at
// Bounds.MinRate) ends an attempt that keeps moving: without it, a server
// trickling an endless answer a byte at a time would hold a run for ever.

// What an attempt was doing when nothing moved, for messages.
const (
	stepConnecting int32 = iota // dialling, TLS
	stepSending                 // writing the request
	stepWaiting                 // the request is sent; no answer yet
	stepReading                 // reading the answer's body
)

// watchdog is one attempt's deadline on progress. Moving bytes (a
// connection made, request bytes taken to send, answer bytes read) touch
// it; when nothing has touched it for idle it cancels the attempt. While
// the answer's body is being read, the idle clock runs only while the
// caller waits in Read: a caller busy elsewhere is not Graph's silence.
type watchdog struct {
	idle    time.Duration
	notice  time.Duration // quiet this long: the caller is told it waits for Graph
	start   time.Time
	cancel  context.CancelFunc
	call    *callWatch
	limitAt atomic.Int64 // the safety cap, as time since start

	last    atomic.Int64 // the last movement, as time since start
	step    atomic.Int32
	body    atomic.Bool  // the answer's headers came; its body is being read
	reading atomic.Int32 // Reads in progress on the body
	fired   atomic.Int32 // 0, or why the attempt was cancelled: fireIdle, fireLimit

	mu      sync.Mutex // guards timer and stopped
	timer   *time.Timer
	stopped bool
}

const (
	fireIdle int32 = 1 + iota
	fireLimit
)

// callWatch is what outlives one attempt of a call: when it last heard
// from Graph and whether its caller was told that it waits for an answer.
type callWatch struct {
	heard   atomic.Int64 // unix nanoseconds of the last answer byte, or of the call's start
	noticed atomic.Bool
	observe func(Silence)
	host    string
	hw      *hostWatch
}

func newCallWatch(ctx context.Context, host string, hw *hostWatch) *callWatch {
	w := &callWatch{observe: silenceObserverFrom(ctx), host: host, hw: hw}
	w.heard.Store(time.Now().UnixNano())
	return w
}

// holdSilent is how long a host given up on stays given up on, unless it
// answers: as long as a request's silent attempts take.
func (c *Client) holdSilent() time.Duration { return SilentAttempts * c.bounds.IdleTimeout }

// armWatchdog starts the watchdog of an attempt sending upload bytes.
func (c *Client) armWatchdog(ctx context.Context, call *callWatch, upload int64) (context.Context, *watchdog) {
	ctx, cancel := context.WithCancel(ctx)
	w := &watchdog{
		idle:   c.bounds.IdleTimeout,
		notice: c.bounds.IdleTimeout / 6,
		start:  time.Now(),
		cancel: cancel,
		call:   call,
	}
	w.limitAt.Store(int64(c.bounds.AttemptCap + c.bounds.transferTime(upload)))
	w.mu.Lock()
	w.timer = time.AfterFunc(min(w.notice, w.idle), w.check)
	w.mu.Unlock()
	return ctx, w
}

func (w *watchdog) since() time.Duration { return time.Since(w.start) }

// moved records progress; heard says it came from the server.
func (w *watchdog) moved(heard bool) {
	w.last.Store(int64(w.since()))
	if heard && w.call != nil {
		w.call.hear()
	}
}

// hear records an answer byte, and ends a wait the caller was told of.
func (cw *callWatch) hear() {
	now := time.Now().UnixNano()
	cw.heard.Store(now)
	cw.hw.heard.Store(now)
	if cw.noticed.Load() && cw.noticed.CompareAndSwap(true, false) {
		cw.observe(Silence{Host: cw.host})
	}
}

// answered moves the deadline to the answer's body: from now, at most
// the safety cap plus n bytes at the slowest rate.
func (w *watchdog) answered(b Bounds, n int64) {
	w.step.Store(stepReading)
	w.limitAt.Store(int64(w.since() + b.AttemptCap + b.transferTime(n)))
	w.body.Store(true)
	w.moved(true)
}

func (w *watchdog) check() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	now := w.since()
	limit := time.Duration(w.limitAt.Load())
	if now >= limit {
		w.fire(fireLimit)
		return
	}
	if w.body.Load() && w.reading.Load() == 0 {
		// The answer waits for its reader, not the other way round.
		w.timer.Reset(min(w.idle, limit-now))
		return
	}
	quiet := now - time.Duration(w.last.Load())
	if quiet >= w.idle {
		w.fire(fireIdle)
		return
	}
	next := w.idle - quiet
	if cw := w.call; cw != nil && !cw.noticed.Load() {
		if quiet < w.notice {
			next = w.notice - quiet
		} else if cw.noticed.CompareAndSwap(false, true) {
			cw.observe(Silence{Host: cw.host, Since: time.Unix(0, cw.heard.Load())})
		}
	}
	w.timer.Reset(max(min(next, limit-now), time.Millisecond))
}

func (w *watchdog) fire(why int32) {
	w.fired.Store(why)
	w.stopped = true
	w.cancel()
}

// stop ends the attempt's watch (and its context).
func (w *watchdog) stop() {
	w.mu.Lock()
	w.stopped = true
	w.timer.Stop()
	w.mu.Unlock()
	w.cancel()
}

// timedOut reports why the watchdog cancelled the attempt, as an error
// wrapping ErrTimeout, or nil if it did not; read is what came of the
// answer's body.
func (w *watchdog) timedOut(read int64) error {
	switch w.fired.Load() {
	case fireIdle:
		return fmt.Errorf("%w: nothing moved for %s %s (a server or proxy on the way holds the connection open and sends nothing)", ErrTimeout, roundQuiet(w.idle), w.doing(read))
	case fireLimit:
		return fmt.Errorf("%w: the answer did not arrive in full within %s (%d bytes came; a server or proxy is sending it too slowly, or never ends it)",
			ErrTimeout, roundWait(time.Duration(w.limitAt.Load())), read)
	}
	return nil
}

// doing says what the attempt waited for when nothing moved.
func (w *watchdog) doing(read int64) string {
	switch w.step.Load() {
	case stepConnecting:
		return "while connecting"
	case stepSending:
		return "while sending the request"
	case stepWaiting:
		return "waiting for the answer"
	}
	return fmt.Sprintf("reading the answer (%d bytes came)", read)
}

// movingBody is a request body that tells the watchdog as it is taken to
// be sent.
type movingBody struct {
	io.ReadCloser
	w *watchdog
}

func (b *movingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.w.moved(false)
	}
	return n, err
}
