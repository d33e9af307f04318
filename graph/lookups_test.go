package graph

import (
	"context"
	"errors"
	"fmt"
	"github.com/attachform/attachform/item"
	"net/url"
	"testing"

	"github.com/attachform/attachform/emulator"
)

// The demo mailbox's items, found by name as a manifest's data sources do.
func TestFindDemoItems(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	mb := emulator.DemoMailbox
	msgs, err := e.client.FindMessages(ctx, mb, "subject eq '"+emulator.DemoMessageSubject+"'")
	if err != nil || len(msgs) != 1 || msgs[0].Label != emulator.DemoMessageSubject || msgs[0].ID == "" {
		t.Errorf("FindMessages = %+v, %v", msgs, err)
	}
	evs, err := e.client.FindEvents(ctx, mb, "subject eq '"+emulator.DemoEventSubject+"'")
	if err != nil || len(evs) != 1 || evs[0].Label != emulator.DemoEventSubject {
		t.Errorf("FindEvents = %+v, %v", evs, err)
	}
	lists, err := e.client.FindTodoLists(ctx, mb, emulator.DemoListName)
	if err != nil || len(lists) != 1 || lists[0].Label != emulator.DemoListName {
		t.Fatalf("FindTodoLists = %+v, %v", lists, err)
	}
	tasks, err := e.client.FindTodoTasks(ctx, mb, lists[0].ID, emulator.DemoTaskTitle)
	if err != nil || len(tasks) != 1 || tasks[0].Label != emulator.DemoTaskTitle {
		t.Fatalf("FindTodoTasks = %+v, %v", tasks, err)
	}
	// The found ids address items the client can attach to.
	for _, it := range []item.Ref{
		{Mailbox: mb, Kind: item.Message, ID: msgs[0].ID},
		{Mailbox: mb, Kind: item.Event, ID: evs[0].ID},
		{Mailbox: mb, Kind: item.TodoTask, ID: tasks[0].ID, ListID: lists[0].ID},
	} {
		if _, err := e.client.ListAttachments(ctx, it); err != nil {
			t.Errorf("%s: %v", it, err)
		}
	}
	if none, err := e.client.FindMessages(ctx, mb, "subject eq 'no such thing'"); err != nil || len(none) != 0 {
		t.Errorf("FindMessages(no match) = %+v, %v", none, err)
	}
}

// Results span pages: 105 messages at 100 a page, 12 tasks at the
// emulator's default 10.
func TestFindPaging(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	mb := "/users/" + url.PathEscape(testUser)
	for i := range 105 {
		e.raw("POST", mb+"/messages", map[string]any{"subject": fmt.Sprint("bulk ", i)}, false)
	}
	e.raw("POST", mb+"/messages", map[string]any{"subject": "other"}, false)
	e.rec.take()
	msgs, err := e.client.FindMessages(ctx, testUser, "startswith(subject,'bulk')")
	if err != nil || len(msgs) != 105 {
		t.Fatalf("FindMessages = %d results, %v; want 105", len(msgs), err)
	}
	if n := len(e.rec.take()); n != 2 {
		t.Errorf("%d requests, want 2 pages", n)
	}
	seen := map[string]bool{}
	for _, m := range msgs {
		seen[m.ID] = true
	}
	if len(seen) != 105 {
		t.Errorf("%d distinct ids, want 105", len(seen))
	}

	l := e.raw("POST", mb+"/todo/lists", map[string]any{"displayName": "Bob's list"}, false)
	lid := l["id"].(string)
	for range 12 {
		e.raw("POST", mb+"/todo/lists/"+url.PathEscape(lid)+"/tasks", map[string]any{"title": "it's the same"}, false)
	}
	lists, err := e.client.FindTodoLists(ctx, testUser, "Bob's list")
	if err != nil || len(lists) != 1 || lists[0].ID != lid {
		t.Errorf("FindTodoLists with a quote = %+v, %v", lists, err)
	}
	tasks, err := e.client.FindTodoTasks(ctx, testUser, lid, "it's the same")
	if err != nil || len(tasks) != 12 {
		t.Errorf("FindTodoTasks = %d results, %v; want 12", len(tasks), err)
	}
}

func TestFindErrors(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, err := e.client.FindMessages(ctx, testUser, "subject gt 'x'")
	var ge *Error
	if !errors.As(err, &ge) || ge.Status != 400 || ge.Code == "" {
		t.Errorf("bad filter = %v, want Graph's 400", err)
	}
	if _, err := e.client.FindEvents(ctx, "nobody@contoso.example", "subject eq 'x'"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown mailbox = %v, want ErrNotFound", err)
	}
	if _, err := e.client.FindMessages(ctx, "", "subject eq 'x'"); err == nil {
		t.Error("empty mailbox accepted")
	}
	if _, err := e.client.FindMessages(ctx, testUser, ""); err == nil {
		t.Error("empty filter accepted")
	}
}

// A paging link may only lead back to Graph: the token goes with it.
func TestNextLinkStaysOnGraph(t *testing.T) {
	c, _ := New(Options{Endpoint: "http://127.0.0.1:5000"})
	for link, ok := range map[string]bool{
		"http://127.0.0.1:5000/v1.0/users/u/messages?$skip=10": true,
		"/v1.0/users/u/messages?$skip=10":                      true,
		"http://127.0.0.1:5001/v1.0/users/u/messages":          false,
		"https://evil.example/v1.0/users/u/messages":           false,
	} {
		if _, err := c.nextLink(link); (err == nil) != ok {
			t.Errorf("nextLink(%s) = %v, want ok %v", link, err, ok)
		}
	}
}

// Prefer: IdType="ImmutableId" on every request keeps stored message ids
// valid when a message moves to another folder.
func TestImmutableIDsSurviveAMove(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	mb := "/users/" + url.PathEscape(testUser)
	restID := e.raw("POST", mb+"/messages", map[string]any{"subject": "mover"}, false)["id"].(string)
	found, err := e.client.FindMessages(ctx, testUser, "subject eq 'mover'")
	if err != nil || len(found) != 1 {
		t.Fatalf("FindMessages = %+v, %v", found, err)
	}
	if found[0].ID == restID {
		t.Fatalf("the client got the REST id %s, not an immutable one", restID)
	}
	it := item.Ref{Mailbox: testUser, Kind: item.Message, ID: found[0].ID}
	a, err := e.client.AddSmall(ctx, it, NewAttachment{Name: "m.txt", Size: 1}, readerOf([]byte("m")))
	if err != nil {
		t.Fatal(err)
	}
	e.raw("POST", mb+"/messages/"+url.PathEscape(restID)+"/move", map[string]any{"destinationId": "archive"}, false)
	list, err := e.client.ListAttachments(ctx, it)
	if err != nil || len(list) != 1 || list[0].ID != a.ID {
		t.Errorf("after the move: %+v, %v", list, err)
	}
	if _, err := e.client.ListAttachments(ctx, item.Ref{Mailbox: testUser, Kind: item.Message, ID: restID}); !errors.Is(err, ErrNotFound) {
		t.Errorf("the old REST id still works (%v): the test proves nothing", err)
	}
}
