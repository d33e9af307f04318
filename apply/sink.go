package apply

import (
	"context"
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
type sink struct {
	w      state.Writer
	writer string // attachform version recorded in the state

	mu      sync.Mutex // guards st, changed, durable
	st      *state.State
	changed uint64 // generation of the latest change
	durable uint64 // generation of the latest durable write

	writeMu sync.Mutex // one write at a time
}

func newSink(st *state.State, w state.Writer, writer string) *sink {
	return &sink{st: st, w: w, writer: writer}
}

// record applies change to the state and waits until it is persisted.
func (s *sink) record(ctx context.Context, change func(*state.State)) error {
	s.mu.Lock()
	change(s.st)
	s.changed++
	mine := s.changed
	s.mu.Unlock()
	return s.flush(ctx, mine)
}

// sync persists whatever note recorded since the last write.
func (s *sink) sync(ctx context.Context) error {
	s.mu.Lock()
	gen := s.changed
	s.mu.Unlock()
	return s.flush(ctx, gen)
}

// note applies change without waiting for a write; the next record carries
// it. For hints such as an upload's confirmed bytes.
func (s *sink) note(change func(*state.State)) {
	s.mu.Lock()
	change(s.st)
	s.changed++
	s.mu.Unlock()
}

func (s *sink) flush(ctx context.Context, gen uint64) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.Lock()
	if s.durable >= gen {
		s.mu.Unlock()
		return nil
	}
	s.mu.Unlock()
	// A writer that paces its writes (a remote state) is waited for
	// before the snapshot, so the write carries every change recorded in
	// the meantime. The wait is short and not cut by ctx: what finished
	// must still be written.
	if p, ok := s.w.(state.Pacer); ok {
		if wait := time.Until(p.NextWrite()); wait > 0 {
			time.Sleep(wait)
		}
	}
	s.mu.Lock()
	if s.durable >= gen {
		s.mu.Unlock()
		return nil
	}
	snapshot, upTo := s.st.Clone(), s.changed
	s.mu.Unlock()

	// A cancelled run must still record what it finished. Only flush
	// writes, so the live state's serial can follow the snapshot's.
	if err := state.Persist(context.WithoutCancel(ctx), s.w, snapshot, s.writer); err != nil {
		return err
	}
	s.mu.Lock()
	s.durable = upTo
	s.st.Serial, s.st.Writer = snapshot.Serial, snapshot.Writer
	s.mu.Unlock()
	return nil
}

// snapshot returns a copy of the current state.
func (s *sink) snapshot() *state.State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.Clone()
}
