package plan

import (
	"context"
	"errors"
	"fmt"
	"github.com/attachform/attachform/content"
	"github.com/attachform/attachform/item"
	"slices"
	"strings"
	"sync"

	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
)

// Reader is the part of the Graph client that planning reads through.
type Reader interface {
	content.Reader
	// RefreshBatch lists the items' attachments and reads their labels
	// (graph.Client.RefreshBatch).
	RefreshBatch(ctx context.Context, items []item.Ref) (map[item.Ref]graph.Listing, error)
}

// Live is what Graph holds on each item a plan touches, keyed by the
// normalised target.
type Live map[item.Ref]*LiveItem

// LiveItem is one item's attachments, or the fact that the item is gone.
// Attachments are looked up by id and by name through an index built on
// first use, so that planning an item of thousands of attachments costs
// as much per attachment as planning an item of ten. Attachments must not
// change after the first lookup.
type LiveItem struct {
	Missing     bool
	Attachments []graph.Attachment
	// Label is what people call the item, as Graph said at refresh; zero
	// when it did not.
	Label item.Label

	index  sync.Once
	byID   map[string]int
	byName map[string][]int
	size   int64 // the Graph-reported sizes, summed
}

// Item returns what is known of t; nil when t was not refreshed.
func (l Live) Item(t item.Ref) *LiveItem { return l[t.Key()] }

func (li *LiveItem) indexed() *LiveItem {
	li.index.Do(func() {
		li.byID = make(map[string]int, len(li.Attachments))
		li.byName = map[string][]int{}
		for i, a := range li.Attachments {
			if _, dup := li.byID[a.ID]; !dup {
				li.byID[a.ID] = i
			}
			li.byName[a.Name] = append(li.byName[a.Name], i)
			li.size += a.Size
		}
	})
	return li
}

func (li *LiveItem) find(id string) (graph.Attachment, bool) {
	if li == nil {
		return graph.Attachment{}, false
	}
	i, ok := li.indexed().byID[id]
	if !ok {
		return graph.Attachment{}, false
	}
	return li.Attachments[i], true
}

// named returns the item's attachments called name, in the order of
// Attachments.
func (li *LiveItem) named(name string) []graph.Attachment {
	if li == nil {
		return nil
	}
	idx := li.indexed().byName[name]
	out := make([]graph.Attachment, len(idx))
	for k, i := range idx {
		out[k] = li.Attachments[i]
	}
	return out
}

// totalSize is the sum of the sizes Graph reports for the attachments.
func (li *LiveItem) totalSize() int64 {
	if li == nil {
		return 0
	}
	return li.indexed().size
}

// Refresh lists the attachments of every distinct target through $batch.
// An item that no longer exists is recorded as Missing rather than failing
// the refresh.
func Refresh(ctx context.Context, r Reader, targets []item.Ref) (Live, error) {
	live := Live{}
	var items []item.Ref
	for _, t := range targets {
		if _, seen := live[t.Key()]; !seen {
			live[t.Key()] = nil
			items = append(items, t)
		}
	}
	found, err := r.RefreshBatch(ctx, items)
	var failed *graph.BatchError
	if err != nil && !errors.As(err, &failed) {
		return nil, fmt.Errorf("refresh: %w", err)
	}
	for _, it := range items {
		k := it.Key()
		if failed != nil && failed.Errs[it] != nil {
			if !errors.Is(failed.Errs[it], graph.ErrNotFound) {
				return nil, fmt.Errorf("refresh %s: %w", it, failed.Errs[it])
			}
			live[k] = &LiveItem{Missing: true}
			continue
		}
		atts := found[it].Attachments
		slices.SortFunc(atts, func(a, b graph.Attachment) int { return strings.Compare(a.ID, b.ID) })
		live[k] = &LiveItem{Attachments: atts, Label: found[it].Label}
	}
	return live, nil
}

// Label is what Graph calls t at refresh, or zero.
func (l Live) Label(t item.Ref) item.Label {
	if li := l.Item(t); li != nil {
		return li.Label
	}
	return item.Label{}
}

// Touched lists every item a plan reads: the manifests' targets and the
// items of everything the state records.
func Touched(cfg *spec.Config, st *state.State) []item.Ref {
	var out []item.Ref
	for _, t := range cfg.Targets {
		if !t.Unknown {
			out = append(out, t.Item)
		}
	}
	if st == nil {
		return out
	}
	for _, it := range st.Records() {
		out = append(out, it)
	}
	return out
}
