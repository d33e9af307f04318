package plan

import (
	"slices"

	"github.com/attachform/attachform/state"
)

// adoptable returns the id of an attachment already on d's item that no
// state entry owns, carries d's name and has d's exact bytes: the trace of
// an upload whose answer was lost. Recording it instead of uploading again
// keeps apply idempotent. Only same-named candidates are downloaded.
func (b *builder) adoptable(d *Desired) string {
	li := b.live.Item(d.Target)
	if li == nil || li.Missing || b.r == nil {
		return ""
	}
	owned := map[string]bool{}
	for _, a := range b.st.Attachments {
		owned[a.ID] = true
	}
	if b.adopted == nil {
		b.adopted = map[state.Target][]string{}
	}
	k := key(d.Target)
	for _, a := range li.Attachments {
		if a.Name != d.Name || owned[a.ID] || slices.Contains(b.adopted[k], a.ID) || a.IsInline != d.Inline {
			continue
		}
		body, err := b.r.Content(b.ctx, Item(d.Target), a.ID)
		if err != nil {
			continue // unreadable: upload as planned rather than guess
		}
		digest, n, err := ReaderSHA256(body)
		body.Close()
		if err == nil && digest == d.SHA256 && n == d.Bytes {
			b.adopted[k] = append(b.adopted[k], a.ID)
			return a.ID
		}
	}
	return ""
}
