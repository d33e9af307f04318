package apply

import (
	"context"
	"errors"
	"fmt"

	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/state"
)

// execute performs c and returns the Graph id it leaves in place, if any.
// The write that records c's outcome also settles what c resolves: its
// intents and its session leave the state with it.
func (r *runner) execute(ctx context.Context, c plan.Change) (string, error) {
	settle := func(s *state.State) {
		for _, id := range c.Intents {
			s.RemoveIntent(id)
		}
		if c.Session != nil {
			s.RemoveSession(c.Session.ID)
		}
	}
	switch c.Action {
	case plan.Create, plan.Resume:
		if c.AdoptID != "" {
			return c.AdoptID, r.adopt(ctx, c.After, c.AdoptID, settle)
		}
		return r.upload(ctx, c, settle)
	case plan.Replace:
		return r.replace(ctx, c, settle)
	case plan.Delete:
		return "", r.delete(ctx, c, settle)
	case plan.Cancel:
		return "", r.cancelSession(ctx, c.Session, settle)
	case plan.Adopt:
		return c.AdoptID, r.adopt(ctx, c.After, c.AdoptID, settle)
	case plan.Forget:
		return "", r.settle(ctx, func(s *state.State) {
			settle(s)
			forget(s, c)
		})
	}
	return "", fmt.Errorf("unsupported action %s", c.Action)
}

// forget drops what c.Before recorded, if anything.
func forget(s *state.State, c plan.Change) {
	switch {
	case c.Before == nil || c.Unmanaged || c.Orphan:
	case c.Deposed:
		s.RemoveDeposed(c.Before.ID)
	default:
		s.RemoveAttachment(c.Address, c.Before.ID)
	}
}

// replace puts the new attachment in place (uploaded, or adopted when an
// identical one is already there) and deletes the old one, in the order
// the plan chose. Create-before-destroy passes through a deposed state so
// an interruption between the steps leaves the old attachment recorded.
func (r *runner) replace(ctx context.Context, c plan.Change, settle func(*state.State)) (string, error) {
	old := *c.Before
	if c.DestroyFirst {
		if err := r.delete(ctx, plan.Change{Address: c.Address, Before: &old}, func(*state.State) {}); err != nil {
			return "", err
		}
		if c.AdoptID != "" {
			return c.AdoptID, r.adopt(ctx, c.After, c.AdoptID, settle)
		}
		return r.upload(ctx, c, settle)
	}
	depose := func(s *state.State) {
		settle(s)
		s.Depose(old)
	}
	// The old attachment is deleted only once the state records it
	// deposed: that record is waited for.
	id := c.AdoptID
	var err error
	if id != "" {
		err = r.adopt(withoutOutcome(ctx), c.After, id, depose)
	} else {
		id, err = r.upload(withoutOutcome(ctx), c, depose)
	}
	if err != nil {
		return "", err
	}
	if r.winding() {
		// The deposed attachment is recorded; the next apply deletes it.
		return id, fmt.Errorf("the new attachment is in place; deleting the old one (%s) is left for the next apply: %w", old.Name, ErrStopped)
	}
	if err := r.delete(ctx, plan.Change{Address: c.Address, Before: &old, Deposed: true}, func(*state.State) {}); err != nil {
		return id, fmt.Errorf("the new attachment is in place, but the old one (%s) could not be deleted; the next apply retries: %w", old.Name, err)
	}
	return id, nil
}

// delete removes an attachment; one already gone counts as deleted.
func (r *runner) delete(ctx context.Context, c plan.Change, settle func(*state.State)) error {
	err := r.g.DeleteAttachment(ctx, c.Before.Target, c.Before.ID)
	if err != nil && !errors.Is(err, graph.ErrNotFound) {
		return err
	}
	if (c.Unmanaged || c.Orphan) && len(c.Intents) == 0 && c.Session == nil {
		return nil // nothing in the state speaks of it
	}
	return r.settle(ctx, func(s *state.State) {
		settle(s)
		forget(s, c)
	})
}

// cancelSession deletes an upload session; an expired or unknown one is
// already as good as cancelled.
func (r *runner) cancelSession(ctx context.Context, ps *plan.Session, settle func(*state.State)) error {
	s, err := r.recordedSession(ps)
	if err != nil {
		return err
	}
	gs := plan.UploadSession(s.Target, s)
	err = r.g.CancelSession(ctx, gs)
	if err != nil && !errors.Is(err, graph.ErrNotFound) && !errors.Is(err, graph.ErrSessionExpired) {
		return err
	}
	return r.settle(ctx, settle)
}

// recordedSession finds the session a plan names in the run's state, where
// its upload URL is kept.
func (r *runner) recordedSession(ps *plan.Session) (state.Session, error) {
	s, ok := r.sink.snapshot().Session(ps.ID)
	if !ok {
		return state.Session{}, fmt.Errorf("the upload session for %s is no longer in the state; run plan again", ps.Address)
	}
	return s, nil
}

// adopt records an attachment already on the item as the one declared,
// together with also in one write.
func (r *runner) adopt(ctx context.Context, d *plan.Desired, id string, also func(*state.State)) error {
	live, err := r.g.GetAttachment(ctx, d.Target, id)
	if err != nil {
		return fmt.Errorf("adopt: %w", err)
	}
	return r.settle(ctx, func(s *state.State) {
		also(s)
		s.SetAttachment(r.recorded(d, live.ID, live.Size))
	})
}

func (r *runner) recorded(d *plan.Desired, id string, reported int64) state.Attachment {
	return state.Attachment{
		Address: d.Address, Target: d.Target, TargetLabel: d.TargetLabel, ID: id, Descriptor: d.Descriptor,
		ReportedSize: reported, CreatedAt: r.opts.Now().UTC(),
	}
}
