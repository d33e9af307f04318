// Package interrupt turns SIGINT and SIGTERM into the stops Terraform
// users expect: at once outside apply's work, gracefully inside it (nothing
// new starts, requests in flight finish), at once on the second signal or
// when the grace runs out.
package interrupt

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

// Grace bounds a graceful stop: after the first interrupt, requests in
// flight get this long to finish before they are cancelled.
const Grace = 30 * time.Second

// GraceEnv overrides Grace. It exists for tests, which must see the grace
// run out without waiting half a minute; it is not documented to users.
const GraceEnv = "ATTACHFORM_STOP_GRACE"

// View tells the user what an interrupt does; the command's views
// satisfy it.
type View interface {
	// Interrupted: outside apply's work, the command stops at once.
	Interrupted()
	// StoppingGracefully: nothing new starts; requests in flight get grace.
	StoppingGracefully(grace time.Duration)
	// StoppingAtOnce: a second interrupt.
	StoppingAtOnce()
	// GraceOver: requests in flight outlived the grace.
	GraceOver(grace time.Duration)
}

// Interrupts turns SIGINT and SIGTERM into stops, the way Terraform users
// expect. Outside a graceful section the first signal cancels ctx, the
// context every command runs in. Inside one (apply at work) the first
// signal closes the section's stop channel instead: nothing new starts and
// requests in flight finish. The second signal, or the end of the grace,
// cancels ctx. Once ctx is cancelled the signals are let go, so a further
// interrupt ends the process the operating system's way.
type Interrupts struct {
	ctx    context.Context // cancelled to stop at once
	cancel context.CancelFunc
	// notices tells the user what an interrupt does, outside a graceful
	// section; inside one, the section's view does.
	notices View
	// signals delivers SIGINT and SIGTERM; nil when nothing is caught.
	signals chan os.Signal
	done    chan struct{} // closed by release

	mu       sync.Mutex    // guards the fields below
	stop     chan struct{} // the graceful section's; nil outside one
	stopping bool          // stop is closed
	view     View          // the section's
	grace    time.Duration
	timer    *time.Timer // cancels ctx when the grace is over
	log      hclog.Logger
}

// Catch starts catching SIGINT and SIGTERM; release lets them go.
func Catch(parent context.Context, notices View) *Interrupts {
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

// newInterrupts is Interrupts without the signals, for tests to call
// received on.
func newInterrupts(parent context.Context, notices View) *Interrupts {
	ctx, cancel := context.WithCancel(parent)
	return &Interrupts{ctx: ctx, cancel: cancel, notices: notices, done: make(chan struct{}), log: hclog.NewNullLogger()}
}

// Context is the context every command runs in, cancelled to stop at
// once.
func (i *Interrupts) Context() context.Context { return i.ctx }

// Release stops catching signals and cancels ctx.
func (i *Interrupts) Release() {
	if i.signals != nil {
		signal.Stop(i.signals)
	}
	close(i.done)
	i.cancel()
}

// Graceful opens a graceful section, which end closes; v shows what an
// interrupt does meanwhile (nil: the notices Catch was given).
// On a nil receiver (run called without signals, as tests do) stop is
// never closed.
func (i *Interrupts) Graceful(grace time.Duration, log hclog.Logger, v View) (stop <-chan struct{}, end func()) {
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
func (i *Interrupts) received() {
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
func (i *Interrupts) graceOver() {
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
func (i *Interrupts) hardLocked() {
	i.cancel()
	if i.signals != nil {
		signal.Stop(i.signals)
	}
}

// GraceFrom is Grace, or what GraceEnv says in the environment getenv
// reads.
func GraceFrom(getenv func(string) string) (time.Duration, error) {
	v := getenv(GraceEnv)
	if v == "" {
		return Grace, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q is not a positive duration such as 30s", GraceEnv, v)
	}
	return d, nil
}
