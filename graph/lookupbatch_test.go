package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/attachform/attachform/emulator"
	"github.com/attachform/attachform/item"
)

// directoryEnv is an emulator whose fixtures hold n users, u000@… to
// u{n-1}@…, half in Sales, all in group "Everyone" (through the nested
// group "Half" for the odd ones, with a device, a contact and a service
// principal beside them), and the item
// "Welcome" in every even user's drafts.
func directoryEnv(t *testing.T, n int) *env { return directoryEnvTB(t, n) }

func directoryEnvTB(t testing.TB, n int) *env {
	var f emulator.Fixtures
	all := emulator.FixtureGroup{Name: "Everyone", Groups: []string{"Half"}, Devices: []string{"LAPTOP-1"}, Contacts: []string{"Vendor"}, Apps: []string{"attachform"}}
	half := emulator.FixtureGroup{Name: "Half"}
	for i := range n {
		mb := emulator.FixtureMailbox{UPN: fmt.Sprintf("u%04d@contoso.com", i), Department: "Sales"}
		if i%2 == 1 {
			mb.Department = "Finance"
			half.Members = append(half.Members, mb.UPN)
		} else {
			all.Members = append(all.Members, mb.UPN)
			mb.Messages = []emulator.FixtureItem{{Subject: "Welcome"}}
		}
		f.Mailboxes = append(f.Mailboxes, mb)
	}
	f.Groups = []emulator.FixtureGroup{all, half}
	return newEnv(t, func(eo *emulator.Options, _ *Options) { eo.Fixtures = &f })
}

func labels(items []ItemSummary) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Label)
	}
	slices.Sort(out)
	return out
}

// Every lookup's first page goes through $batch, 20 a request, mailboxes
// mixed; the same lookup is asked once; results come back in order.
func TestLookupsBatched(t *testing.T) {
	e := directoryEnv(t, 60)
	var qs []Lookup
	for i := range 60 {
		qs = append(qs, Lookup{Kind: LookupMessages, Mailbox: fmt.Sprintf("u%04d@contoso.com", i), Filter: "subject eq 'Welcome'"})
	}
	qs = append(qs, qs[0], Lookup{Kind: LookupMessages, Mailbox: "U0000@CONTOSO.COM", Filter: "subject eq 'Welcome'"})
	e.rec.take()
	res := e.client.Lookups(context.Background(), qs)
	for i, r := range res[:60] {
		want := 1 - i%2
		if r.Err != nil || len(r.Items) != want {
			t.Fatalf("lookup %d: %+v", i, r)
		}
	}
	if res[60].Items[0].ID != res[0].Items[0].ID || res[61].Items[0].ID != res[0].Items[0].ID {
		t.Errorf("repeated lookups answered differently: %+v %+v", res[60], res[61])
	}
	reqs := e.rec.take()
	if n := batchPosts(reqs); n != 3 || len(reqs) != 3 {
		t.Errorf("%d requests, %d $batch; want 3 $batch (60 lookups, asked once each)", len(reqs), n)
	}
}

// A group's transitive user members: nested groups expanded, the device
// left out (and the contact and the service principal), 999 a page, the
// ConsistencyLevel header on every page.
func TestLookupGroupMembers(t *testing.T) {
	e := directoryEnv(t, 2100)
	ctx := context.Background()
	e.rec.take()
	g := e.client.Lookups(ctx, []Lookup{{Kind: LookupGroups, Name: "everyone"}})[0]
	if g.Err != nil || len(g.Items) != 1 || g.Items[0].Label != "Everyone" {
		t.Fatalf("group = %+v", g)
	}
	byID := e.client.Lookups(ctx, []Lookup{{Kind: LookupGroups, ID: g.Items[0].ID}})[0]
	if byID.Err != nil || len(byID.Items) != 1 || byID.Items[0].ID != g.Items[0].ID {
		t.Fatalf("group by id = %+v", byID)
	}
	e.rec.take()
	m := e.client.Lookups(ctx, []Lookup{{Kind: LookupGroupMembers, ID: g.Items[0].ID}})[0]
	if m.Err != nil || len(m.Items) != 2100 {
		t.Fatalf("members: %d, %v", len(m.Items), m.Err)
	}
	got := labels(m.Items)
	if got[0] != "u0000@contoso.com" || got[2099] != "u2099@contoso.com" || slices.Contains(got, "LAPTOP-1") {
		t.Errorf("members %v … %v", got[:2], got[2098:])
	}
	if n := len(e.rec.take()); n != 3 {
		t.Errorf("%d requests for 2,100 members; want 3 (pages of 999)", n)
	}
	none := e.client.Lookups(ctx, []Lookup{{Kind: LookupGroups, Name: "No such group"}})[0]
	if none.Err != nil || len(none.Items) != 0 {
		t.Errorf("unknown group = %+v", none)
	}
}

