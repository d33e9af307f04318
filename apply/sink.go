package apply

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/attachform/attachform/state"
)

// sink is the one place concurrent workers change the state. Each record
// returns only once a write containing its change is durable; writes that
// queue up behind one in flight are merged (group commit), so a thousand
// small uploads finishing together do not cost a thousand fsyncs. A writer
// that paces its writes (state.Pacer) sets the rhythm: each write waits for
// its turn, then carries everything recorded until then.
//
// A record waits for its write; apply does not: it hands the change to
// the sink's writer, which writes whenever something is left unwritten,
// paced as above, and await waits for it later. Outcomes go that way, so
// that a change that finished holds no slot while its outcome is written
// (group commit of outcomes), while what must be durable before a request
// (an intent, a session) is recorded and waited for.
//
// Writes are not cut by the run's context (what finished must still be
// written) but by the sink's own, which abandon ends: once the lock is lost
// nothing waits on a store that has gone. The first write that fails fails
// every record after it at once; finish makes one last bounded attempt.
type sink struct {
	w      state.Writer
	writer string // attachform version recorded in the state

	mu      sync.Mutex // guards st, changed, durable, failed
	written *sync.Cond // on mu: broadcast when durable or failed moves
	st      *state.State
	changed uint64 // generation of the latest change
	durable uint64 // generation of the latest durable write
	failed  error  // the write that failed; nothing is written after it but by finish

	writeMu  sync.Mutex // one write at a time
	writeCtx context.Context
	abandon  context.CancelCauseFunc

	kick    chan struct{} // wakes the writer; closed by close
	stopped chan struct{} // closed when the writer has ended
}

// newSink returns a sink writing st through w; waiting, when not nil, is
// told while a write has had no answer from the store for a while (see
// state.WithWaitObserver).
func newSink(st *state.State, w state.Writer, writer string, waiting func(time.Duration)) *sink {
	ctx, abandon := context.WithCancelCause(context.Background())
	if waiting != nil {
		ctx = state.WithWaitObserver(ctx, waiting)
	}
	s := &sink{st: st, w: w, writer: writer, writeCtx: ctx, abandon: abandon,
		kick: make(chan struct{}, 1), stopped: make(chan struct{})}
	s.written = sync.NewCond(&s.mu)
	go s.run()
	return s
}

// run is the sink's writer: it writes whatever apply left unwritten.
func (s *sink) run() {
	defer close(s.stopped)
	for range s.kick {
		s.mu.Lock()
		gen := s.changed
		s.mu.Unlock()
		_ = s.flush(gen) // a failure is kept in s.failed for every waiter
	}
}

// close ends the writer once it has written what it was woken for.
func (s *sink) close() {
	close(s.kick)
	<-s.stopped
}

// apply applies change to the state and has the writer write it, without
// waiting: it returns the change's generation for await, and the error of
// a write that failed before (nothing is written after it).
func (s *sink) apply(change func(*state.State)) (uint64, error) {
	s.mu.Lock()
	change(s.st)
	s.changed++
	gen, failed := s.changed, s.failed
	s.mu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default: // the writer is woken already and takes this with the rest
	}
	return gen, failed
}

// await waits until generation gen is durable, or a write failed.
func (s *sink) await(gen uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.durable < gen && s.failed == nil {
		s.written.Wait()
	}
	if s.durable >= gen {
		return nil
	}
	return s.failed
}

// record applies change to the state and waits until it is persisted.
func (s *sink) record(ctx context.Context, change func(*state.State)) error {
	s.mu.Lock()
	change(s.st)
	s.changed++
	mine := s.changed
	s.mu.Unlock()
	return s.flush(mine)
}

// sync persists whatever note recorded since the last write.
func (s *sink) sync() error {
	s.mu.Lock()
	gen := s.changed
	s.mu.Unlock()
	return s.flush(gen)
}

// note applies change without waiting for a write; the next record carries
// it. For hints such as an upload's confirmed bytes.
func (s *sink) note(change func(*state.State)) {
	s.mu.Lock()
	change(s.st)
	s.changed++
	s.mu.Unlock()
}

// done reports whether generation gen is durable, or the error that keeps
// it from becoming so.
func (s *sink) done(gen uint64) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.durable >= gen {
		return true, nil
	}
	return false, s.failed
}

func (s *sink) flush(gen uint64) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if ok, err := s.done(gen); ok || err != nil {
		return err
	}
	// A writer that paces its writes (a remote state) is waited for
	// before the snapshot, so the write carries every change recorded in
	// the meantime.
	if p, ok := s.w.(state.Pacer); ok {
		if wait := time.Until(p.NextWrite()); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-s.writeCtx.Done():
				t.Stop()
			}
		}
	}
	if ok, err := s.done(gen); ok || err != nil {
		return err
	}
	if err := s.write(s.writeCtx); err != nil {
		s.fail(err)
		return err
	}
	return nil
}

// fail keeps the first failure, which every later record and await gets.
func (s *sink) fail(err error) {
	s.mu.Lock()
	if s.failed == nil {
		s.failed = err
	}
	s.written.Broadcast()
	s.mu.Unlock()
}

// write persists everything recorded so far. Caller holds writeMu.
func (s *sink) write(ctx context.Context) error {
	s.mu.Lock()
	snapshot, upTo := s.st.Clone(), s.changed
	s.mu.Unlock()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	// Only write writes, so the live state's serial can follow the
	// snapshot's.
	if err := state.Persist(ctx, s.w, snapshot, s.writer); err != nil {
		return err
	}
	s.mu.Lock()
	s.durable = max(s.durable, upTo)
	s.st.Serial, s.st.Writer = snapshot.Serial, snapshot.Writer
	s.written.Broadcast()
	s.mu.Unlock()
	return nil
}

// stopWriting abandons the write in flight and every later one (the lock
// is lost): records waiting for them fail with cause.
func (s *sink) stopWriting(cause error) {
	s.abandon(cause)
	s.fail(cause)
}

// finish makes what is recorded durable: a last write when anything is
// left unwritten, even after a write failed or writing was stopped (the
// store may answer again, and a lost lock may still let a write through
// its conditions), bounded by within. It returns nil when everything
// recorded is durable, else why not.
func (s *sink) finish(within time.Duration) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.Lock()
	left, failed := s.durable < s.changed, s.failed
	s.mu.Unlock()
	if !left {
		return nil
	}
	ctx, cancel := context.WithTimeoutCause(context.Background(), within,
		fmt.Errorf("the last write of the state did not end within %s", within))
	defer cancel()
	if obs := state.WaitObserverOf(s.writeCtx); obs != nil {
		ctx = state.WithWaitObserver(ctx, obs)
	}
	err := s.write(ctx)
	if err == nil {
		return nil
	}
	if failed != nil && !errors.Is(err, failed) && err.Error() != failed.Error() {
		err = fmt.Errorf("%w (and the last attempt: %v)", failed, err)
	}
	return err
}

// snapshot returns a copy of the current state.
func (s *sink) snapshot() *state.State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.Clone()
}
