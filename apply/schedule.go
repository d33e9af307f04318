package apply

import (
	"context"
	"strings"
	"sync"

	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/plan"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"
)

// Graph, not this machine, sets an apply's pace: a few requests in flight
// and a budget of requests and uploaded bytes per window, per mailbox. So
// changes are scheduled per mailbox, and mailboxes proceed independently:
// one whose budget is spent waits for its next window while the others go
// on.
//
//   - Each mailbox works through its changes in address order, removals
//     first (they free the item's size budget for what follows), with at
//     most mailboxChanges of them under way: its requests in flight are
//     bounded by its concurrency anyway (4), and a few more changes keep
//     them busy while others write the state.
//   - Options.Parallelism bounds the Graph requests actually in flight
//     across all mailboxes (graph.WithParallelism). A request takes its
//     place there only once its mailbox's budget and concurrency let it go,
//     so a change waiting for its mailbox holds nothing another mailbox
//     could use.
//   - At most activeChanges changes are under way in all, which bounds open
//     files and goroutines however many mailboxes a plan touches.
const (
	mailboxChanges = 8
	activeChanges  = 256
)

// mailboxOf is the mailbox whose limits a change spends first: its new
// attachment's, else its old one's or its session's.
func mailboxOf(c plan.Change) string {
	switch {
	case c.After != nil:
		return strings.ToLower(c.After.Target.Mailbox)
	case c.Before != nil:
		return strings.ToLower(c.Before.Target.Mailbox)
	case c.Session != nil:
		return strings.ToLower(c.Session.Target.Mailbox)
	}
	return ""
}

// removal reports whether c removes something (runs before its mailbox's
// uploads).
func removal(c plan.Change) bool {
	switch c.Action {
	case plan.Cancel, plan.Delete, plan.Forget:
		return true
	}
	return false
}

// schedule runs changes per mailbox and returns when all have ended.
func (r *runner) schedule(ctx context.Context, changes []plan.Change) {
	type queue struct{ first, second []plan.Change }
	queues := map[string]*queue{}
	var order []string
	for _, c := range changes {
		if c.Action == plan.NoOp {
			continue
		}
		mb := mailboxOf(c)
		q := queues[mb]
		if q == nil {
			q = &queue{}
			queues[mb] = q
			order = append(order, mb)
		}
		if removal(c) {
			q.first = append(q.first, c)
		} else {
			q.second = append(q.second, c)
		}
	}
	r.ahead = newAheadIntents(r.sink, startOrder(order, func(mb string) []plan.Change { return queues[mb].second }), r.newIntent)
	ctx = graph.WithParallelism(ctx, r.opts.Parallelism)
	active := semaphore.NewWeighted(int64(max(activeChanges, r.opts.Parallelism)))
	perMailbox := min(r.opts.Parallelism, mailboxChanges)
	var wg sync.WaitGroup
	for _, mb := range order {
		q := queues[mb]
		wg.Go(func() {
			for _, phase := range [][]plan.Change{q.first, q.second} {
				var eg errgroup.Group
				eg.SetLimit(perMailbox)
				for _, c := range phase {
					if r.halted(ctx) {
						r.unfinished(c.Address)
						continue
					}
					eg.Go(func() error {
						if err := active.Acquire(ctx, 1); err != nil {
							r.unfinished(c.Address)
							return nil
						}
						defer active.Release(1)
						r.do(r.observed(ctx, c), c)
						return nil
					})
				}
				_ = eg.Wait()
			}
		})
	}
	wg.Wait()
}

// startOrder is the order in which the changes of the mailboxes' queues
// are expected to start: mailboxes proceed side by side, so their queues
// interleave, one change of each in turn.
func startOrder(mailboxes []string, queue func(string) []plan.Change) []plan.Change {
	var out []plan.Change
	for i := 0; ; i++ {
		more := false
		for _, mb := range mailboxes {
			if q := queue(mb); i < len(q) {
				out = append(out, q[i])
				more = true
			}
		}
		if !more {
			return out
		}
	}
}

// observed returns ctx for c's requests: their waits for a mailbox's
// budget, and for a Graph that answers nothing, become Waiting events of c.
func (r *runner) observed(ctx context.Context, c plan.Change) context.Context {
	ctx = graph.WithBudgetObserver(ctx, func(w graph.BudgetWait) {
		r.opts.OnEvent(Event{Address: c.Address, Action: c.Action, Phase: Waiting, Mailbox: w.Mailbox, Budget: w.Budget, Until: w.Until, Total: total(c)})
	})
	return graph.WithSilenceObserver(ctx, func(s graph.Silence) {
		r.opts.OnEvent(Event{Address: c.Address, Action: c.Action, Phase: Waiting, WaitingFor: "Graph", Since: s.Since, Total: total(c)})
	})
}
