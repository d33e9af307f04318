// Package apply carries out a plan against Graph: uploads (one POST for
// small files, resumable sessions for large ones), deletions and session
// cancellations, in a bounded errgroup, recording the state after every
// finished change so an interrupted run loses nothing.
package apply

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/state"
	"golang.org/x/sync/errgroup"
)

// Graph is what applying needs of the Graph client.
type Graph interface {
	ListAttachments(ctx context.Context, it graph.Item) ([]graph.Attachment, error)
	GetAttachment(ctx context.Context, it graph.Item, id string) (graph.Attachment, error)
	Content(ctx context.Context, it graph.Item, id string) (io.ReadCloser, error)
	AddSmall(ctx context.Context, it graph.Item, a graph.NewAttachment, r io.Reader) (graph.Attachment, error)
	DeleteAttachment(ctx context.Context, it graph.Item, id string) error
	CreateUploadSession(ctx context.Context, it graph.Item, a graph.NewAttachment) (*graph.UploadSession, error)
	Upload(ctx context.Context, s *graph.UploadSession, r io.ReaderAt, size int64, progress func(confirmed int64) error) (string, error)
	SessionStatus(ctx context.Context, s *graph.UploadSession) (int64, error)
	CancelSession(ctx context.Context, s *graph.UploadSession) error
}

// Options steer Run.
type Options struct {
	Parallelism int              // changes at once; 0 = 10
	Now         func() time.Time // nil = time.Now
	OnEvent     func(Event)      // progress; called from many goroutines at once
	Version     string           // recorded in the state as its writer
}

// Result counts what was done, Terraform's way.
type Result struct {
	Added, Destroyed, Resumed, Adopted, Cancelled, Forgotten int
	Errors                                                   []*ChangeError
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
// through w after every finished change. It returns the final state. A
// change that fails is reported in Result.Errors and does not stop the
// others; failing to persist the state stops everything.
func Run(ctx context.Context, p *plan.Plan, st *state.State, w state.Writer, g Graph, opts Options) (*state.State, Result, error) {
	if st == nil {
		st = state.New()
	}
	// The caller's state (and the plan made from it) stay as they were: the
	// run changes its own copy and hands the result back.
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
	r := &runner{g: g, opts: opts, sink: newSink(st, w, opts.Version)}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	r.cancel = cancel

	// Removals first: they free the item's size budget for what follows.
	var first, second []plan.Change
	for _, c := range p.Changes {
		switch c.Action {
		case plan.NoOp:
		case plan.Cancel, plan.Delete, plan.Forget:
			first = append(first, c)
		default:
			second = append(second, c)
		}
	}
	for _, phase := range [][]plan.Change{first, second} {
		eg := errgroup.Group{}
		eg.SetLimit(opts.Parallelism)
		for _, c := range phase {
			eg.Go(func() error {
				r.do(ctx, c)
				return nil
			})
		}
		_ = eg.Wait()
		if err := context.Cause(ctx); err != nil && r.fatal != nil {
			break
		}
	}
	// Progress hints (bytes an unfinished session confirmed) are saved too,
	// so the next plan shows how far an interrupted upload got.
	if r.fatal == nil {
		if err := r.sink.sync(ctx); err != nil {
			r.fatal = fmt.Errorf("the state could not be saved: %w", err)
		}
	}
	return r.sink.snapshot(), r.result, r.fatal
}

type runner struct {
	g      Graph
	opts   Options
	sink   *sink
	cancel context.CancelCauseFunc

	mu     sync.Mutex // guards result and fatal
	result Result
	fatal  error
}

// do runs one change and accounts for it.
func (r *runner) do(ctx context.Context, c plan.Change) {
	start := r.opts.Now()
	defer func() {
		// A bug in one change must not take the process down with a stack
		// trace before the others have saved their state.
		if p := recover(); p != nil {
			r.fail(c, start, fmt.Errorf("internal error (please report it): %v", p))
		}
	}()
	r.opts.OnEvent(Event{Address: c.Address, Action: c.Action, Phase: Started, Total: total(c)})
	if err := ctx.Err(); err != nil {
		r.fail(c, start, context.Cause(ctx))
		return
	}
	id, err := r.execute(ctx, c)
	if err != nil {
		var se *stateError
		if errors.As(err, &se) {
			r.mu.Lock()
			if r.fatal == nil {
				r.fatal = fmt.Errorf("the state could not be saved; the changes since the last save are not recorded: %w", se.err)
			}
			r.mu.Unlock()
			r.cancel(r.fatal)
		}
		r.fail(c, start, err)
		return
	}
	r.mu.Lock()
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
		r.result.Added++
	case plan.Adopt:
		r.result.Adopted++
	case plan.Cancel:
		r.result.Cancelled++
	case plan.Forget:
		r.result.Forgotten++
	}
	r.mu.Unlock()
	r.opts.OnEvent(Event{Address: c.Address, Action: c.Action, Phase: Finished, ID: id, Elapsed: r.opts.Now().Sub(start), Total: total(c), Sent: total(c)})
}

