//go:build unix

package azurerm

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/attachform/attachform/internal/azurite"
	"github.com/attachform/attachform/state"
	"github.com/attachform/attachform/state/backend"
)

// deadline bounds each wait of these tests; reaching it is a failure.
const deadline = 45 * time.Second

// within runs f and fails t when it has not returned by the deadline.
func within[T any](t *testing.T, what string, f func() T) T {
	t.Helper()
	ch := make(chan T, 1)
	go func() { ch <- f() }()
	select {
	case v := <-ch:
		return v
	case <-time.After(deadline):
		t.Fatalf("%s did not end within %s", what, deadline)
		panic("unreachable")
	}
}

func ownAzurite(t *testing.T, p *azurite.Process, container, key string) *Backend {
	t.Helper()
	b, err := open(backend.Options{
		Settings: map[string]string{"endpoint": p.Endpoint, "container_name": container, "key": key, "idle_timeout": "1s"},
		Getenv:   func(k string) string { return map[string]string{EnvAccessKey: azurite.Key}[k] },
	})
	if err != nil {
		t.Fatal(err)
	}
	be := b.(*Backend)
	be.LeaseDuration = 15 * time.Second
	be.MinWriteInterval = 0
	return be
}

// Azurite stopped (SIGSTOP) under a holder of the lock: its write fails
// with ErrNoAnswer after three silent attempts, its lock is lost within
// the lease, and Unlock asks the silent store nothing. Once Azurite goes
// on, the lease has run out: another run takes the lock and reads the
// state as last written.
func TestAStoppedStoreEndsTheHoldersCalls(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := azurite.Start(t)
	container := p.Container()
	holder := ownAzurite(t, p, container, "stopped.json")
	info := state.NewLockInfo("apply", "test")
	if err := holder.Lock(ctx, info); err != nil {
		t.Fatal(err)
	}
	if _, err := holder.Read(ctx); err != nil {
		t.Fatal(err)
	}
	s := state.New()
	if err := state.Persist(ctx, holder, s, "test"); err != nil {
		t.Fatal(err)
	}

	p.Stop()
	stopped := time.Now()
	err := within(t, "a write to the stopped store", func() error { return state.Persist(ctx, holder, s.Clone(), "test") })
	if !errors.Is(err, ErrNoAnswer) {
		t.Fatalf("write to a stopped store = %v; want ErrNoAnswer", err)
	}
	t.Logf("write failed after %s", time.Since(stopped))
	within(t, "losing the lock", func() error { <-holder.LockLost(); return nil })
	if err := holder.LockLostErr(); err == nil {
		t.Fatal("the lock is lost without a reason")
	}
	if err := within(t, "Unlock of the lost lock", func() error { return holder.Unlock(ctx, info.ID) }); err != nil {
		t.Fatalf("Unlock of a lock lost to a silent store: %v", err)
	}
	t.Logf("lock lost after %s", time.Since(stopped))
	p.Continue()

	next := ownAzurite(t, p, container, "stopped.json")
	mine := state.NewLockInfo("apply", "test")
	if err := within(t, "the next run's lock", func() error { return state.Acquire(ctx, next, mine, 30*time.Second) }); err != nil {
		t.Fatalf("the next run's lock: %v", err)
	}
	t.Logf("next lock after %s", time.Since(stopped))
	got, err := next.Read(ctx)
	if err != nil || got == nil || got.Lineage != s.Lineage || got.Serial < 1 {
		t.Fatalf("the state after the store went on = %+v, %v; want lineage %s, serial ≥ 1", got, err, s.Lineage)
	}
	if err := next.Unlock(ctx, mine.ID); err != nil {
		t.Fatal(err)
	}
}
