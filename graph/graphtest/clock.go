// Package graphtest holds test doubles for the graph client's seams, for
// the tests of the packages that drive it.
package graphtest

import (
	"context"
	"sync"
	"time"
)

// GateClock is a graph.Clock that stands still: a wait for a mailbox's
// next window blocks until the test calls Open, then ends where it was to
// end. Waiting receives a value when a wait begins, so a test knows the
// client is parked on the clock rather than on the network.
type GateClock struct {
	Waiting chan struct{}

	mu   sync.Mutex
	t    time.Time
	open chan struct{}
	once sync.Once
}

// NewGateClock is a closed gate at t.
func NewGateClock(t time.Time) *GateClock {
	return &GateClock{t: t, Waiting: make(chan struct{}, 1), open: make(chan struct{})}
}

func (c *GateClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *GateClock) SleepUntil(ctx context.Context, t time.Time) error {
	select {
	case c.Waiting <- struct{}{}:
	default:
	}
	select {
	case <-c.open:
	case <-ctx.Done():
		return ctx.Err()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.t) {
		c.t = t
	}
	return nil
}

// Open lets every wait, now and later, end at once.
func (c *GateClock) Open() { c.once.Do(func() { close(c.open) }) }
