// Package apply carries out a plan against Graph: uploads (one POST for
// small files, resumable sessions for large ones), deletions and session
// cancellations, scheduled per mailbox (see schedule), recording the state
// after every finished change so an interrupted run loses nothing.
package apply

import (
	"context"
	"errors"
	"fmt"
	"github.com/attachform/attachform/item"
	"io"
	"sync"
	"time"

	"github.com/attachform/attachform/content"
	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/state"
)

// Graph is what applying needs of the Graph client.
type Graph interface {
	ListAttachments(ctx context.Context, it item.Ref) ([]graph.Attachment, error)
	GetAttachment(ctx context.Context, it item.Ref, id string) (graph.Attachment, error)
	ReadContent(ctx context.Context, it item.Ref, id string, read func(io.Reader) error) error
	AddSmall(ctx context.Context, it item.Ref, a graph.NewAttachment, r io.Reader) (graph.Attachment, error)
	DeleteAttachment(ctx context.Context, it item.Ref, id string) error
	CreateUploadSession(ctx context.Context, it item.Ref, a graph.NewAttachment) (*graph.UploadSession, error)
	Upload(ctx context.Context, s *graph.UploadSession, r io.ReaderAt, size int64, progress func(confirmed int64) error) (string, error)
	SessionStatus(ctx context.Context, s *graph.UploadSession) (int64, error)
	CancelSession(ctx context.Context, s *graph.UploadSession) error
}

// Options steer Run.
type Options struct {
	Parallelism int              // Graph requests in flight at once, across mailboxes; 0 = 10 (see schedule)
	Now         func() time.Time // nil = time.Now
	OnEvent     func(Event)      // progress; called from many goroutines at once
	Version     string           // recorded in the state as its writer
	// Stop, once closed, asks for a graceful stop: no change starts after
	// it, no upload sends another range, and requests in flight finish.
	// Cancelling Run's context stops at once instead; either way the state
	// stays consistent with what Graph holds.
	Stop <-chan struct{}
	// LockLost, once closed, ends the run at once: the state lock is gone
	// (LockLostErr says why), so changes in flight are cancelled, the
	// state write in flight is abandoned, and one last write (bounded by
	// FinalWrite) saves what finished if the store still takes it.
	LockLost    <-chan struct{}
	LockLostErr func() error
	// FinalWrite bounds the last write of a run whose writes failed or
	// whose lock was lost; 0 = DefaultFinalWrite.
	FinalWrite time.Duration
}

// DefaultFinalWrite bounds a run's last write after its lock was lost or a
// write failed, so that the process ends within 30 s of losing its lock.
const DefaultFinalWrite = 20 * time.Second

// ErrNotSaved is wrapped by Run's error when the state it returns holds
// changes that no write made durable: the caller must keep that state
// somewhere (the CLI saves it as errored.state.json).
var ErrNotSaved = errors.New("the state could not be saved")

// ErrStopped is how a change cut short by Options.Stop ends; what it
// finished is recorded and the next apply picks up where it stopped.
var ErrStopped = errors.New("stopped before it finished")

// Result counts what was done, Terraform's way.
type Result struct {
	// Imported counts changes of import blocks (Terraform's "imported"):
	// not in Adopted; a replacement of one is in Added and Destroyed too.
	Imported                                                        int
	Added, Destroyed, Resumed, Adopted, Cancelled, Forgotten, Moved int
	Errors                                                          []*ChangeError
	// Unfinished are the changes a stop or an interrupt left for the next
	// apply: never started, or stopped part-way with their progress saved.
	Unfinished []string
}

// ChangeError is a change that failed; the others went on.
type ChangeError struct {
	Address string
	Action  plan.Action
	Err     error
}

func (e *ChangeError) Error() string { return fmt.Sprintf("%s: %s: %v", e.Address, e.Action, e.Err) }
func (e *ChangeError) Unwrap() error { return e.Err }

