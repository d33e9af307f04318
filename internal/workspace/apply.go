package workspace

import (
	"context"
	"errors"
	"fmt"

	"github.com/attachform/attachform/apply"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/state"
)

// ApplyOptions say how to carry out a plan.
type ApplyOptions struct {
	// Parallelism bounds the changes in flight.
	Parallelism int
	// OnEvent shows progress; it is called from many goroutines at once.
	OnEvent func(apply.Event)
	// Stop closes for a graceful stop: nothing new starts, and requests
	// in flight finish. Cancelling Env.Ctx stops at once.
	Stop <-chan struct{}
	// Ran, when set, is called once the plan's requests are over, before
	// the state's serial is settled: a graceful stop has nothing left to
	// wait for from there.
	Ran func()
}

// Apply carries out p, the approval given, on the workspace's state. The
// state is saved after every finished change. Losing the state lock (a
// lease not renewed) cancels the changes in flight at once: the store may
// have gone, and nothing may wait on it; the error then says so.
//
// When the last state write failed (apply.ErrNotSaved), the state that
// could not be written is kept in ErroredStateFile, and the error says
// where and how to restore it.
func (w *Workspace) Apply(p *plan.Plan, o ApplyOptions) (apply.Result, error) {
	lockLostErr := w.lockLostErr
	if lockLostErr == nil { // a workspace Open did not make: no lock held
		lockLostErr = func() error { return nil }
	}
	st, result, err := apply.Run(w.env.Ctx, p, w.State, w.Backend, w.Client, apply.Options{
		Parallelism: o.Parallelism,
		OnEvent:     o.OnEvent,
		Version:     w.env.Version,
		Stop:        o.Stop,
		LockLost:    w.lockLost,
		LockLostErr: lockLostErr,
	})
	if o.Ran != nil {
		o.Ran()
	}
	if lost := lockLostErr(); lost != nil && err == nil {
		err = fmt.Errorf("the state lock was lost: %w", lost)
	}
	if err == nil {
		err = w.settleSerial(st)
	}
	if errors.Is(err, apply.ErrNotSaved) {
		msg, serr := saveErrored(w.env.Dir, st)
		if serr != nil {
			msg = fmt.Sprintf("Saving it in %s failed too: %v.", ErroredStateFile, serr)
		}
		err = fmt.Errorf("%w\n\n%s", err, msg)
	}
	return result, err
}

// settleSerial makes sure an apply of a plan with changes moved the
// state's serial, even when no change recorded anything (every one
// failed before it could, say): a saved plan is bound to the serial it
// was made against, and so applies at most once.
func (w *Workspace) settleSerial(st *state.State) error {
	before := uint64(0)
	if w.State != nil {
		before = w.State.Serial
	}
	if st == nil || st.Serial > before {
		return nil
	}
	if err := state.Persist(context.WithoutCancel(w.env.Ctx), w.Backend, st, w.env.Version); err != nil {
		return fmt.Errorf("the state could not be saved: %w", err)
	}
	return nil
}
