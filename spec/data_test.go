package spec

import (
	"context"
	"errors"
	"github.com/attachform/attachform/item"
	"strings"
	"testing"
)

// fakeData answers lookups from a table keyed by kind and query, and
// records the queries it was asked.
type fakeData struct {
	items map[string][]DataItem
	err   error
	asked []DataQuery
}

func (f *fakeData) Lookup(_ context.Context, q DataQuery) ([]DataItem, error) {
	f.asked = append(f.asked, q)
	if f.err != nil {
		return nil, f.err
	}
	return f.items[q.Kind+":"+q.Filter+q.Name+q.Title], nil
}

const dataManifest = `
data "event" "all_hands" {
  mailbox = "ops@contoso.com"
  filter  = "subject eq 'All hands'"
}

data "todo_list" "team" {
  mailbox = "ops@contoso.com"
  name    = "Team"
}

data "todo_task" "review" {
  mailbox = "ops@contoso.com"
  list_id = data.todo_list.team.id
  title   = "Review"
}

target "all_hands" {
  mailbox = "ops@contoso.com"
  event   = data.event.all_hands.id
}

target "review" {
  mailbox   = "ops@contoso.com"
  todo_list = data.todo_task.review.list_id
  todo_task = data.todo_task.review.id
}

attachment "agenda" {
  target = target.all_hands
  source = "agenda.pdf"
}
`

func TestDataSources(t *testing.T) {
	dir := writeConfig(t, map[string]string{"main.attach.hcl": dataManifest, "agenda.pdf": "pdf"})
	one := map[string][]DataItem{
		"event:subject eq 'All hands'": {{ID: "EV1", Label: "All hands"}},
		"todo_list:Team":               {{ID: "L1", Label: "Team"}},
		"todo_task:Review":             {{ID: "T1", Label: "Review"}},
	}

	t.Run("offline", func(t *testing.T) {
		cfg := mustLoad(t, dir, LoadOptions{})
		for _, tg := range cfg.Targets {
			if !tg.Unknown || tg.Item.ID != "" {
				t.Errorf("offline target %s = %+v, want Unknown with no id", tg.Name, tg)
			}
		}
		if len(cfg.Attachments) != 1 || !cfg.Attachments[0].Target.Unknown {
			t.Errorf("offline attachments = %+v, want agenda on an unknown target", cfg.Attachments)
		}
	})

	t.Run("resolved", func(t *testing.T) {
		data := &fakeData{items: one}
		cfg := mustLoad(t, dir, LoadOptions{Data: data})
		if ev := cfg.Targets[0]; ev.Name != "all_hands" || ev.Item.ID != "EV1" || ev.Unknown {
			t.Errorf("all_hands = %+v, want event EV1", ev)
		}
		if tk := cfg.Targets[1]; tk.Item.ID != "T1" || tk.Item.ListID != "L1" || tk.Item.Kind != item.TodoTask || tk.Unknown {
			t.Errorf("review = %+v, want task T1 in list L1", tk)
		}
		var taskQuery DataQuery
		for _, q := range data.asked {
			if q.Kind == "todo_task" {
				taskQuery = q
			}
		}
		if taskQuery.ListID != "L1" || taskQuery.Title != "Review" || taskQuery.Mailbox != "ops@contoso.com" {
			t.Errorf("todo_task query = %+v, want list L1 (from data.todo_list.team.id)", taskQuery)
		}
	})

	for _, tc := range []struct {
		name    string
		data    *fakeData
		summary string
		detail  []string
	}{
		{"none found", &fakeData{items: map[string][]DataItem{"todo_list:Team": {{ID: "L1"}}, "todo_task:Review": {{ID: "T1"}}}},
			"No event found", []string{"subject eq 'All hands'", "exactly one"}},
		{"several found", &fakeData{items: map[string][]DataItem{
			"event:subject eq 'All hands'": {{ID: "EV1", Label: "All hands (Q3)"}, {ID: "EV2", Label: "All hands (Q4)"}},
			"todo_list:Team":               {{ID: "L1"}}, "todo_task:Review": {{ID: "T1"}},
		}}, "Several events found", []string{"matched 2 items", `"All hands (Q3)" (id EV1)`, `"All hands (Q4)" (id EV2)`}},
		{"lookup fails", &fakeData{err: errors.New("403 ErrorAccessDenied")},
			"Data source lookup failed", []string{"ErrorAccessDenied"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := Load(context.Background(), dir, LoadOptions{Data: tc.data})
			if !diags.HasErrors() {
				t.Fatal("want an error")
			}
			d := diags[0]
			if d.Summary != tc.summary || d.Subject == nil || d.Subject.Start.Line != 2 {
				t.Errorf("first diagnostic = %q at %v, want %q at line 2", d.Summary, d.Subject, tc.summary)
			}
			for _, s := range tc.detail {
				if !strings.Contains(d.Detail, s) {
					t.Errorf("detail %q lacks %q", d.Detail, s)
				}
			}
		})
	}
}

func TestDataSeveralListsAtMostTen(t *testing.T) {
	dir := writeConfig(t, map[string]string{"main.attach.hcl": "data \"message\" \"m\" {\n  mailbox = \"ops@contoso.com\"\n  filter  = \"isDraft eq true\"\n}\n"})
	var many []DataItem
	for i := range 25 {
		many = append(many, DataItem{ID: "M" + string(rune('A'+i)), Label: "Draft"})
	}
	_, diags := Load(context.Background(), dir, LoadOptions{Data: &fakeData{items: map[string][]DataItem{"message:isDraft eq true": many}}})
	if len(diags) != 1 || !strings.Contains(diags[0].Detail, "… and 15 more") || strings.Count(diags[0].Detail, "(id ") != 10 {
		t.Errorf("diagnostics = %v", diags)
	}
}

// An argument whose value comes from a data source is not known offline:
// validate skips the instance rather than judge it by a value it does not
// have (inline = true with a content_id from a lookup is not "missing
// content_id"), and checks it once the lookup answers.
func TestOptionalArgumentsFromData(t *testing.T) {
	manifest := dataManifest + `
attachment "logo" {
  target     = target.all_hands
  source     = "logo.png"
  inline     = true
  content_id = data.event.all_hands.id
}
`
	dir := writeConfig(t, map[string]string{"main.attach.hcl": manifest, "agenda.pdf": "pdf", "logo.png": "png"})
	mustLoad(t, dir, LoadOptions{})
	cfg := mustLoad(t, dir, LoadOptions{Data: &fakeData{items: map[string][]DataItem{
		"event:subject eq 'All hands'": {{ID: "EV1", Label: "All hands"}},
		"todo_list:Team":               {{ID: "L1", Label: "Team"}},
		"todo_task:Review":             {{ID: "T1", Label: "Review"}},
	}}})
	for _, a := range cfg.Attachments {
		if a.Address == "attachment.logo" && (!a.Inline || a.ContentID != "EV1") {
			t.Errorf("logo = inline %v, content_id %q; want inline with EV1", a.Inline, a.ContentID)
		}
	}
	if len(cfg.Attachments) != 2 {
		t.Errorf("%d attachments, want 2", len(cfg.Attachments))
	}
}
