package plan

import (
	"context"
	"io"

	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/state"
)

// ContentReader streams an attachment's bytes.
type ContentReader interface {
	Content(ctx context.Context, it graph.Item, id string) (io.ReadCloser, error)
}

// FindIdentical returns the first of candidates (attachments on d's item)
// that skip does not rule out, that carries d's name and inline disposition
// and whose content is exactly d's bytes: the trace of an upload whose
// answer was lost. Only same-named candidates are downloaded. One that
// cannot be read is passed over; the last such error is returned only when
// nothing matched.
func FindIdentical(ctx context.Context, r ContentReader, d *Desired, candidates []graph.Attachment, skip func(id string) bool) (*graph.Attachment, error) {
	var lastErr error
	for _, a := range candidates {
		if a.Name != d.Name || a.IsInline != d.Inline || skip(a.ID) {
			continue
		}
		body, err := r.Content(ctx, Item(d.Target), a.ID)
		if err != nil {
			lastErr = err
			continue
		}
		digest, n, err := ReaderSHA256(body)
		body.Close()
		if err != nil {
			lastErr = err
			continue
		}
		if digest == d.SHA256 && n == d.Bytes {
			return &a, nil
		}
	}
	return nil, lastErr
}

// OwnedIDs are the Graph ids a state accounts for, deposed ones included:
// none of them may be adopted as something else.
func OwnedIDs(st *state.State) map[string]bool {
	owned := map[string]bool{}
	for _, a := range st.Attachments {
		owned[a.ID] = true
	}
	for _, a := range st.Deposed {
		owned[a.ID] = true
	}
	return owned
}
