package graph

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"
)

// flow bounds the requests in flight of one operation (an apply) across
// every mailbox. A request takes its place in it last, after its
// mailbox's budgets and concurrency slot, and holds it until its answer
// is read: whatever waits for a mailbox holds no place another mailbox
// could use.
type flow struct{ sem *semaphore.Weighted }

type flowKey struct{}

// WithParallelism returns a context under which at most n requests of the
// client are in flight at once, across every mailbox, counting every call
// made with it or a context derived from it. n <= 0 leaves ctx unbounded.
func WithParallelism(ctx context.Context, n int) context.Context {
	if n <= 0 {
		return ctx
	}
	return context.WithValue(ctx, flowKey{}, &flow{sem: semaphore.NewWeighted(int64(n))})
}

func flowFrom(ctx context.Context) *flow {
	f, _ := ctx.Value(flowKey{}).(*flow)
	return f
}

// acquire takes a place (nil: unbounded) and returns what gives it back.
func (f *flow) acquire(ctx context.Context) (func(), error) {
	if f == nil {
		return func() {}, nil
	}
	if err := f.sem.Acquire(ctx, 1); err != nil {
		return nil, err
	}
	var once sync.Once
	return func() { once.Do(func() { f.sem.Release(1) }) }, nil
}

// What a request waits for, in BudgetWait.Budget.
const (
	BudgetUpload     = "upload"      // the mailbox's upload bytes per window
	BudgetRequests   = "requests"    // the mailbox's requests per window
	BudgetRetryAfter = "retry-after" // a pause Graph asked for (429 Retry-After)
)

// BudgetWait is a request held back because its mailbox's budget for the
// current window is spent (or Graph asked the mailbox to pause): nothing
// is wrong, the request goes out when the next window opens.
type BudgetWait struct {
	Mailbox string
	Budget  string        // BudgetUpload, BudgetRequests or BudgetRetryAfter
	Bytes   int64         // what the request uploads
	Until   time.Time     // when it may go, on the limits' clock
	For     time.Duration // how long that is from when the wait began
}

type budgetKey struct{}

// WithBudgetObserver returns a context whose requests tell observe when
// they start waiting for their mailbox's budget; observe is called from
// the waiting request's goroutine, once per wait.
func WithBudgetObserver(ctx context.Context, observe func(BudgetWait)) context.Context {
	return context.WithValue(ctx, budgetKey{}, observe)
}

func budgetObserverFrom(ctx context.Context) func(BudgetWait) {
	if f, ok := ctx.Value(budgetKey{}).(func(BudgetWait)); ok && f != nil {
		return f
	}
	return func(BudgetWait) {}
}
