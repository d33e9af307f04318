package plan_test

import (
	"context"
	"encoding/base64"
	"github.com/attachform/attachform/item"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/attachform/attachform/emulator"
	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
)

func TestRefreshListsEachItemOnceAndMarksMissingOnes(t *testing.T) {
	srv, err := emulator.New(emulator.Options{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	client, err := graph.New(graph.Options{Endpoint: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	found, err := client.FindMessages(ctx, emulator.DemoMailbox, "subject eq 'Welcome to attachform'")
	if err != nil || len(found) != 1 {
		t.Fatalf("find the draft: %v %v", found, err)
	}
	draft := item.Ref{Mailbox: emulator.DemoMailbox, Kind: item.Message, ID: found[0].ID}
	if _, err := client.AddSmall(ctx, draft, graph.NewAttachment{Name: "a.txt", Size: 5}, strings.NewReader("hello")); err != nil {
		t.Fatal(err)
	}
	present := item.Ref{Mailbox: emulator.DemoMailbox, Kind: "message", ID: draft.ID}
	// The same item under another spelling of the mailbox is one item.
	shouting := present
	shouting.Mailbox = strings.ToUpper(present.Mailbox)
	gone := item.Ref{Mailbox: emulator.DemoMailbox, Kind: "message", ID: base64.URLEncoding.EncodeToString(make([]byte, 28))}

	before := srv.Stats().Requests.Total
	live, err := plan.Refresh(ctx, client, []item.Ref{present, shouting, gone})
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.Stats().Requests.Total - before; n != 1 {
		t.Fatalf("refresh sent %d requests, want one $batch", n)
	}
	if li := live.Item(shouting); li == nil || li.Missing || len(li.Attachments) != 1 || li.Attachments[0].Name != "a.txt" {
		t.Fatalf("draft: %+v", li)
	}
	if li := live.Item(gone); li == nil || !li.Missing {
		t.Fatalf("deleted item: %+v, want Missing", li)
	}
	// The same $batch named the item as people know it.
	if l := live.Label(present); l != (item.Label{Title: "Welcome to attachform"}) {
		t.Errorf("draft's label %+v, want its subject", l)
	}
}

// An attachment a replacement left behind (deposed) is about to be deleted:
// it must never be adopted as another address's upload, even when its name
// and bytes match, while a stranger with the same bytes is adopted.
func TestAdoptionSkipsDeposedAttachments(t *testing.T) {
	srv, err := emulator.New(emulator.Options{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	client, err := graph.New(graph.Options{Endpoint: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	found, err := client.FindMessages(ctx, emulator.DemoMailbox, "subject eq 'Welcome to attachform'")
	if err != nil || len(found) != 1 {
		t.Fatalf("find the draft: %v %v", found, err)
	}
	draft := item.Ref{Mailbox: emulator.DemoMailbox, Kind: item.Message, ID: found[0].ID}
	tgt := item.Ref{Mailbox: draft.Mailbox, Kind: "message", ID: draft.ID}
	put := func(name, content string) string {
		a, err := client.AddSmall(ctx, draft, graph.NewAttachment{Name: name, Size: int64(len(content))}, strings.NewReader(content))
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	deposedID := put("a.txt", "same bytes")
	strangerID := put("b.txt", "other bytes")

	dir := t.TempDir()
	for name, content := range map[string]string{"a.txt": "same bytes", "b.txt": "other bytes"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	st := state.New()
	st.Deposed = []state.Attachment{{Address: "attachment.old", Target: tgt, ID: deposedID, Descriptor: state.Descriptor{Name: "a.txt"}}}
	target := &spec.Target{Name: "welcome", Item: tgt}
	cfg := &spec.Config{Dir: dir, Targets: []*spec.Target{target}}
	for _, name := range []string{"a.txt", "b.txt"} {
		cfg.Attachments = append(cfg.Attachments, &spec.Attachment{Address: "attachment." + name[:1], Target: target,
			Source: filepath.Join(dir, name), Name: name, ContentType: "text/plain"})
	}
	live, err := plan.Refresh(ctx, client, plan.Touched(cfg, st))
	if err != nil {
		t.Fatal(err)
	}
	p, diags := plan.Build(ctx, cfg, st, live, client, plan.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	got := map[string]string{}
	for _, c := range p.Changes {
		got[c.Address] = c.Action.String() + " " + c.AdoptID
	}
	want := map[string]string{"attachment.a": "create ", "attachment.b": "adopt " + strangerID, "attachment.old": "delete "}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("changes %v, want %v", got, want)
	}
}