func (r *runner) fail(c plan.Change, start time.Time, err error) {
	ce := &ChangeError{Address: c.Address, Action: c.Action, Err: err}
	r.mu.Lock()
	r.result.Errors = append(r.result.Errors, ce)
	r.mu.Unlock()
	r.opts.OnEvent(Event{Address: c.Address, Action: c.Action, Phase: Failed, Err: err, Elapsed: r.opts.Now().Sub(start)})
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
		return &stateError{err}
	}
	return nil
}

// execute performs c and returns the Graph id it leaves in place, if any.
func (r *runner) execute(ctx context.Context, c plan.Change) (string, error) {
	switch c.Action {
	case plan.Create, plan.Resume:
		return r.create(ctx, c)
	case plan.Replace:
		return r.replace(ctx, c)
	case plan.Delete:
		return "", r.delete(ctx, c)
	case plan.Cancel:
		return "", r.cancelSession(ctx, c.Session)
	case plan.Adopt:
		return c.AdoptID, r.adopt(ctx, c.After, c.AdoptID)
	case plan.Forget:
		return "", r.record(ctx, func(s *state.State) {
			if c.Deposed {
				s.RemoveDeposed(c.Before.ID)
			} else {
				s.RemoveAttachment(c.Address, c.Before.ID)
			}
		})
	}
	return "", fmt.Errorf("unsupported action %s", c.Action)
}

// replace uploads the new attachment and deletes the old one, in the order
// the plan chose. Create-before-destroy passes through a deposed state so an
// interruption between the steps leaves the old attachment recorded.
func (r *runner) replace(ctx context.Context, c plan.Change) (string, error) {
	old := *c.Before
	if c.DestroyFirst {
		if err := r.delete(ctx, plan.Change{Address: c.Address, Before: &old}); err != nil {
			return "", err
		}
		return r.create(ctx, c)
	}
	id, err := r.upload(ctx, c, func(s *state.State) { s.Depose(old) })
	if err != nil {
		return "", err
	}
	if err := r.delete(ctx, plan.Change{Address: c.Address, Before: &old, Deposed: true}); err != nil {
		return id, fmt.Errorf("the new attachment is in place, but the old one (%s) could not be deleted; the next apply retries: %w", old.Name, err)
	}
	return id, nil
}

func (r *runner) create(ctx context.Context, c plan.Change) (string, error) {
	return r.upload(ctx, c, func(*state.State) {})
}

// delete removes an attachment; one already gone counts as deleted.
func (r *runner) delete(ctx context.Context, c plan.Change) error {
	err := r.g.DeleteAttachment(ctx, plan.Item(c.Before.Target), c.Before.ID)
	if err != nil && !errors.Is(err, graph.ErrNotFound) {
		return err
	}
	if c.Unmanaged {
		return nil
	}
	return r.record(ctx, func(s *state.State) {
		if c.Deposed {
			s.RemoveDeposed(c.Before.ID)
		} else {
			s.RemoveAttachment(c.Address, c.Before.ID)
		}
	})
}

// cancelSession deletes an upload session; an expired or unknown one is
// already as good as cancelled.
func (r *runner) cancelSession(ctx context.Context, s *state.Session) error {
	gs := &graph.UploadSession{Item: plan.Item(s.Target), URL: s.UploadURL, Expires: s.ExpiresAt, Next: s.Confirmed}
	err := r.g.CancelSession(ctx, gs)
	if err != nil && !errors.Is(err, graph.ErrNotFound) && !errors.Is(err, graph.ErrSessionExpired) {
		return err
	}
	return r.record(ctx, func(st *state.State) { st.RemoveSession(s.UploadURL) })
}

// adopt records an attachment already on the item as the one declared.
func (r *runner) adopt(ctx context.Context, d *plan.Desired, id string) error {
	live, err := r.g.GetAttachment(ctx, plan.Item(d.Target), id)
	if err != nil {
		return fmt.Errorf("adopt: %w", err)
	}
	return r.record(ctx, func(s *state.State) { s.SetAttachment(r.recorded(d, live.ID, live.Size)) })
}

func (r *runner) recorded(d *plan.Desired, id string, reported int64) state.Attachment {
	return state.Attachment{
		Address: d.Address, Target: d.Target, ID: id, Name: d.Name, ContentType: d.ContentType,
		Inline: d.Inline, ContentID: d.ContentID, SHA256: d.SHA256, Bytes: d.Bytes,
		ReportedSize: reported, CreatedAt: r.opts.Now().UTC(),
	}
}
