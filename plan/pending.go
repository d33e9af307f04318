package plan

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/attachform/attachform/content"
	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/item"
	"github.com/attachform/attachform/state"
	"golang.org/x/sync/errgroup"
)

// A trace is an attachment an interrupted apply created without recording
// it: an unowned attachment on the item of a recorded intent or session,
// with its name and exactly its bytes. Every trace ends up adopted by a
// declared attachment that wants those bytes, or deleted.
type trace struct {
	att      graph.Attachment
	target   item.Ref
	address  string   // the intent's or session's
	intent   string   // the intent it settles, if any
	session  *Session // the session it settles, if any
	consumed bool     // adopted by a change
}

// settle puts what the trace resolves on c.
func (t *trace) settle(c *Change) {
	if t.intent != "" {
		c.Intents = append(c.Intents, t.intent)
	}
	if t.session != nil {
		c.Session = t.session
	}
}

// pending is an intent or a session: something an interrupted apply may
// have created.
type pending struct {
	address, name, sha256 string
	inline                bool
	bytes                 int64
	target                item.Ref
}

// findTraces looks, for every recorded intent and session, for the
// attachment it may have created. Intents that created nothing are
// forgotten; sessions without a trace are left to sessions().
func (b *builder) findTraces() {
	for _, x := range b.st.Intents {
		p := pending{x.Address, x.Name, x.SHA256, x.Inline, x.Bytes, x.Target}
		if t := b.traceOf(p); t != nil {
			t.intent = x.ID
			continue
		}
		if b.live.Item(x.Target) == nil {
			continue // not refreshed: decide another time
		}
		b.add(Change{
			Address: x.Address, Action: Forget, Orphan: true, Intents: []string{x.ID},
			Reason: "an interrupted apply was about to upload it; it never arrived",
			Before: &state.Attachment{Target: x.Target,
				Descriptor: state.Descriptor{Name: x.Name, ContentType: x.ContentType, SHA256: x.SHA256, Bytes: x.Bytes}},
		})
	}
	for _, s := range b.st.Sessions {
		p := pending{s.Address, s.Name, s.SHA256, s.Inline, s.Bytes, s.Target}
		if t := b.traceOf(p); t != nil {
			t.session = sessionOf(s)
		}
	}
}

// traceOf claims the first unowned attachment on p's item that carries p's
// name and bytes.
func (b *builder) traceOf(p pending) *trace {
	li := b.live.Item(p.target)
	if li == nil || li.Missing {
		return nil
	}
	for _, a := range li.named(p.name) {
		if b.owned[a.ID] || b.claimed[a.ID] || a.IsInline != p.inline {
			continue
		}
		if sha, n, ok := b.digest(p.target, a.ID); ok && sha == p.sha256 && n == p.bytes {
			b.claimed[a.ID] = true
			t := &trace{att: a, target: p.target, address: p.address}
			b.traces = append(b.traces, t)
			return t
		}
	}
	return nil
}

// traced reports whether a session's upload is known to have completed.
func (b *builder) traced(s state.Session) bool {
	for _, t := range b.traces {
		if t.session != nil && t.session.ID == s.ID {
			return true
		}
	}
	return false
}

// prefetchDigests downloads and hashes, in parallel, every live
// attachment the plan may have to compare by content: on the item of a
// recorded intent or session, those with its name; on the item of a
// declared attachment the plan would upload, those with its name; in
// each case only what nothing owns or claims. Each mailbox downloads up
// to its concurrency at once (Graph's 4), mailboxes proceed independently,
// and Options.Parallelism bounds the downloads in flight in all. digest
// then finds them done; anything it was not given it downloads itself.
func (b *builder) prefetchDigests(desired []*Desired) {
	if b.r == nil {
		return
	}
	type candidate struct {
		it item.Ref
		id string
	}
	seen := map[string]bool{}
	byMailbox := map[string][]candidate{}
	var order []string
	add := func(t item.Ref, name string, inline bool) {
		li := b.live.Item(t)
		if li == nil || li.Missing {
			return
		}
		for _, a := range li.named(name) {
			if seen[a.ID] || b.owned[a.ID] || b.claimed[a.ID] || a.IsInline != inline {
				continue
			}
			seen[a.ID] = true
			mb := strings.ToLower(t.Mailbox)
			if byMailbox[mb] == nil {
				order = append(order, mb)
			}
			byMailbox[mb] = append(byMailbox[mb], candidate{t, a.ID})
		}
	}
	for _, x := range b.st.Intents {
		add(x.Target, x.Name, x.Inline)
	}
	for _, s := range b.st.Sessions {
		add(s.Target, s.Name, s.Inline)
	}
	for _, d := range desired {
		switch b.baseChange(d).Action {
		case Create, Replace, Resume:
			add(d.Target, d.Name, d.Inline)
		}
	}
	if len(seen) == 0 {
		return
	}
	parallelism := max(b.opts.Parallelism, 1)
	ctx := graph.WithParallelism(b.ctx, parallelism)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, mb := range order {
		wg.Go(func() {
			var g errgroup.Group
			g.SetLimit(min(parallelism, graph.DefaultMailboxLimits.Concurrency))
			for _, c := range byMailbox[mb] {
				g.Go(func() error {
					d := download(ctx, b.r, c.it, c.id)
					mu.Lock()
					b.digests[c.id] = d
					mu.Unlock()
					return nil
				})
			}
			_ = g.Wait()
		})
	}
	wg.Wait()
}

