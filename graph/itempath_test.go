package graph

import (
	"strings"
	"testing"

	"github.com/attachform/attachform/item"
)

// Item paths from the kinds' table, each id one escaped segment, and the
// owner's mailbox a user's or a group's.
func TestItemPaths(t *testing.T) {
	for _, tc := range []struct {
		ref  item.Ref
		want string // "" for an error
	}{
		{item.Ref{Mailbox: "ops@contoso.com", Kind: item.Message, ID: "A/b+c="}, "/users/ops@contoso.com/messages/A%2Fb+c="},
		{item.Ref{Mailbox: "ME", Kind: item.Event, ID: "E"}, "/me/events/E"},
		{item.Ref{Mailbox: "ops@contoso.com", Kind: item.TodoTask, ListID: "L/1", ID: "T"}, "/users/ops@contoso.com/todo/lists/L%2F1/tasks/T"},
		{item.Ref{Mailbox: "ops@contoso.com", Kind: item.TodoTask, ID: "T"}, ""},
		{item.Ref{Mailbox: "ops@contoso.com", Kind: "group_post", ID: "P"}, ""},
		{item.Ref{Kind: item.Message, ID: "M"}, ""},
	} {
		got, err := itemPath(tc.ref)
		if got != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("itemPath(%v) = %q, %v; want %q", tc.ref, got, err, tc.want)
		}
	}
	if got := ownerPath(item.Group, "0b1c/2d"); got != "/groups/0b1c%2F2d" {
		t.Errorf("a group's mailbox: %s", got)
	}
	if got := ownerPath(item.Group, "me"); !strings.HasPrefix(got, "/groups/") {
		t.Errorf("a group named me is a group: %s", got)
	}
}

// The test environment's items go in their owner's mailbox as item's
// table names it: testUser's for a user's kind, and for a group's (none
// today; a group post on paper, docs/development.md) one Microsoft 365
// group the environment creates once and Graph then serves.
func TestEnvOwners(t *testing.T) {
	e := newEnv(t)
	if got := e.owner(item.User); got != testUser {
		t.Errorf("a user's kind: %s", got)
	}
	id := e.owner(item.Group)
	if again := e.owner(item.Group); again != id {
		t.Errorf("a second group %s after %s", again, id)
	}
	g := e.raw("GET", ownerPath(item.Group, id), nil, false)
	if g["id"] != id || g["mailEnabled"] != true || len(g["groupTypes"].([]any)) != 1 || g["groupTypes"].([]any)[0] != "Unified" {
		t.Errorf("the group: %v", g)
	}
}
