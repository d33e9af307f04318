package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
)

// stopGrace bounds a graceful stop: after the first interrupt, requests in
// flight get this long to finish before they are cancelled.
const stopGrace = 30 * time.Second

// stopGraceEnv overrides stopGrace. It exists for tests, which must see the
// grace run out without waiting half a minute; it is not documented to users.
const stopGraceEnv = "ATTACHFORM_STOP_GRACE"

// interrupts turns SIGINT and SIGTERM into stops, the way Terraform users
// expect. Outside a graceful section the first signal cancels ctx, the
// context every command runs in. Inside one (apply at work) the first
// signal closes the section's stop channel instead: nothing new starts and
// requests in flight finish. The second signal, or the end of the grace,
// cancels ctx. Once ctx is cancelled the signals are let go, so a further
// interrupt ends the process the operating system's way.
type interrupts struct {
	ctx    context.Context // cancelled to stop at once
	cancel context.CancelFunc
	// notices tells the user what an interrupt does, outside a graceful
	// section; inside one, the section's view does.
	notices interruptView
	// signals delivers SIGINT and SIGTERM; nil when nothing is caught.
	signals chan os.Signal
	done    chan struct{} // closed by release

	mu       sync.Mutex    // guards the fields below
	stop     chan struct{} // the graceful section's; nil outside one
	stopping bool          // stop is closed
	view     interruptView // the section's
	grace    time.Duration
	timer    *time.Timer // cancels ctx when the grace is over
	log      hclog.Logger
}

// catchInterrupts starts catching SIGINT and SIGTERM; release lets them go.
func catchInterrupts(parent context.Context, notices interruptView) *interrupts {
	i := newInterrupts(parent, notices)
	i.signals = make(chan os.Signal, 1)
	signal.Notify(i.signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		for {
			select {
			case <-i.signals:
				i.received()
			case <-i.done:
				return
			}
		}
	}()
	return i
}

// newInterrupts is interrupts without the signals, for tests to call
// received on.
func newInterrupts(parent context.Context, notices interruptView) *interrupts {
	ctx, cancel := context.WithCancel(parent)
	return &interrupts{ctx: ctx, cancel: cancel, notices: notices, done: make(chan struct{}), log: hclog.NewNullLogger()}
}

// release stops catching signals and cancels ctx.
func (i *interrupts) release() {
	if i.signals != nil {
		signal.Stop(i.signals)
	}
	close(i.done)
	i.cancel()
}

// graceful opens a graceful section, which end closes; v shows what an
// interrupt does meanwhile (nil: the notices catchInterrupts was given).
// On a nil receiver (run called without signals, as tests do) stop is
// never closed.
func (i *interrupts) graceful(grace time.Duration, log hclog.Logger, v interruptView) (stop <-chan struct{}, end func()) {
	if i == nil {
		return nil, func() {}
	}
	if log == nil {
		log = hclog.NewNullLogger()
	}
	if v == nil {
		v = i.notices
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	ch := make(chan struct{})
	i.stop, i.stopping, i.view, i.grace, i.log = ch, false, v, grace, log
	return ch, func() {
		i.mu.Lock()
		defer i.mu.Unlock()
		if i.timer != nil {
			i.timer.Stop()
		}
		i.stop, i.stopping, i.view, i.timer = nil, false, nil, nil
	}
}

// received handles one signal.
func (i *interrupts) received() {
	i.mu.Lock()
	defer i.mu.Unlock()
	switch {
	case i.ctx.Err() != nil:
		// Already stopping at once.
	case i.stop == nil:
		i.notices.Interrupted()
		i.hardLocked()
	case !i.stopping:
		i.stopping = true
		close(i.stop)
		i.view.StoppingGracefully(i.grace)
		i.log.Info("interrupt received: stopping gracefully", "grace", i.grace)
		i.timer = time.AfterFunc(i.grace, i.graceOver)
	default:
		i.view.StoppingAtOnce()
		i.log.Info("second interrupt received: stopping at once")
		i.hardLocked()
	}
}

// graceOver stops at once when requests in flight outlive the grace.
func (i *interrupts) graceOver() {
	i.mu.Lock()
	defer i.mu.Unlock()
	if !i.stopping || i.ctx.Err() != nil {
		return // the section ended, or a second interrupt came first
	}
	i.view.GraceOver(i.grace)
	i.log.Info("graceful stop timed out: stopping at once", "grace", i.grace)
	i.hardLocked()
}

// hardLocked cancels ctx and lets the signals go, so that one more
// interrupt ends a process that hangs on its way out. Caller holds mu.
func (i *interrupts) hardLocked() {
	i.cancel()
	if i.signals != nil {
		signal.Stop(i.signals)
	}
}

// stopGraceFor is stopGrace, or what stopGraceEnv says.
func stopGraceFor(g *globals) (time.Duration, error) {
	v := g.getenv(stopGraceEnv)
	if v == "" {
		return stopGrace, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q is not a positive duration such as 30s", stopGraceEnv, v)
	}
	return d, nil
}
