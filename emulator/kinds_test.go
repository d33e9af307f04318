package emulator

import (
	"slices"
	"testing"
)

// The emulator's table agrees with itself: kindOrder walks every kind
// once, a kind a mailbox keeps has paths to serve it, and an Outlook kind
// an upload URL's entity set.
func TestKindsTable(t *testing.T) {
	if len(kindOrder) != len(kinds) {
		t.Fatalf("kindOrder %v, table of %d kinds", kindOrder, len(kinds))
	}
	for i, k := range kindOrder {
		d, ok := kinds[k]
		if !ok || slices.Contains(kindOrder[i+1:], k) {
			t.Errorf("%s: in kindOrder once and in the table: %v", k, ok)
		}
		if d.collection == "" || d.label == "" || d.fixtureProps == nil || (d.items != nil) != (len(d.paths) > 0) {
			t.Errorf("%s: incomplete entry", k)
		}
		if d.outlook && d.uploadSet == "" {
			t.Errorf("%s: an Outlook kind without its upload URL's entity set", k)
		}
	}
	for _, tc := range []struct {
		segs []string
		k    kind
		rest int
	}{
		{[]string{"MESSAGES", "id"}, kindMessage, 1},
		{[]string{"events"}, kindEvent, 0},
		{[]string{"Calendar", "Events", "id", "attachments"}, kindEvent, 2},
		{[]string{"calendar"}, "", -1},
		{[]string{"calendar", "calendarView"}, "", -1},
		{[]string{"todo", "lists"}, "", -1},
	} {
		k, rest, ok := mailboxCollection(tc.segs)
		if k != tc.k || ok != (tc.rest >= 0) || (ok && len(rest) != tc.rest) {
			t.Errorf("mailboxCollection(%v) = %s, %v, %v", tc.segs, k, rest, ok)
		}
	}
}
