package apply

import (
	"context"

	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/state"
)

// A change's outcome (what it created, deleted or forgot) is recorded
// without holding its slot: the change hands it to the sink, reports
// Finished (Graph did it) and returns, and its mailbox starts the next one
// while the outcome waits for a write that carries many (group commit).
// The change is counted in the Result only once that write is durable; if
// it fails, the run ends and the state it returns (the CLI's
// errored.state.json) holds the outcome. Nothing is promised before the
// write that a lost outcome would break: what a create made is covered by
// its intent, written before the request, and the next plan adopts it;
// what a delete removed is found gone.

// outcomeKey holds a change's *outcome in its context.
type outcomeKey struct{}

// outcome is the generation of a change's last outcome, 0 for none yet.
type outcome struct{ gen uint64 }

// withOutcome returns ctx under which final records of the change go
// through settle, and the outcome they fill.
func withOutcome(ctx context.Context) (context.Context, *outcome) {
	o := &outcome{}
	return context.WithValue(ctx, outcomeKey{}, o), o
}

// withoutOutcome returns ctx under which every record waits: the steps of
// a change whose next step relies on its record (a replacement deposes
// the old attachment before deleting it).
func withoutOutcome(ctx context.Context) context.Context {
	return context.WithValue(ctx, outcomeKey{}, (*outcome)(nil))
}

// settle records a change's outcome: without waiting under withOutcome,
// else as record does.
func (r *runner) settle(ctx context.Context, change func(*state.State)) error {
	o, _ := ctx.Value(outcomeKey{}).(*outcome)
	if o == nil {
		return r.record(ctx, change)
	}
	gen, err := r.sink.apply(change)
	if err != nil {
		r.stateFailed(err)
		return &stateError{err}
	}
	o.gen = max(o.gen, gen)
	return nil
}

// finished counts c once its outcome is durable: at once when it recorded
// none, else from a goroutine of r.waiting that awaits the write.
func (r *runner) finished(c plan.Change, o *outcome) {
	if o.gen == 0 {
		r.counted(c)
		return
	}
	r.waiting.Go(func() {
		if err := r.sink.await(o.gen); err != nil {
			r.stateFailed(err)
			return
		}
		r.counted(c)
	})
}
