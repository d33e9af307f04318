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
	// Rule: data blocks that do not depend on each other are asked in one
	// call, every instance of them: group and users first, then the
	// three messages that depend on the group.
	if data.calls != 2 {
		t.Errorf("%d LookupAll calls, want 2 (group and users together, then the three messages)", data.calls)
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

// Data blocks written out one by one, independent of each other, are
// looked up in one call (so a resolver batches them); one that depends on
// another comes after it.
func TestIndependentDataBlocksAskedTogether(t *testing.T) {
	var src strings.Builder
	for _, box := range []string{"a", "b", "c"} {
		src.WriteString("data \"message\" \"" + box + "\" {\n  mailbox = \"" + box + "@contoso.com\"\n  filter  = \"subject eq 'Hello'\"\n}\n")
	}
	src.WriteString("data \"todo_list\" \"l\" {\n  mailbox = \"a@contoso.com\"\n  name    = \"L\"\n}\n")
	src.WriteString("data \"todo_task\" \"t\" {\n  mailbox = \"a@contoso.com\"\n  list_id = data.todo_list.l.id\n  title   = \"T\"\n}\n")
	dir := writeConfig(t, map[string]string{"main.attach.hcl": src.String()})
	data := &batchData{fakeData: fakeData{items: map[string][]DataItem{
		"message:subject eq 'Hello'": {{ID: "M", Label: "Hello"}},
		"todo_list:L":                {{ID: "L1", Label: "L"}},
		"todo_task:T":                {{ID: "T1", Label: "T"}},
	}}}
	mustLoad(t, dir, LoadOptions{Data: data})
	if data.calls != 2 || len(data.asked) != 5 {
		t.Errorf("%d calls asking %d queries, want 2 calls (the four independent blocks, then the task) asking 5", data.calls, len(data.asked))
	}
	if last := data.asked[len(data.asked)-1]; last.Kind != "todo_task" || last.ListID != "L1" {
		t.Errorf("last query %+v, want the task in list L1", last)
	}
}
