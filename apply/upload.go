package apply

import (
	"context"
	"errors"
	"fmt"
	"github.com/attachform/attachform/content"
	"github.com/attachform/attachform/item"
	"io"

	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/state"
)

// progressEvery is how many confirmed bytes an upload may hold before its
// progress is written durably, so a killed run's next plan knows roughly
// how far it got even where the upload URL cannot be asked.
const progressEvery = 16 << 20

// upload puts c.After on its item — one POST when small, else an upload
// session, resuming c.Session when the plan says so — and records it
// together with also in one state write. It never uploads what may
// already be there: after a lost answer or a vanished session it looks on
// the item first.
func (r *runner) upload(ctx context.Context, c plan.Change, also func(*state.State)) (string, error) {
	d := c.After
	src, err := openSource(d, r.fingerprints)
	if err != nil {
		return "", err
	}
	defer src.Close()
	it := d.Target

	var att graph.Attachment
	var settle func(*state.State)
	if c.Session == nil && d.Bytes < d.Target.Kind.Traits().SmallMax {
		att, settle, err = r.small(ctx, it, d, src)
	} else {
		att, settle, err = r.session(ctx, c, it, d, src)
	}
	if err != nil {
		return "", err
	}
	err = r.settle(ctx, func(s *state.State) {
		also(s)
		settle(s)
		s.SetAttachment(r.recorded(d, att.ID, att.Size))
	})
	return att.ID, err
}

func newAttachment(d *plan.Desired) graph.NewAttachment {
	return graph.NewAttachment{Name: d.Name, ContentType: d.ContentType, Size: d.Bytes, Inline: d.Inline, ContentID: d.ContentID}
}

// refused reports whether err proves a create request took no effect:
// Graph answered with an error, or our own reader cut the body short.
func refused(err error) bool {
	var ge *graph.Error
	return !errors.Is(err, graph.ErrAmbiguous) && (errors.As(err, &ge) || errors.Is(err, ErrSourceChanged))
}

// small sends one POST under an intent. If its answer was lost, the
// attachment may exist: look before sending again.
func (r *runner) small(ctx context.Context, it item.Ref, d *plan.Desired, src *source) (graph.Attachment, func(*state.State), error) {
	settle, err := r.announce(ctx, d)
	if err != nil {
		return graph.Attachment{}, nil, err
	}
	post := func() (graph.Attachment, error) {
		return r.g.AddSmall(ctx, it, newAttachment(d), io.NewSectionReader(src, 0, d.Bytes))
	}
	att, err := post()
	if errors.Is(err, graph.ErrAmbiguous) {
		found, ferr := r.findIdentical(ctx, it, d)
		switch {
		case ferr != nil:
			// The intent stays: the next plan looks again.
			return graph.Attachment{}, nil, also(err, "checking whether it arrived failed too", ferr)
		case found != nil:
			att, err = *found, nil
		default:
			att, err = post()
		}
	}
	if err != nil {
		if refused(err) {
			err = r.withRecord(ctx, err, settle)
		}
		return graph.Attachment{}, nil, err
	}
	r.progress(d, d.Bytes)
	return att, settle, nil
}

// withRecord records change and returns err, or the failure to record.
func (r *runner) withRecord(ctx context.Context, err error, change func(*state.State)) error {
	if rerr := r.record(ctx, change); rerr != nil {
		return rerr
	}
	return err
}

// findIdentical looks on the item for an attachment nothing owns with d's
// name and exact content.
func (r *runner) findIdentical(ctx context.Context, it item.Ref, d *plan.Desired) (*graph.Attachment, error) {
	live, err := r.g.ListAttachments(ctx, it)
	if err != nil {
		return nil, err
	}
	owned := r.sink.snapshot().OwnedIDs()
	want := content.Want{Name: d.Name, Inline: d.Inline, SHA256: d.SHA256, Bytes: d.Bytes}
	return content.FindIdentical(ctx, r.g, it, want, live, func(id string) bool { return owned[id] })
}

// session uploads through an upload session, resuming the plan's one when
// Graph still knows it. A session is recorded before its first byte is
// sent, so an interruption leaves something to resume, cancel or find.
func (r *runner) session(ctx context.Context, c plan.Change, it item.Ref, d *plan.Desired, src *source) (graph.Attachment, func(*state.State), error) {
	s, found, err := r.resumable(ctx, c, it)
	if err != nil {
		return graph.Attachment{}, nil, err
	}
	if found != nil {
		return *found, func(st *state.State) { st.RemoveSession(c.Session.ID) }, nil
	}
	for attempt := 0; ; attempt++ {
		if s == nil {
			if s, err = r.open(ctx, it, d); err != nil {
				return graph.Attachment{}, nil, err
			}
		}
		sid := state.SessionID(s.URL)
		drop := func(st *state.State) { st.RemoveSession(sid) }
		id, err := r.g.Upload(ctx, s, src, d.Bytes, r.onRange(ctx, d, sid))
		switch {
		case err == nil:
			att, err := r.g.GetAttachment(ctx, it, id)
			if err != nil {
				// Graph named the new attachment: it is recorded by that
				// id, its reported size unknown, rather than left for
				// nobody to own. Were the id wrong, the next plan finds
				// it missing and looks on the item before uploading.
				return graph.Attachment{ID: id}, drop, nil
			}
			return att, drop, nil
		case errors.Is(err, ErrSourceChanged):
			// Cancel before anything completes with bytes nobody reviewed.
			if cerr := r.g.CancelSession(context.WithoutCancel(ctx), s); cerr != nil && !errors.Is(cerr, graph.ErrNotFound) {
				return graph.Attachment{}, nil, also(err, "cancelling its upload session failed too (the next plan cancels it)", cerr)
			}
			return graph.Attachment{}, nil, r.withRecord(ctx, fmt.Errorf("%w; its upload session was cancelled: run plan again", err), drop)
		case errors.Is(err, graph.ErrSessionExpired) && attempt == 0:
			// Start over once with a fresh session; the old one is gone.
			// Look first, as every upload does: an identical attachment
			// may have arrived on the item meanwhile.
			found, ferr := r.findIdentical(ctx, it, d)
			if ferr != nil {
				// The session stays recorded: the next plan looks again.
				return graph.Attachment{}, nil, also(err, "looking on the item before starting over failed", ferr)
			}
			if found != nil {
				return *found, drop, nil
			}
			if rerr := r.record(ctx, drop); rerr != nil {
				return graph.Attachment{}, nil, rerr
			}
			s = nil
			continue
		case errors.Is(err, graph.ErrAmbiguous):
			// The final range may have completed the attachment although
			// its answer was lost: an identical one on the item is ours.
			if found, ferr := r.findIdentical(ctx, it, d); ferr == nil && found != nil {
				return *found, drop, nil
			}
		}
		return graph.Attachment{}, nil, err
	}
}

