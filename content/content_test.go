package content

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/item"
)

// bytesOn is a Graph that holds attachments' bytes by id and counts
// downloads.
type bytesOn struct {
	by        map[string]string
	downloads []string
}

func (b *bytesOn) ReadContent(_ context.Context, _ item.Ref, id string, read func(io.Reader) error) error {
	b.downloads = append(b.downloads, id)
	s, ok := b.by[id]
	if !ok {
		return graph.ErrNotFound
	}
	return read(strings.NewReader(s))
}

func TestFindIdentical(t *testing.T) {
	want := func(body string) Want {
		d, n, err := SHA256(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		return Want{Name: "a.txt", SHA256: d, Bytes: n}
	}
	on := item.Ref{Mailbox: "m", Kind: item.Message, ID: "i"}
	candidates := []graph.Attachment{
		{ID: "other-name", Name: "b.txt"},
		{ID: "inline", Name: "a.txt", IsInline: true},
		{ID: "owned", Name: "a.txt"},
		{ID: "unreadable", Name: "a.txt"},
		{ID: "different", Name: "a.txt"},
		{ID: "same", Name: "a.txt"},
	}
	g := &bytesOn{by: map[string]string{"other-name": "v1", "inline": "v1", "owned": "v1", "different": "v2", "same": "v1"}}
	skip := func(id string) bool { return id == "owned" }

	found, err := FindIdentical(context.Background(), g, on, want("v1"), candidates, skip)
	if err != nil || found == nil || found.ID != "same" {
		t.Fatalf("FindIdentical = %+v, %v; want the same-named, same-bytes one", found, err)
	}
	if strings.Join(g.downloads, ",") != "unreadable,different,same" {
		t.Errorf("downloaded %v; only same-named, not skipped candidates are read", g.downloads)
	}
	// Nothing matches: the read error is reported, so a caller can tell
	// "not there" from "could not look".
	found, err = FindIdentical(context.Background(), g, on, want("v3"), candidates, skip)
	if found != nil || !errors.Is(err, graph.ErrNotFound) {
		t.Fatalf("FindIdentical = %+v, %v; want nothing and the read error", found, err)
	}
}
