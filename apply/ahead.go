package apply

import (
	"context"
	"sync"

	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/state"
	"github.com/google/uuid"
)

// Intents are written ahead, in groups: the first change that needs its
// intent writes it together with the intents of the next aheadGroup
// changes expected to start, and once fewer than aheadLow written intents
// are left unused the next group is written without anyone waiting. So a
// change about to create usually finds its intent durable already, and a
// store that takes a write a second (azurerm) costs a write per group, not
// a wait per change. An intent nothing used is removed by the run's last
// write, or, if the run is killed first, forgotten by the next plan.
const (
	aheadGroup = 2 * activeChanges
	aheadLow   = activeChanges
)

// aheadIntents hands out the intents written ahead.
type aheadIntents struct {
	sink *sink

	mu      sync.Mutex
	order   []*aheadIntent // in the order changes are expected to start
	byAddr  map[string]*aheadIntent
	next    int // order[next:] are not written yet
	written int // written and not taken
}

type aheadIntent struct {
	x     state.Intent
	gen   uint64 // the sink generation that records it; 0 = not yet
	taken bool
}

// newAheadIntents prepares an intent for each change in order that
// uploads (creates or replaces without adopting or resuming).
func newAheadIntents(s *sink, order []plan.Change, intent func(*plan.Desired) state.Intent) *aheadIntents {
	a := &aheadIntents{sink: s, byAddr: map[string]*aheadIntent{}}
	for _, c := range order {
		if (c.Action != plan.Create && c.Action != plan.Replace) || c.After == nil || c.AdoptID != "" || c.Session != nil {
			continue
		}
		if _, dup := a.byAddr[c.Address]; dup {
			continue
		}
		e := &aheadIntent{x: intent(c.After)}
		a.byAddr[c.Address] = e
		a.order = append(a.order, e)
	}
	return a
}

// take returns the intent written ahead for d, waiting until it is
// durable; ok is false when there is none (the change records its own).
func (a *aheadIntents) take(d *plan.Desired) (x state.Intent, ok bool, err error) {
	a.mu.Lock()
	e := a.byAddr[d.Address]
	if e == nil || e.taken || e.x.SHA256 != d.SHA256 || e.x.Target != d.Target || e.x.Name != d.Name {
		a.mu.Unlock()
		return state.Intent{}, false, nil
	}
	e.taken = true
	if e.gen == 0 {
		// Not written yet: this one and the next group, in one write.
		err = a.writeGroup(e)
	} else {
		a.written--
		if a.written < aheadLow && a.next < len(a.order) {
			err = a.writeGroup(nil)
		}
	}
	gen := e.gen
	a.mu.Unlock()
	if err != nil {
		return state.Intent{}, false, err
	}
	if err := a.sink.await(gen); err != nil {
		return state.Intent{}, false, err
	}
	return e.x, true, nil
}

// writeGroup has the sink write first (when not nil) and the next
// aheadGroup intents not written yet, without waiting. Caller holds a.mu.
func (a *aheadIntents) writeGroup(first *aheadIntent) error {
	var group []*aheadIntent
	if first != nil {
		group = append(group, first)
	}
	for ; a.next < len(a.order) && len(group) < aheadGroup; a.next++ {
		if e := a.order[a.next]; e.gen == 0 && e != first {
			group = append(group, e)
		}
	}
	if len(group) == 0 {
		return nil
	}
	gen, err := a.sink.apply(func(s *state.State) {
		for _, e := range group {
			s.AddIntent(e.x)
		}
	})
	for _, e := range group {
		e.gen = gen
		if !e.taken {
			a.written++
		}
	}
	return err
}

// forgetUnused removes from the state the intents written ahead that no
// change took (the run stopped, or a change failed before its request).
func (a *aheadIntents) forgetUnused() {
	a.mu.Lock()
	var unused []string
	for _, e := range a.order {
		if e.gen != 0 && !e.taken {
			unused = append(unused, e.x.ID)
			e.taken = true
		}
	}
	a.mu.Unlock()
	if len(unused) == 0 {
		return
	}
	_, _ = a.sink.apply(func(s *state.State) {
		for _, id := range unused {
			s.RemoveIntent(id)
		}
	})
}

// newIntent is the intent of creating d, with a fresh id.
func (r *runner) newIntent(d *plan.Desired) state.Intent {
	return state.Intent{ID: uuid.NewString(), Address: d.Address, Target: d.Target, Descriptor: d.Descriptor, CreatedAt: r.opts.Now().UTC()}
}

// announce makes sure, before the request that may create d, that the
// state durably records the intent to create it: one written ahead, or
// its own. The returned func removes the intent; the write that records
// the outcome calls it.
func (r *runner) announce(ctx context.Context, d *plan.Desired) (func(*state.State), error) {
	x, ok, err := r.ahead.take(d)
	if err != nil {
		r.stateFailed(err)
		return nil, &stateError{err}
	}
	if !ok {
		x = r.newIntent(d)
		if err := r.record(ctx, func(s *state.State) { s.AddIntent(x) }); err != nil {
			return nil, err
		}
	}
	return func(s *state.State) { s.RemoveIntent(x.ID) }, nil
}
