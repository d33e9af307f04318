package plan

import (
	"testing"

	"github.com/attachform/attachform/item"
	"github.com/attachform/attachform/state"
)

func TestCompareReviewed(t *testing.T) {
	msg := item.Ref{Mailbox: "alice@contoso.com", Kind: item.Message, ID: "m1"}
	other := item.Ref{Mailbox: "alice@contoso.com", Kind: item.Message, ID: "m2"}
	create := func(addr, sha string, on item.Ref) Change {
		return Change{Address: addr, Action: Create, After: &Desired{Address: addr, Target: on, Descriptor: state.Descriptor{SHA256: sha}}}
	}
	del := func(addr, id string) Change {
		return Change{Address: addr, Action: Delete, Before: &state.Attachment{Address: addr, ID: id, Target: msg}}
	}
	reviewed := []Change{create("attachment.a", "aaa", msg), del("attachment.old", "ID1"), {Address: "attachment.kept", Action: NoOp}}
	shouting := msg
	shouting.Mailbox = "ALICE@contoso.com"
	for _, tc := range []struct {
		name              string
		fresh             []Change
		unreviewed, gone  []string
		freshMoves, moves []Move
	}{
		{name: "same changes, other reasons and order, a mailbox spelt otherwise",
			fresh: []Change{del("attachment.old", "ID1"), {Address: "attachment.a", Action: Create, Reason: "x", After: &Desired{Target: shouting,
				Descriptor: state.Descriptor{SHA256: "aaa"}}}}},
		{name: "an unreviewed block", fresh: append(clone(reviewed), create(`attachment.extra["k"]`, "eee", msg)),
			unreviewed: []string{`attachment.extra["k"]`}},
		{name: "a source changed", fresh: []Change{create("attachment.a", "bbb", msg), del("attachment.old", "ID1")},
			unreviewed: []string{"attachment.a"}, gone: []string{"attachment.a"}},
		{name: "another item", fresh: []Change{create("attachment.a", "aaa", other), del("attachment.old", "ID1")},
			unreviewed: []string{"attachment.a"}, gone: []string{"attachment.a"}},
		{name: "another attachment to delete", fresh: []Change{create("attachment.a", "aaa", msg), del("attachment.old", "ID2")},
			unreviewed: []string{"attachment.old"}, gone: []string{"attachment.old"}},
		{name: "another action", fresh: []Change{{Address: "attachment.a", Action: Adopt, AdoptID: "X", After: &Desired{Target: msg,
			Descriptor: state.Descriptor{SHA256: "aaa"}}}, del("attachment.old", "ID1")},
			unreviewed: []string{"attachment.a"}, gone: []string{"attachment.a"}},
		{name: "a reviewed change disappeared", fresh: []Change{create("attachment.a", "aaa", msg)}, gone: []string{"attachment.old"}},
		{name: "an unreviewed move", fresh: clone(reviewed), freshMoves: []Move{{From: "attachment.x", To: "attachment.y"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := CompareReviewed(&Plan{Changes: reviewed}, &Plan{Changes: tc.fresh, Moves: tc.freshMoves})
			if got := addressesOf(d.Unreviewed); !sameStrings(got, tc.unreviewed) {
				t.Errorf("unreviewed %v, want %v", got, tc.unreviewed)
			}
			if got := addressesOf(d.Gone); !sameStrings(got, tc.gone) {
				t.Errorf("gone %v, want %v", got, tc.gone)
			}
			if len(d.UnreviewedMoves) != len(tc.freshMoves) {
				t.Errorf("unreviewed moves %v, want %v", d.UnreviewedMoves, tc.freshMoves)
			}
			if want := tc.unreviewed == nil && tc.gone == nil && tc.freshMoves == nil; d.Empty() != want {
				t.Errorf("Empty() = %v, want %v", d.Empty(), want)
			}
		})
	}
}

func clone(cs []Change) []Change { return append([]Change(nil), cs...) }

func addressesOf(cs []Change) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Address)
	}
	return out
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
