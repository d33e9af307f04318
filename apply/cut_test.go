package apply_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/attachform/attachform/apply"
	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/item"
	"github.com/attachform/attachform/state"
)

// failOutcomeWriter fails the first write that records the attachment
// named outcome, once the POST of heldName is in flight (inFlight closed),
// and every write after it: a kill that lands on a write of one change's
// outcome while the next change's request is under way.
type failOutcomeWriter struct {
	w        state.Writer
	outcome  string
	inFlight <-chan struct{}

	mu   sync.Mutex
	dead bool
}

func (f *failOutcomeWriter) Write(ctx context.Context, s *state.State) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.dead && !hasAttachment(s, f.outcome) {
		return f.w.Write(ctx, s)
	}
	if !f.dead {
		<-f.inFlight
		f.dead = true
	}
	return errKilled
}

func hasAttachment(s *state.State, name string) bool {
	for _, a := range s.Attachments {
		if a.Name == name {
			return true
		}
	}
	return false
}

// lateGraph is the real client, except that the POST of held is in flight
// for a while: inFlight is closed when it is sent. Cut by the run's
// context meanwhile, it takes effect on Graph all the same, but only when
// land is called (the service was still working on it when the client
// went away), as a request whose body Graph had received does.
type lateGraph struct {
	apply.Graph
	held     string
	inFlight chan struct{}

	mu   sync.Mutex
	late func()
}

func (g *lateGraph) AddSmall(ctx context.Context, it item.Ref, a graph.NewAttachment, r io.Reader) (graph.Attachment, error) {
	if a.Name != g.held {
		return g.Graph.AddSmall(ctx, it, a, r)
	}
	close(g.inFlight)
	body, err := io.ReadAll(r)
	if err != nil {
		return graph.Attachment{}, err
	}
	// A run that cuts its requests does so as soon as the write fails;
	// one that lets them finish never does. A second without a cut is
	// plenty to tell the two apart.
	select {
	case <-ctx.Done():
		g.mu.Lock()
		g.late = func() { _, _ = g.Graph.AddSmall(context.Background(), it, a, bytes.NewReader(body)) }
		g.mu.Unlock()
		return graph.Attachment{}, ctx.Err()
	case <-time.After(time.Second):
	}
	return g.Graph.AddSmall(ctx, it, a, bytes.NewReader(body))
}

// land lets a cut POST take effect, if there was one.
func (g *lateGraph) land() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.late == nil {
		return false
	}
	g.late()
	return true
}

// A state write that fails while another change's POST is in flight must
// not cut that POST: the request was sent, and Graph may create the
// attachment after the run returned and after the next plan looked on the
// item, and the next apply would upload it a second time. Group commit
// makes this the common case: the write that fails is the previous
// change's outcome, written while the next change has started.
func TestFailedWriteLetsThePostInFlightFinish(t *testing.T) {
	e := newEnv(t)
	e.write("files/x.txt", content(400, 1))
	e.write("files/y.txt", content(600, 2))
	e.manifest("files/x.txt", "files/y.txt")
	p, st := e.plan()
	g := &lateGraph{Graph: e.client, held: "y.txt", inFlight: make(chan struct{})}
	w := &failOutcomeWriter{w: e.backend, outcome: "x.txt", inFlight: g.inFlight}
	returned, _, err := apply.Run(context.Background(), p, st, w, g, apply.Options{Parallelism: 1, Now: e.clock.Now})
	if !errors.Is(err, errKilled) {
		t.Fatalf("the apply ended with %v, want the failed write", err)
	}
	if !hasAttachment(returned, "y.txt") {
		t.Errorf("the state the run returns does not record y.txt, whose POST was in flight when the write failed")
	}
	// The next run, as soon as this one ended: its plan looks on the item
	// before anything cut could have landed.
	next, nextSt := e.plan()
	if g.land() {
		t.Log("the POST of y.txt was cut by the failed write and landed after the next plan")
	}
	if _, res, err := apply.Run(context.Background(), next, nextSt, e.backend, e.client, apply.Options{Parallelism: 1, Now: e.clock.Now}); err != nil || len(res.Errors) > 0 {
		t.Fatalf("apply after the failed write: %v %v", err, res.Errors)
	}
	holds := e.graphHolds() // fails on a name attached twice
	if len(holds) != 2 {
		t.Errorf("Graph holds %v, want x.txt and y.txt once each", holds)
	}
}
