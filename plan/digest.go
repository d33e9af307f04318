package plan

import (
	"context"
	"fmt"
	"github.com/attachform/attachform/content"

	"github.com/attachform/attachform/spec"
	"golang.org/x/sync/errgroup"
)

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
			digest, n, err := content.FileSHA256(a.Source)
			if err != nil {
				return fmt.Errorf("%s: hash %s: %w", a.Address, a.Source, err)
			}
			out[i] = &Desired{
				Address:     a.Address,
				Target:      a.Target.Item,
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