// Run applies p to Graph, starting from st (nil = empty) and persisting
// through w after every finished change. Neither p nor st is changed: the
// run works on its own copy of the state and returns it. A change that
// fails is reported in Result.Errors and does not stop the others; failing
// to persist the state stops everything.
func Run(ctx context.Context, p *plan.Plan, st *state.State, w state.Writer, g Graph, opts Options) (*state.State, Result, error) {
	if st == nil {
		st = state.New()
	}
	st = st.Clone()
	if opts.Parallelism <= 0 {
		opts.Parallelism = 10
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.OnEvent == nil {
		opts.OnEvent = func(Event) {}
	}
	if opts.FinalWrite <= 0 {
		opts.FinalWrite = DefaultFinalWrite
	}
	// A wait for the state store lasts from its first silent attempt
	// until it answers, across the attempts in between.
	var waitMu sync.Mutex
	var silentSince time.Time
	waiting := func(silent time.Duration) {
		waitMu.Lock()
		switch {
		case silent <= 0:
			silentSince = time.Time{}
		case silentSince.IsZero():
			silentSince = opts.Now().Add(-silent)
		}
		e := Event{Phase: Waiting, WaitingFor: WaitingForState, Since: silentSince}
		waitMu.Unlock()
		opts.OnEvent(e)
	}
	r := &runner{g: g, opts: opts, sink: newSink(st, w, opts.Version, waiting), fingerprints: p.Fingerprints()}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	r.cancel = cancel
	defer r.watchLock()()

	// Moved blocks rename in the state only, before anything else runs.
	if len(p.Moves) > 0 {
		err := r.record(ctx, func(s *state.State) {
			for _, m := range p.Moves {
				s.Rename(m.From, m.To)
			}
		})
		if err == nil {
			r.result.Moved = len(p.Moves)
		}
	}
	if !r.isFatal() {
		r.schedule(ctx, p.Changes)
	}
	r.waiting.Wait()
	if r.ahead != nil {
		r.ahead.forgetUnused()
	}
	// Progress hints (bytes an unfinished session confirmed) are saved too,
	// so the next plan shows how far an interrupted upload got.
	if !r.isFatal() {
		if err := r.sink.sync(); err != nil {
			r.stateFailed(err)
		}
	}
	return r.end()
}

// end makes one last attempt at saving what a failed write or a lost lock
// left unsaved, and returns what Run returns.
func (r *runner) end() (*state.State, Result, error) {
	r.sink.close()
	err := r.sink.finish(r.opts.FinalWrite)
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case err != nil:
		r.fatal = fmt.Errorf("%w; the changes since the last save are not recorded: %w", ErrNotSaved, err)
	case r.fatal != nil && r.lost != nil:
		r.fatal = fmt.Errorf("%w; changes in flight were cancelled, and what finished is saved", r.lost)
	case r.fatal != nil:
		r.fatal = fmt.Errorf("%w; no change started after it, those under way finished their requests, and what finished was saved by a last write", r.fatal)
	}
	return r.sink.snapshot(), r.result, r.fatal
}

// watchLock follows Options.LockLost: once the lock is lost, changes in
// flight and the state write in flight are cancelled. It returns the func
// that ends the watch.
func (r *runner) watchLock() func() {
	if r.opts.LockLost == nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-r.opts.LockLost:
		case <-done:
			return
		}
		cause := errors.New("the state lock was lost")
		if r.opts.LockLostErr != nil && r.opts.LockLostErr() != nil {
			cause = fmt.Errorf("the state lock was lost: %w", r.opts.LockLostErr())
		}
		r.mu.Lock()
		r.lost = cause
		if r.fatal == nil {
			r.fatal = cause
		}
		r.mu.Unlock()
		r.sink.stopWriting(cause)
		r.cancel(cause)
	}()
	return func() { close(done) }
}

// stateFailed makes a failed write the run's end, the way Options.Stop
// ends it: nothing new starts, no upload sends another range, and a
// request in flight is answered before the run returns. It is not cut:
// the write that failed is often not the failing change's own (outcomes
// are written by the sink's writer while the next change's POST is under
// way), and a POST cut after it was sent may still create its attachment
// on Graph after Run returned, too late for the next plan's look on the
// item to see it, so the next apply would upload it again. Answered, the
// attachment is in the state Run returns (errored.state.json), and its
// intent, durable before the POST, leads the next plan to it either way.
// A lost lock still cancels at once (watchLock): another run may hold it.
func (r *runner) stateFailed(err error) {
	r.mu.Lock()
	if r.fatal == nil {
		r.fatal = fmt.Errorf("the state could not be written: %w", err)
	}
	r.mu.Unlock()
}

type runner struct {
	g            Graph
	fingerprints *content.Fingerprints // what planning learnt of the sources, if this process planned
	opts         Options
	sink         *sink
	cancel       context.CancelCauseFunc

	waiting sync.WaitGroup // changes whose outcome awaits its write
	ahead   *aheadIntents  // intents written ahead of their changes (schedule sets it)

	mu     sync.Mutex // guards result, fatal, lost and silent
	result Result
	fatal  error
	lost   error // why the lock was lost, once it was
	// silent: a request gave up on a Graph that answers nothing
	// (graph.ErrNoAnswer); no change starts after it.
	silent bool
}

