package plan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
	"golang.org/x/sync/errgroup"
)

// Reader is the part of the Graph client that planning reads through.
type Reader interface {
	ListAttachments(ctx context.Context, it graph.Item) ([]graph.Attachment, error)
	Content(ctx context.Context, it graph.Item, id string) (io.ReadCloser, error)
}

// Live is what Graph holds on each item a plan touches, keyed by the
// normalised target.
type Live map[state.Target]*LiveItem

// LiveItem is one item's attachments, or the fact that the item is gone.
type LiveItem struct {
	Missing     bool
	Attachments []graph.Attachment
}

// Item returns what is known of t; nil when t was not refreshed.
func (l Live) Item(t state.Target) *LiveItem { return l[key(t)] }

func (li *LiveItem) find(id string) (graph.Attachment, bool) {
	if li == nil {
		return graph.Attachment{}, false
	}
	i := slices.IndexFunc(li.Attachments, func(a graph.Attachment) bool { return a.ID == id })
	if i < 0 {
		return graph.Attachment{}, false
	}
	return li.Attachments[i], true
}

// Refresh lists the attachments of every distinct target, at most
// parallelism at a time. An item that no longer exists is recorded as
// Missing rather than failing the refresh.
func Refresh(ctx context.Context, r Reader, targets []state.Target, parallelism int) (Live, error) {
	live := Live{}
	var mu sync.Mutex
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(max(parallelism, 1))
	seen := map[state.Target]bool{}
	for _, t := range targets {
		k := key(t)
		if seen[k] {
			continue
		}
		seen[k] = true
		g.Go(func() error {
			atts, err := r.ListAttachments(ctx, Item(t))
			item := &LiveItem{Attachments: atts}
			if errors.Is(err, graph.ErrNotFound) {
				item = &LiveItem{Missing: true}
			} else if err != nil {
				return fmt.Errorf("refresh %s: %w", Item(t), err)
			}
			slices.SortFunc(item.Attachments, func(a, b graph.Attachment) int { return strings.Compare(a.ID, b.ID) })
			mu.Lock()
			live[k] = item
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return live, nil
}

// Touched lists every item a plan reads: the manifests' targets and the
// items of everything the state records.
func Touched(cfg *spec.Config, st *state.State) []state.Target {
	var out []state.Target
	for _, t := range cfg.Targets {
		if !t.Unknown {
			out = append(out, targetOf(t))
		}
	}
	if st == nil {
		return out
	}
	for _, a := range st.Attachments {
		out = append(out, a.Target)
	}
	for _, a := range st.Deposed {
		out = append(out, a.Target)
	}
	for _, s := range st.Sessions {
		out = append(out, s.Target)
	}
	return out
}
