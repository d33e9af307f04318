package plan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
	"golang.org/x/sync/errgroup"
)

// FileSHA256 hashes a file by streaming it.
func FileSHA256(path string) (digest string, n int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	return ReaderSHA256(f)
}

// ReaderSHA256 hashes what r yields.
func ReaderSHA256(r io.Reader) (digest string, n int64, err error) {
	h := sha256.New()
	n, err = io.Copy(h, r)
	if err != nil {
		return "", n, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// desire hashes every declared attachment's source, parallelism at a time.
// The byte count is the one hashed, so a file that changed since the
// manifest was loaded is planned as it is now.
func desire(ctx context.Context, cfg *spec.Config, parallelism int) ([]*Desired, error) {
	out := make([]*Desired, len(cfg.Attachments))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(max(parallelism, 1))
	for i, a := range cfg.Attachments {
		g.Go(func() (err error) {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("%s: internal error (please report it): %v", a.Address, p)
				}
			}()
			if err := ctx.Err(); err != nil {
				return err
			}
			digest, n, err := FileSHA256(a.Source)
			if err != nil {
				return fmt.Errorf("%s: hash %s: %w", a.Address, a.Source, err)
			}
			out[i] = &Desired{
				Address:     a.Address,
				Target:      targetOf(a.Target),
				TargetName:  a.Target.Name,
				Source:      a.Source,
				DisplayPath: displayPath(cfg.Dir, a.Source),
				Name:        a.Name,
				ContentType: a.ContentType,
				Inline:      a.Inline,
				ContentID:   a.ContentID,
				SHA256:      digest,
				Bytes:       n,
			}
			return nil
		})
	}
	return out, g.Wait()
}

func targetOf(t *spec.Target) state.Target {
	return state.Target{Mailbox: t.Mailbox, Kind: string(t.Kind), ItemID: t.ItemID, ListID: t.ListID}
}
