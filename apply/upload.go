package apply

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/state"
)

// upload puts c.After on its item — by one POST when small, else through an
// upload session, resuming c.Session when the plan says so — and records it
// together with alsoRecord in one state write.
func (r *runner) upload(ctx context.Context, c plan.Change, alsoRecord func(*state.State)) (string, error) {
	d := c.After
	f, err := openVerified(d)
	if err != nil {
		return "", err
	}
	defer f.Close()
	it := plan.Item(d.Target)
	na := graph.NewAttachment{Name: d.Name, ContentType: d.ContentType, Size: d.Bytes, Inline: d.Inline, ContentID: d.ContentID}

	var att graph.Attachment
	var sessionURL string
	if c.Session == nil && d.Bytes < graph.SmallMax {
		att, err = r.small(ctx, it, na, f, d)
	} else {
		att, sessionURL, err = r.session(ctx, c, it, na, f)
	}
	if err != nil {
		return "", err
	}
	err = r.record(ctx, func(s *state.State) {
		alsoRecord(s)
		s.SetAttachment(r.recorded(d, att.ID, att.Size))
		if sessionURL != "" {
			s.RemoveSession(sessionURL)
		}
	})
	return att.ID, err
}

// openVerified opens the source and checks it is still the file planned:
// uploading other bytes than the plan showed would make the plan a lie.
func openVerified(d *plan.Desired) (*os.File, error) {
	f, err := os.Open(d.Source)
	if err != nil {
		return nil, err
	}
	digest, n, err := plan.ReaderSHA256(f)
	if err == nil && (digest != d.SHA256 || n != d.Bytes) {
		err = fmt.Errorf("%s changed since the plan was made: run plan again", d.DisplayPath)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// small sends one POST. If its answer was lost, the attachment may exist:
// look before sending again, and adopt an identical one.
func (r *runner) small(ctx context.Context, it graph.Item, na graph.NewAttachment, f *os.File, d *plan.Desired) (graph.Attachment, error) {
	att, err := r.g.AddSmall(ctx, it, na, io.NewSectionReader(f, 0, d.Bytes))
	if err == nil || !errors.Is(err, graph.ErrAmbiguous) {
		r.progress(d, d.Bytes)
		return att, err
	}
	found, ferr := r.findIdentical(ctx, it, d)
	if ferr != nil {
		return graph.Attachment{}, fmt.Errorf("%w; checking whether it arrived failed too: %v", err, ferr)
	}
	if found != nil {
		r.progress(d, d.Bytes)
		return *found, nil
	}
	att, err = r.g.AddSmall(ctx, it, na, io.NewSectionReader(f, 0, d.Bytes))
	if err == nil {
		r.progress(d, d.Bytes)
	}
	return att, err
}

// findIdentical looks on the item for an attachment nothing owns with d's
// name and exact content.
func (r *runner) findIdentical(ctx context.Context, it graph.Item, d *plan.Desired) (*graph.Attachment, error) {
	live, err := r.g.ListAttachments(ctx, it)
	if err != nil {
		return nil, err
	}
	owned := plan.OwnedIDs(r.sink.snapshot())
	return plan.FindIdentical(ctx, r.g, d, live, func(id string) bool { return owned[id] })
}

// session uploads through an upload session, resuming the plan's one when
// Graph still knows it. The session is recorded before the first byte is
// sent, so an interruption leaves something to resume or cancel.
func (r *runner) session(ctx context.Context, c plan.Change, it graph.Item, na graph.NewAttachment, f *os.File) (graph.Attachment, string, error) {
	d := c.After
	s, err := r.resumable(ctx, c, it)
	if err != nil {
		return graph.Attachment{}, "", err
	}
	for attempt := 0; ; attempt++ {
		if s == nil {
			if s, err = r.open(ctx, it, na, d); err != nil {
				return graph.Attachment{}, "", err
			}
		}
		url := s.URL
		id, err := r.g.Upload(ctx, s, f, d.Bytes, func(confirmed int64) error {
			r.sink.note(func(st *state.State) { setConfirmed(st, url, confirmed) })
			r.progress(d, confirmed)
			return nil
		})
		if errors.Is(err, graph.ErrSessionExpired) && attempt == 0 {
			// Start over once with a fresh session; the old one is gone.
			if rerr := r.record(ctx, func(st *state.State) { st.RemoveSession(url) }); rerr != nil {
				return graph.Attachment{}, "", rerr
			}
			s = nil
			continue
		}
		if errors.Is(err, graph.ErrAmbiguous) {
			// The last range may have completed the attachment although its
			// answer was lost: an identical attachment on the item is ours.
			if found, ferr := r.findIdentical(ctx, it, d); ferr == nil && found != nil {
				return *found, url, nil
			}
		}
		if err != nil {
			return graph.Attachment{}, "", err
		}
		att, err := r.g.GetAttachment(ctx, it, id)
		if err != nil {
			return graph.Attachment{}, "", fmt.Errorf("uploaded as %s, but reading it back failed: %w", id, err)
		}
		return att, url, nil
	}
}

// resumable rebuilds the plan's session and asks Graph where it stands; a
// session Graph no longer knows is dropped and nil returned.
func (r *runner) resumable(ctx context.Context, c plan.Change, it graph.Item) (*graph.UploadSession, error) {
	if c.Session == nil {
		return nil, nil
	}
	s := &graph.UploadSession{Item: it, URL: c.Session.UploadURL, Expires: c.Session.ExpiresAt, Next: c.Session.Confirmed}
	next, err := r.g.SessionStatus(ctx, s)
	switch {
	case err == nil:
		s.Next = next
		return s, nil
	case errors.Is(err, graph.ErrNotFound), errors.Is(err, graph.ErrSessionExpired):
		return nil, r.record(ctx, func(st *state.State) { st.RemoveSession(s.URL) })
	default:
		return nil, fmt.Errorf("resume upload session: %w", err)
	}
}

// open creates a session and records it durably.
func (r *runner) open(ctx context.Context, it graph.Item, na graph.NewAttachment, d *plan.Desired) (*graph.UploadSession, error) {
	s, err := r.g.CreateUploadSession(ctx, it, na)
	if err != nil {
		return nil, err
	}
	err = r.record(ctx, func(st *state.State) {
		st.SetSession(state.Session{
			Address: d.Address, Target: d.Target, UploadURL: s.URL, ExpiresAt: s.Expires,
			Confirmed: s.Next, Name: d.Name, ContentType: d.ContentType, Inline: d.Inline,
			ContentID: d.ContentID, SHA256: d.SHA256, Bytes: d.Bytes, StartedAt: r.opts.Now().UTC(),
		})
	})
	return s, err
}

func setConfirmed(st *state.State, url string, confirmed int64) {
	for i := range st.Sessions {
		if st.Sessions[i].UploadURL == url {
			st.Sessions[i].Confirmed = confirmed
		}
	}
}

func (r *runner) progress(d *plan.Desired, sent int64) {
	r.opts.OnEvent(Event{Address: d.Address, Phase: Progress, Sent: sent, Total: d.Bytes})
}
