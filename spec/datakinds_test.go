package spec

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// batchData is a BatchResolver over fakeData that counts its calls.
type batchData struct {
	fakeData
	calls int
}

func (b *batchData) LookupAll(ctx context.Context, qs []DataQuery) []DataResult {
	b.calls++
	out := make([]DataResult, len(qs))
	for i, q := range qs {
		items, err := b.fakeData.Lookup(ctx, q)
		if q.Kind == "group" || q.Kind == "users" {
			items = b.items[q.Kind+":"+q.Name+q.ID+q.Filter]
		}
		if err == nil && strings.HasPrefix(q.Mailbox, "gone") {
			err = errors.New("404 ErrorInvalidUser: there is no such user in the tenant")
		}
		out[i] = DataResult{Items: items, Err: err}
	}
	return out
}

const peopleManifest = `
data "group" "new_hires" {
  name = "New Hires"
}

data "users" "sales" {
  filter = "department eq 'Sales'"
}

data "messages" "hello" {
  for_each = toset(data.group.new_hires.members)
  mailbox  = each.key
  filter   = "subject eq 'Hello'"
}

target "hello" {
  for_each = { for box, found in data.messages.hello : box => found.ids[0] if length(found.ids) > 0 }
  mailbox  = each.key
  message  = each.value
}
`

func TestPeopleAndPlurals(t *testing.T) {
	dir := writeConfig(t, map[string]string{"main.attach.hcl": peopleManifest})
	data := &batchData{fakeData: fakeData{items: map[string][]DataItem{
		"group:New Hires":             {{ID: "G1", Label: "New Hires", Members: []string{"b@contoso.com", "a@contoso.com", "c@contoso.com"}}},
		"users:department eq 'Sales'": {{ID: "U2", Label: "z@contoso.com"}, {ID: "U1", Label: "y@contoso.com"}},
		"messages:subject eq 'Hello'": {{ID: "M2", Label: "Hello"}, {ID: "M1", Label: "Hello"}},
	}}}
	cfg := mustLoad(t, dir, LoadOptions{Data: data})
	// Rule: the plural's ids are sorted by label then id, so ids[0] is M1
	// in every mailbox the fake answers for; each member has a target.
	if len(cfg.Targets) != 3 {
		t.Fatalf("%d targets, want 3 (one per member)", len(cfg.Targets))
	}
	for _, tg := range cfg.Targets {
		if tg.Item.ID != "M1" {
			t.Errorf("%s: item %s, want M1 (ids[0] in label, id order)", tg.Name, tg.Item.ID)
		}
	}
	// Rule: the instances of one data block are asked in one call.
	if data.calls != 3 {
		t.Errorf("%d LookupAll calls, want 3 (group, users, the three messages together)", data.calls)
	}
}

func TestPluralMayFindNothing(t *testing.T) {
	dir := writeConfig(t, map[string]string{"main.attach.hcl": peopleManifest})
	data := &batchData{fakeData: fakeData{items: map[string][]DataItem{
		"group:New Hires": {{ID: "G1", Label: "New Hires", Members: []string{"a@contoso.com"}}},
	}}}
	cfg := mustLoad(t, dir, LoadOptions{Data: data})
	if len(cfg.Targets) != 0 {
		t.Errorf("targets %+v, want none: the member's item does not exist yet", cfg.Targets)
	}
}

func TestPeopleDiagnostics(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		items     map[string][]DataItem
		want      []string
	}{
		{"group by name and id", `data "group" "g" {
  name = "X"
  id   = "1"
}`, nil, []string{"Conflicting group arguments"}},
		{"group unnamed", `data "group" "g" {}`, nil, []string{"Missing group name"}},
		{"no group", `data "group" "g" {
  name = "X"
}`, nil, []string{"No group found", "data.group.g"}},
		{"several groups", `data "group" "g" {
  name = "X"
}`, map[string][]DataItem{"group:X": {{ID: "1"}, {ID: "2"}}}, []string{"Several groups found", "object id"}},
		{"a member's mailbox is gone", `data "messages" "m" {
  for_each = toset(["ok@contoso.com", "gone@contoso.com"])
  mailbox  = each.key
  filter   = "subject eq 'x'"
}`, nil, []string{"Data source lookup failed", `data.messages.m["gone@contoso.com"]`, "no such user"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeConfig(t, map[string]string{"main.attach.hcl": tc.src})
			_, diags := Load(context.Background(), dir, LoadOptions{Data: &batchData{fakeData: fakeData{items: tc.items}}})
			if !diags.HasErrors() {
				t.Fatal("want an error")
			}
			text := diags.Error()
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("diagnostics %q lack %q", text, w)
				}
			}
		})
	}
}

func TestPeopleTypesOffline(t *testing.T) {
	for kind, typ := range dataTypesMany {
		if got := dataType(kind); !got.Equals(typ) {
			t.Errorf("dataType(%s) = %s", kind, got.FriendlyName())
		}
	}
	if !dataType("group").AttributeType("members").Equals(cty.List(cty.String)) {
		t.Error("group members are a list of strings")
	}
}