// resumable rebuilds the plan's session and asks Graph where it stands. A
// session Graph no longer knows may have completed before its answer was
// lost: the attachment it made is looked for and returned, and the session
// is dropped from the state either way.
func (r *runner) resumable(ctx context.Context, c plan.Change, it item.Ref) (*graph.UploadSession, *graph.Attachment, error) {
	if c.Session == nil {
		return nil, nil, nil
	}
	recorded, err := r.recordedSession(c.Session)
	if err != nil {
		return nil, nil, err
	}
	s := plan.UploadSession(it, recorded)
	next, err := r.g.SessionStatus(ctx, s)
	switch {
	case err == nil:
		s.Next = next
		return s, nil, nil
	case errors.Is(err, graph.ErrNotFound), errors.Is(err, graph.ErrSessionExpired):
		found, ferr := r.findIdentical(ctx, it, c.After)
		if ferr != nil {
			return nil, nil, fmt.Errorf("the upload session is gone, and looking for what it may have created failed: %w", ferr)
		}
		if found != nil {
			return nil, found, nil
		}
		return nil, nil, r.record(ctx, func(st *state.State) { st.RemoveSession(recorded.ID) })
	default:
		return nil, nil, fmt.Errorf("resume upload session: %w", err)
	}
}

// open creates a session under an intent and records it durably; the
// session record takes the intent's place.
func (r *runner) open(ctx context.Context, it item.Ref, d *plan.Desired) (*graph.UploadSession, error) {
	settle, err := r.announce(ctx, d)
	if err != nil {
		return nil, err
	}
	s, err := r.g.CreateUploadSession(ctx, it, newAttachment(d))
	if err != nil {
		if refused(err) {
			err = r.withRecord(ctx, err, settle)
		}
		return nil, err
	}
	err = r.record(ctx, func(st *state.State) {
		settle(st)
		st.SetSession(state.Session{
			ID: state.SessionID(s.URL), Address: d.Address, Target: d.Target, UploadURL: s.URL, ExpiresAt: s.Expires,
			Confirmed: s.Next, Descriptor: d.Descriptor, StartedAt: r.opts.Now().UTC(),
		})
	})
	return s, err
}

// onRange follows an upload's confirmed bytes: it notes them in the state
// (durably every progressEvery bytes), reports progress, and stops the
// upload between ranges once a stop was requested.
func (r *runner) onRange(ctx context.Context, d *plan.Desired, sessionID string) func(int64) error {
	var saved int64
	return func(confirmed int64) error {
		set := func(st *state.State) { setConfirmed(st, sessionID, confirmed) }
		if confirmed-saved >= progressEvery {
			saved = confirmed
			if err := r.record(ctx, set); err != nil {
				return err
			}
		} else {
			r.sink.note(set)
		}
		r.progress(d, confirmed)
		if r.winding() {
			return ErrStopped
		}
		return nil
	}
}

func setConfirmed(st *state.State, sessionID string, confirmed int64) {
	for i := range st.Sessions {
		if st.Sessions[i].ID == sessionID {
			st.Sessions[i].Confirmed = confirmed
		}
	}
}

func (r *runner) progress(d *plan.Desired, sent int64) {
	r.opts.OnEvent(Event{Address: d.Address, Phase: Progress, Sent: sent, Total: d.Bytes})
}

// also is err, and a failure met dealing with it, in one message. Only
// err's sentinels count for errors.Is, since they say what happened to
// err's request; of the second failure's, only graph.ErrNoAnswer, which
// stops the run.
func also(err error, what string, second error) error {
	return &alsoError{first: err, what: what, second: second}
}

type alsoError struct {
	first  error
	what   string
	second error
}

func (e *alsoError) Error() string { return fmt.Sprintf("%v; %s: %v", e.first, e.what, e.second) }

func (e *alsoError) Unwrap() []error {
	if errors.Is(e.second, graph.ErrNoAnswer) {
		return []error{e.first, graph.ErrNoAnswer}
	}
	return []error{e.first}
}
