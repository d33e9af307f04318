package graph

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/attachform/attachform/item"
)

// RefreshBatch reads every item's label in the same $batch requests as its
// attachments: messages and events by subject, To Do tasks by title and
// their list's name; a hostile subject comes back as Graph holds it (the
// views escape it), bounded.
func TestRefreshBatchLabels(t *testing.T) {
	e := newEnv(t)
	hostile := "**Welcome** <b>pack</b> | `2`\x1b[31m\n" + strings.Repeat("x", 500)
	msg := e.item(item.Message, "Welcome pack 2")
	ev := e.item(item.Event, hostile)
	task := e.item(item.TodoTask, "Read the handbook")
	e.addN(msg, 2)
	e.rec.take()

	got, err := e.client.RefreshBatch(context.Background(), []item.Ref{msg, ev, task})
	if err != nil {
		t.Fatalf("RefreshBatch: %v", err)
	}
	for it, want := range map[item.Ref]item.Label{
		msg:  {Title: "Welcome pack 2"},
		ev:   {Title: item.BoundLabel(hostile)},
		task: {Title: "Read the handbook", List: "list for Read the handbook"},
	} {
		if got[it].Label != want {
			t.Errorf("%s: label %+v, want %+v", it.Kind, got[it].Label, want)
		}
	}
	if n := len([]rune(got[ev].Label.Title)); n != item.MaxLabel {
		t.Errorf("a 500-character subject is kept as %d characters, want %d", n, item.MaxLabel)
	}
	if n := len(got[msg].Attachments); n != 2 {
		t.Errorf("message listed with %d attachments, want 2", n)
	}
	// 3 listings, 3 labels, 1 list name: one $batch, nothing else.
	if reqs := e.rec.take(); len(reqs) != 1 || batchPosts(reqs) != 1 {
		t.Errorf("%d requests (%d $batch), want the one $batch", len(reqs), batchPosts(reqs))
	}
}

// Twelve items ask 24 inner requests: two $batch posts (20 + 4), never one
// per item; every listing is still right.
func TestRefreshBatchChunks(t *testing.T) {
	e := newEnv(t)
	var items []item.Ref
	for i := range 12 {
		items = append(items, e.item(item.Message, fmt.Sprint("m", i)))
	}
	e.rec.take()
	got, err := e.client.RefreshBatch(context.Background(), items)
	if err != nil {
		t.Fatalf("RefreshBatch: %v", err)
	}
	var titles []string
	for _, it := range items {
		titles = append(titles, got[it].Label.Title)
	}
	if want := []string{"m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9", "m10", "m11"}; !slices.Equal(titles, want) {
		t.Errorf("titles %v, want %v", titles, want)
	}
	if reqs := e.rec.take(); batchPosts(reqs) != 2 || len(reqs) != 2 {
		t.Errorf("%d requests (%d $batch), want 2 $batch", len(reqs), batchPosts(reqs))
	}
}
