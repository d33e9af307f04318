// Package content hashes attachment bytes and tells whether an attachment
// already on an item is exactly a given file. Planning asks it before an
// upload is planned, applying after an answer was lost: one rule for both.
package content

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"

	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/item"
)

// SHA256 hashes what r yields and counts it.
func SHA256(r io.Reader) (digest string, n int64, err error) {
	h := sha256.New()
	n, err = io.Copy(h, r)
	if err != nil {
		return "", n, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// FileSHA256 hashes a file by streaming it.
func FileSHA256(path string) (digest string, n int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	return SHA256(f)
}

// Reader reads an attachment's bytes: read is given them from the first
// byte, and again from the first byte when the answer stopped midway and
// the client's retry policy sends the request again
// (graph.Client.ReadContent).
type Reader interface {
	ReadContent(ctx context.Context, it item.Ref, id string, read func(io.Reader) error) error
}

// Hash downloads an attachment's bytes and hashes them, from the start
// again when the download is sent again.
func Hash(ctx context.Context, r Reader, it item.Ref, id string) (digest string, n int64, err error) {
	err = r.ReadContent(ctx, it, id, func(body io.Reader) error {
		var err error
		digest, n, err = SHA256(body)
		return err
	})
	if err != nil {
		return "", 0, err
	}
	return digest, n, nil
}

// Want is what an identical attachment must be: its name, its inline
// disposition and exactly these bytes.
type Want struct {
	Name   string
	Inline bool
	SHA256 string
	Bytes  int64
}

// FindIdentical returns the first of candidates (attachments on the item
// on) that skip does not rule out and that is exactly want. Only candidates
// with want's name and disposition are downloaded. One that cannot be read
// is passed over; the last such error is returned only when nothing
// matched.
func FindIdentical(ctx context.Context, r Reader, on item.Ref, want Want, candidates []graph.Attachment, skip func(id string) bool) (*graph.Attachment, error) {
	var lastErr error
	for _, a := range candidates {
		if a.Name != want.Name || a.IsInline != want.Inline || skip(a.ID) {
			continue
		}
		digest, n, err := Hash(ctx, r, on, a.ID)
		if err != nil {
			lastErr = err
			continue
		}
		if digest == want.SHA256 && n == want.Bytes {
			return &a, nil
		}
	}
	return nil, lastErr
}