// Users by a directory filter, with the advanced query parameters (so that
// ne works, which Graph refuses without them).
func TestLookupUsers(t *testing.T) {
	e := directoryEnv(t, 10)
	res := e.client.Lookups(context.Background(), []Lookup{
		{Kind: LookupUsers, Filter: "department eq 'Finance'"},
		{Kind: LookupUsers, Filter: "department ne 'Finance'"},
	})
	if res[0].Err != nil || strings.Join(labels(res[0].Items), ",") != "u0001@contoso.com,u0003@contoso.com,u0005@contoso.com,u0007@contoso.com,u0009@contoso.com" {
		t.Errorf("Finance = %+v", res[0])
	}
	if res[1].Err != nil || len(res[1].Items) != 7 { // five in Sales, the demo mailbox and /me without a department
		t.Errorf("not Finance = %+v", res[1])
	}
}

// A mailbox that does not exist, or that an application access policy
// leaves out, fails its own lookup with a hint that says what to do; the
// others are answered.
func TestLookupFailingMailboxes(t *testing.T) {
	f := &emulator.Fixtures{Mailboxes: []emulator.FixtureMailbox{
		{UPN: "ok@contoso.com"},
		{UPN: "blocked@contoso.com", PolicyDenied: true},
	}}
	e := newEnv(t, func(eo *emulator.Options, _ *Options) { eo.Fixtures = f })
	res := e.client.Lookups(context.Background(), []Lookup{
		{Kind: LookupMessages, Mailbox: "ok@contoso.com", Filter: "subject eq 'x'"},
		{Kind: LookupMessages, Mailbox: "gone@contoso.com", Filter: "subject eq 'x'"},
		{Kind: LookupMessages, Mailbox: "blocked@contoso.com", Filter: "subject eq 'x'"},
	})
	if res[0].Err != nil {
		t.Errorf("ok: %v", res[0].Err)
	}
	var ge *Error
	if !errors.As(res[1].Err, &ge) || ge.Status != 404 || !strings.Contains(res[1].Err.Error(), "no such user") {
		t.Errorf("gone: %v", res[1].Err)
	}
	if !errors.As(res[2].Err, &ge) || ge.Status != 403 || !strings.Contains(res[2].Err.Error(), "application access policy") {
		t.Errorf("blocked: %v", res[2].Err)
	}
}

// An item a lookup found is refreshed without asking its subject again:
// one inner request per item (its attachments), and the label is the one
// the lookup saw.
func TestRefreshTakesLookupLabels(t *testing.T) {
	e := directoryEnv(t, 4)
	ctx := context.Background()
	var refs []item.Ref
	for _, i := range []int{0, 2} {
		mb := fmt.Sprintf("u%04d@contoso.com", i)
		r := e.client.Lookups(ctx, []Lookup{{Kind: LookupMessages, Mailbox: mb, Filter: "subject eq 'Welcome'"}})[0]
		if r.Err != nil || len(r.Items) != 1 {
			t.Fatalf("%s: %+v", mb, r)
		}
		refs = append(refs, item.Ref{Mailbox: mb, Kind: item.Message, ID: r.Items[0].ID})
	}
	batchedBefore := e.srv.Stats().Requests.Batched
	got, err := e.client.RefreshBatch(ctx, refs)
	if err != nil {
		t.Fatal(err)
	}
	if n := e.srv.Stats().Requests.Batched - batchedBefore; n != 2 {
		t.Errorf("%d inner requests, want 2 (the listings; the subjects are known)", n)
	}
	for _, r := range refs {
		if got[r].Label.Title != "Welcome" {
			t.Errorf("%s: label %+v", r, got[r].Label)
		}
	}
}

// An application without a directory permission: the group and users
// lookups fail with Graph's 403, and the error names the least permission
// that would do.
func TestLookupDirectoryPermissionHint(t *testing.T) {
	tok := unsignedJWT(t, map[string]any{"roles": []string{"Mail.ReadWrite"}})
	e := newEnv(t, withCredential(tok))
	res := e.client.Lookups(context.Background(), []Lookup{
		{Kind: LookupGroups, Name: "New Hires"},
		{Kind: LookupUsers, Filter: "department eq 'Sales'"},
	})
	for i, want := range []string{"GroupMember.Read.All", "User.Read.All"} {
		var ge *Error
		if !errors.As(res[i].Err, &ge) || ge.Status != 403 || !strings.Contains(res[i].Err.Error(), want) {
			t.Errorf("lookup %d: %v, want a 403 naming %s", i, res[i].Err, want)
		}
	}
	members := e.client.Lookups(context.Background(), []Lookup{{Kind: LookupGroupMembers, ID: "00000000-0000-4000-8000-000000000000"}})[0]
	if !strings.Contains(fmt.Sprint(members.Err), "GroupMember.Read.All") {
		t.Errorf("members: %v, want the permission named", members.Err)
	}
}
