package plan_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/attachform/attachform/emulator"
	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/plan"
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
	draft := graph.Item{Mailbox: emulator.DemoMailbox, Kind: graph.KindMessage, ID: found[0].ID}
	if _, err := client.AddSmall(ctx, draft, graph.NewAttachment{Name: "a.txt", Size: 5}, strings.NewReader("hello")); err != nil {
		t.Fatal(err)
	}
	present := state.Target{Mailbox: emulator.DemoMailbox, Kind: "message", ItemID: draft.ID}
	// The same item under another spelling of the mailbox is one item.
	shouting := present
	shouting.Mailbox = strings.ToUpper(present.Mailbox)
	gone := state.Target{Mailbox: emulator.DemoMailbox, Kind: "message", ItemID: base64.URLEncoding.EncodeToString(make([]byte, 28))}

	before := srv.Stats().Requests.Total
	live, err := plan.Refresh(ctx, client, []state.Target{present, shouting, gone})
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
}