func (r *runner) stopping() bool {
	select {
	case <-r.opts.Stop:
		return true
	default:
		return false
	}
}

// winding reports whether changes under way should end at their next
// step: a stop was asked for, or the state can no longer be written.
func (r *runner) winding() bool {
	return r.stopping() || r.isFatal()
}

func (r *runner) isFatal() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fatal != nil
}

// halted reports whether no change may start: a stop was asked for, the
// run was cancelled, the state cannot be saved, or Graph went silent.
func (r *runner) halted(ctx context.Context) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stopping() || ctx.Err() != nil || r.fatal != nil || r.silent
}

func (r *runner) unfinished(addr string) {
	r.mu.Lock()
	r.result.Unfinished = append(r.result.Unfinished, addr)
	r.mu.Unlock()
}

// do runs one change and accounts for it.
func (r *runner) do(ctx context.Context, c plan.Change) {
	if r.halted(ctx) {
		// It waited for a slot while the run was asked to stop.
		r.unfinished(c.Address)
		return
	}
	start := r.opts.Now()
	defer func() {
		// A bug in one change must not take the process down with a stack
		// trace before the others have saved their state.
		if p := recover(); p != nil {
			r.fail(c, start, fmt.Errorf("internal error (please report it): %v", p))
		}
	}()
	r.opts.OnEvent(Event{Address: c.Address, Action: c.Action, Import: c.Importing != "", Phase: Started, Total: total(c)})
	ctx, o := withOutcome(ctx)
	id, err := r.execute(ctx, c)
	if err != nil {
		var se *stateError
		switch {
		case errors.As(err, &se):
			r.stateFailed(se.err)
		case errors.Is(err, ErrStopped), ctx.Err() != nil && errors.Is(err, context.Canceled):
			r.unfinished(c.Address)
			r.opts.OnEvent(Event{Address: c.Address, Action: c.Action, Import: c.Importing != "", Phase: Failed, Err: err, Elapsed: r.opts.Now().Sub(start)})
			return
		}
		if errors.Is(err, graph.ErrNoAnswer) {
			// Waiting on a Graph that answers nothing helps no one: the
			// changes under way end by themselves (the client sends nothing
			// more to that host), and none starts after them.
			r.mu.Lock()
			r.silent = true
			r.mu.Unlock()
		}
		r.fail(c, start, err)
		return
	}
	r.opts.OnEvent(Event{Address: c.Address, Action: c.Action, Import: c.Importing != "", Phase: Finished, ID: id, Elapsed: r.opts.Now().Sub(start), Total: total(c), Sent: total(c)})
	r.finished(c, o)
}

// counted counts c as done in the result.
func (r *runner) counted(c plan.Change) {
	r.mu.Lock()
	if c.Importing != "" {
		r.result.Imported++
	}
	switch c.Action {
	case plan.Create:
		r.result.Added++
	case plan.Replace:
		r.result.Added++
		r.result.Destroyed++
	case plan.Delete:
		r.result.Destroyed++
	case plan.Resume:
		r.result.Resumed++
	case plan.Adopt:
		if c.Importing == "" {
			r.result.Adopted++
		}
	case plan.Cancel:
		r.result.Cancelled++
	case plan.Forget:
		r.result.Forgotten++
	}
	r.mu.Unlock()
}

func (r *runner) fail(c plan.Change, start time.Time, err error) {
	ce := &ChangeError{Address: c.Address, Action: c.Action, Err: err}
	r.mu.Lock()
	r.result.Errors = append(r.result.Errors, ce)
	r.mu.Unlock()
	r.opts.OnEvent(Event{Address: c.Address, Action: c.Action, Import: c.Importing != "", Phase: Failed, Err: err, Elapsed: r.opts.Now().Sub(start)})
}

func total(c plan.Change) int64 {
	if c.After != nil {
		return c.After.Bytes
	}
	return 0
}

// stateError marks a failure to persist, which stops the whole run.
type stateError struct{ err error }

func (e *stateError) Error() string { return e.err.Error() }
func (e *stateError) Unwrap() error { return e.err }

func (r *runner) record(ctx context.Context, change func(*state.State)) error {
	if err := r.sink.record(ctx, change); err != nil {
		r.stateFailed(err)
		return &stateError{err}
	}
	return nil
}
