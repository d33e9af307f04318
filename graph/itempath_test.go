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