// download hashes one live attachment's bytes; one that cannot be read
// matches nothing.
func download(ctx context.Context, r content.Reader, t item.Ref, id string) (d digestResult) {
	defer func() {
		if p := recover(); p != nil {
			d = digestResult{} // a bug must not take the plan down
		}
	}()
	var err error
	d.sha, d.n, err = content.Hash(ctx, r, t, id)
	d.ok = err == nil
	return d
}

// digest downloads and hashes a live attachment once per plan. An
// attachment that cannot be read matches nothing.
func (b *builder) digest(t item.Ref, id string) (string, int64, bool) {
	if b.r == nil {
		return "", 0, false
	}
	if d, ok := b.digests[id]; ok {
		return d.sha, d.n, d.ok
	}
	d := download(b.ctx, b.r, t, id)
	b.digests[id] = d
	return d.sha, d.n, d.ok
}

type digestResult struct {
	sha string
	n   int64
	ok  bool
}

// adoptable finds an attachment already on d's item that is identical to
// d and that nothing else accounts for: first a trace of an interrupted
// apply, then any unowned one. Recording it instead of uploading again
// keeps apply idempotent.
func (b *builder) adoptable(d *Desired) (string, *trace) {
	k := d.Target.Key()
	for _, t := range b.traces {
		if !t.consumed && t.target.Key() == k && b.identical(d, t.target, t.att) {
			t.consumed = true
			return t.att.ID, t
		}
	}
	li := b.live.Item(d.Target)
	if li == nil || li.Missing {
		return "", nil
	}
	for _, a := range li.named(d.Name) {
		if !b.owned[a.ID] && !b.claimed[a.ID] && b.identical(d, d.Target, a) {
			b.claimed[a.ID] = true
			return a.ID, nil
		}
	}
	return "", nil
}

func (b *builder) identical(d *Desired, t item.Ref, a graph.Attachment) bool {
	if a.Name != d.Name || a.IsInline != d.Inline {
		return false
	}
	sha, n, ok := b.digest(t, a.ID)
	return ok && sha == d.SHA256 && n == d.Bytes
}

// orphans deletes the traces no declared attachment adopted: an
// interrupted apply created them, and nothing wants them now.
func (b *builder) orphans() {
	for _, t := range b.traces {
		if t.consumed {
			continue
		}
		c := Change{
			Address: t.address, Action: Delete, Orphan: true,
			Reason: "uploaded by an interrupted apply and no longer wanted",
			Before: &state.Attachment{Target: t.target, ID: t.att.ID,
				Descriptor: state.Descriptor{Name: t.att.Name, ContentType: t.att.ContentType}, ReportedSize: t.att.Size},
		}
		t.settle(&c)
		b.add(c)
	}
}

// sameNameForeign returns an attachment on d's item, named as d, that
// nothing accounts for; a plan that uploads d would put a second one next
// to it.
func (b *builder) sameNameForeign(d *Desired) (graph.Attachment, bool) {
	li := b.live.Item(d.Target)
	if li == nil {
		return graph.Attachment{}, false
	}
	for _, a := range li.named(d.Name) {
		if !b.owned[a.ID] && !b.claimed[a.ID] {
			return a, true
		}
	}
	return graph.Attachment{}, false
}

// isGone reports whether a status error means the session no longer exists.
func isGone(err error) bool {
	return errors.Is(err, graph.ErrNotFound) || errors.Is(err, graph.ErrSessionExpired)
}

// SessionReader is what a plan asks an upload URL: where the session
// stands. It only reads.
type SessionReader interface {
	SessionStatus(ctx context.Context, s *graph.UploadSession) (int64, error)
}

// askSession refreshes s.Confirmed from the upload URL of recorded when the
// reader can ask it, and reports whether the session still exists. A
// session that cannot be asked keeps what the state recorded.
func (b *builder) askSession(recorded state.Session, s *Session) bool {
	sr, ok := b.r.(SessionReader)
	if !ok {
		return true
	}
	next, err := sr.SessionStatus(b.ctx, UploadSession(recorded.Target, recorded))
	switch {
	case err == nil:
		s.Confirmed = next
	case isGone(err):
		return false
	}
	return true
}
