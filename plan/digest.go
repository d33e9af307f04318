package plan

import (
	"context"
	"fmt"
	"runtime"

	"github.com/attachform/attachform/content"
	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
	"golang.org/x/sync/errgroup"
)

// desire hashes every declared attachment's source, each file once however
// many attachments name it, as many at a time as there are cores (hashing
// is the CPU's work: a -parallelism below the cores, which bounds Graph
// requests, must not leave cores idle) or parallelism when that is more (a
// slow disk or network share is waited on, not computed), remembering
// its block fingerprints in fp for apply. The byte count is the one
// hashed, so a file that changed since the manifest was loaded is planned
// as it is now.
func desire(ctx context.Context, cfg *spec.Config, parallelism int, fp *content.Fingerprints) ([]*Desired, error) {
	type digest struct {
		sha256 string
		n      int64
		err    error
	}
	var paths []string
	digests := map[string]*digest{}
	for _, a := range cfg.Attachments {
		if digests[a.Source] == nil {
			digests[a.Source] = &digest{}
			paths = append(paths, a.Source)
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(parallelism, runtime.GOMAXPROCS(0), 1))
	for _, path := range paths {
		d := digests[path]
		g.Go(func() (err error) {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("hash %s: internal error (please report it): %v", path, p)
				}
			}()
			if err := gctx.Err(); err != nil {
				return err
			}
			d.sha256, d.n, d.err = fp.File(path)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := make([]*Desired, len(cfg.Attachments))
	for i, a := range cfg.Attachments {
		d := digests[a.Source]
		if d.err != nil {
			return nil, fmt.Errorf("%s: hash %s: %w", a.Address, a.Source, d.err)
		}
		out[i] = &Desired{
			Address:     a.Address,
			Target:      a.Target.Item,
			TargetName:  a.Target.Name,
			Source:      a.Source,
			DisplayPath: displayPath(cfg.Dir, a.Source),
			Descriptor: state.Descriptor{Name: a.Name, ContentType: a.ContentType, Inline: a.Inline, ContentID: a.ContentID,
				SHA256: d.sha256, Bytes: d.n},
		}
	}
	return out, nil
}
