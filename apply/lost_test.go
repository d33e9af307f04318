package apply_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attachform/attachform/apply"
	"github.com/attachform/attachform/state"
)

// hangingWriter is a state store that takes n writes and then answers
// nothing: later writes wait until their context ends. hung is closed when
// the first of them starts.
type hangingWriter struct {
	w    state.Writer
	hung chan struct{}

	mu     sync.Mutex
	n      int
	closed bool
}

func (h *hangingWriter) Write(ctx context.Context, s *state.State) error {
	h.mu.Lock()
	if h.n > 0 {
		h.n--
		h.mu.Unlock()
		return h.w.Write(ctx, s)
	}
	if !h.closed {
		h.closed = true
		close(h.hung)
	}
	h.mu.Unlock()
	<-ctx.Done()
	return context.Cause(ctx)
}

// The lock is lost while a write to a store that answers nothing is in
// flight, with changes waiting on it: Run ends at once, the changes in
// flight cancelled and reported unfinished, nothing waiting on the silent
// store beyond the last write's bound, and its error says the state could
// not be saved (the caller keeps the state it returns) because the lock
// was lost.
func TestALostLockEndsTheRunWhileAWriteHangs(t *testing.T) {
	e := newEnv(t)
	var names []string
	for i := range 12 {
		name := fmt.Sprintf("files/f%02d.txt", i)
		e.write(name, []byte(name))
		names = append(names, name)
	}
	e.manifest(names...)
	p, st := e.plan()
	w := &hangingWriter{w: e.backend, hung: make(chan struct{}), n: 1}
	lost := make(chan struct{})
	go func() {
		<-w.hung
		close(lost)
	}()
	type outcome struct {
		st  *state.State
		res apply.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		st, res, err := apply.Run(context.Background(), p, st, w, e.client, apply.Options{
			Parallelism: 2, Now: e.clock.Now, LockLost: lost, FinalWrite: 100 * time.Millisecond,
			LockLostErr: func() error { return errors.New("the lease was broken") },
		})
		done <- outcome{st, res, err}
	}()
	var o outcome
	select {
	case o = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not end within 30 s of losing its lock while a state write hung")
	}
	if !errors.Is(o.err, apply.ErrNotSaved) || !strings.Contains(o.err.Error(), "the state lock was lost: the lease was broken") {
		t.Fatalf("Run's error = %v; want ErrNotSaved saying the lock was lost", o.err)
	}
	if len(o.res.Unfinished) == 0 || o.res.Added != 0 {
		t.Errorf("result %+v: want changes left unfinished, none counted added (nothing after the first write was durable)", o.res)
	}
	if o.st == nil || len(o.st.Intents)+len(o.st.Attachments) == 0 {
		t.Errorf("the returned state records nothing of what the run did: %+v", o.st)
	}
}
