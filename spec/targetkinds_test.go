package spec

import (
	"strings"
	"testing"

	"github.com/attachform/attachform/item"
	"github.com/hashicorp/hcl/v2"
)

// todaysKinds are the kinds the words below were written for (message,
// event, To Do task), so that a kind added to item's table later changes
// nothing here: the words that list every kind are built by functions
// handed the table, held here to today's kinds and, through Load, to
// item's whole table.
func todaysKinds(t *testing.T) []item.Definition {
	var out []item.Definition
	for _, k := range []item.Kind{item.Message, item.Event, item.TodoTask} {
		d, ok := k.Definition()
		if !ok {
			t.Fatalf("%s: not in the table", k)
		}
		out = append(out, d)
	}
	return out
}

// groupPost is a fourth kind, on paper (docs/development.md): a group's,
// in a thread, with inline attachments.
var groupPost = item.Definition{
	Kind: "group_post", Owner: item.Group, Noun: "post",
	Traits:     item.Traits{Label: "group post", Service: item.Outlook, Inline: true},
	Collection: item.Collection{Path: "posts", Data: "group_post", Plural: "group_posts", By: "filter"},
	Parent: &item.Parent{
		Collection: item.Collection{Path: "threads", LabelProperty: "topic", Data: "group_thread", Plural: "group_threads", By: "title"},
		Argument:   "group_thread", Label: "group thread", Noun: "thread",
	},
}

// The words that list every kind, for today's kinds in full, and with a
// fourth kind: each list takes it in with no change in spec.
func TestWordsListingTheKinds(t *testing.T) {
	today := todaysKinds(t)
	four := append(today[:len(today):len(today)], groupPost)
	for _, tc := range []struct{ what, got, want string }{
		{"item arguments", itemArguments(today), "message, event or todo_task (with todo_list)"},
		{"inline kinds", inlineKinds(today), "Outlook messages and events"},
		{"data sources", singularDataSources(item.DataSourcesOf(today)), "message, event, todo_list and todo_task"},
		{"item arguments of four", itemArguments(four), "message, event, todo_task (with todo_list) or group_post (with group_thread)"},
		{"inline kinds of four", inlineKinds(four), "Outlook messages, events and group posts"},
		{"data sources of four", singularDataSources(item.DataSourcesOf(four)), "message, event, todo_list, todo_task, group_thread and group_post"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %q; want %q", tc.what, tc.got, tc.want)
		}
	}
}

// The target block's item arguments and their diagnostics, which spec
// builds from item's table: each case's details are the words people see
// (the list of every kind's argument as TestWordsListingTheKinds holds it).
func TestTargetItemArguments(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       []string // diagnostic details, in order
	}{
		{"no item", `mailbox = "ops@contoso.com"`,
			[]string{"target.t needs exactly one of " + itemArguments(item.Definitions()) + " to say which item attachments go on."}},
		{"task without list", "mailbox = \"ops@contoso.com\"\ntodo_task = \"T\"",
			[]string{"target.t names a To Do task; Graph addresses a task within its list, so todo_list is required as well."}},
		{"list with a message", "mailbox = \"ops@contoso.com\"\nmessage = \"M\"\ntodo_list = \"L\"",
			[]string{"target.t sets todo_list, which only makes sense with todo_task. Add the task, or remove todo_list."}},
		{"list alone", "mailbox = \"ops@contoso.com\"\ntodo_list = \"L\"",
			[]string{"target.t needs exactly one of", "target.t sets todo_list, which only makes sense with todo_task."}},
		{"two items", "mailbox = \"ops@contoso.com\"\nmessage = \"M\"\nevent = \"E\"\ntodo_list = \"L\"",
			[]string{"target.t sets both message and event."}},
		{"no mailbox", `message = "M"`,
			[]string{`The argument "mailbox" is required`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeConfig(t, map[string]string{"main.attach.hcl": "target \"t\" {\n" + tc.body + "\n}\n"})
			_, diags := loadErrors(t, dir, LoadOptions{})
			var got []string
			for _, d := range diags {
				got = append(got, d.Detail)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("diagnostics %q, want %d", got, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("diagnostic %d: %q, want %q", i, got[i], w)
				}
			}
		})
	}
}

// A target's item in a list is described with both ids where attachments
// on it collide.
func TestDuplicateNameOnATask(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		"a.txt": "a",
		"main.attach.hcl": `
target "review" {
  mailbox   = "ops@contoso.com"
  todo_list = "L"
  todo_task = "T"
}
attachment "a" {
  target = target.review
  source = "a.txt"
}
attachment "b" {
  target = target.review
  source = "a.txt"
}
`})
	_, diags := loadErrors(t, dir, LoadOptions{})
	if !strings.Contains(diags.Error(), "(target.review, task T in list L of ops@contoso.com)") {
		t.Errorf("diagnostics %s; want the task described with its list", diags.Error())
	}
}

// A reference to a data source kind that does not exist names the kinds
// (item's table's, as TestWordsListingTheKinds holds them).
func TestReferenceToUnknownDataKind(t *testing.T) {
	dir := writeConfig(t, map[string]string{"main.attach.hcl": "target \"t\" {\n  mailbox = \"ops@contoso.com\"\n  message = data.mesage.welcome.id\n}\n"})
	_, diags := loadErrors(t, dir, LoadOptions{})
	want := `There is no data source kind "mesage". The kinds are ` + singularDataSources(item.DataSources()) + "."
	if !strings.Contains(diags.Error(), want) {
		t.Errorf("diagnostics %s; want %s", diags.Error(), want)
	}
}

// inline and content_id on a kind without inline attachments name the
// kinds that have them (item's table's, as TestWordsListingTheKinds holds
// them).
func TestInlineOnATask(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		"a.txt": "a",
		"main.attach.hcl": `
target "review" {
  mailbox   = "ops@contoso.com"
  todo_list = "L"
  todo_task = "T"
}
attachment "a" {
  target     = target.review
  source     = "a.txt"
  inline     = true
  content_id = "logo"
}
`})
	summaries, diags := loadErrors(t, dir, LoadOptions{})
	if strings.Join(summaries, "; ") != "Inline attachment on a To Do task; content_id on a To Do task" {
		t.Errorf("summaries %q", summaries)
	}
	inline := inlineKinds(item.Definitions())
	want := []string{
		`attachment.a: inline attachments exist only on ` + inline + `; target "review" is a To Do task. Remove inline.`,
		`attachment.a: content_id exists only on ` + inline + `; target "review" is a To Do task. Remove content_id.`,
	}
	for i, d := range diags {
		if i >= len(want) || d.Detail != want[i] {
			t.Errorf("diagnostic %d: %q; want %q", i, d.Detail, want)
		}
	}
}

// The target's schema from the kinds' table: today's, argument by
// argument, and with a kind of a group's mailbox beside them, whose owner
// arguments the schema then leaves to evalTargetInstance; the target
// block is decoded with item's whole table's.
func TestTargetSchemaOfKinds(t *testing.T) {
	names := func(s *hcl.BodySchema) string {
		var out []string
		for _, a := range s.Attributes {
			n := a.Name
			if a.Required {
				n += "!"
			}
			out = append(out, n)
		}
		return strings.Join(out, " ")
	}
	today := todaysKinds(t)
	if got := names(targetSchemaOf(today)); got != "mailbox! message event todo_list todo_task exclusive" {
		t.Errorf("target schema %s", got)
	}
	if got := names(targetSchemaOf(append(today[:len(today):len(today)], groupPost))); got != "mailbox group message event todo_list todo_task group_thread group_post exclusive" {
		t.Errorf("with a group's kind: %s", got)
	}
	if got, want := names(targetSchema), names(targetSchemaOf(item.Definitions())); got != want {
		t.Errorf("target schema %s; want item's table's, %s", got, want)
	}
}

// The owner argument's check, on a target and on a data source: its words
// ask for what the kind's owner in item's table is named by.
func TestInvalidMailboxWords(t *testing.T) {
	for _, tc := range []struct{ name, hcl string }{
		{"target", "target \"t\" {\n  mailbox = \"ops team\"\n  message = \"M\"\n}\n"},
		{"data source", "data \"message\" \"m\" {\n  mailbox = \"ops/team\"\n  filter  = \"subject eq 'x'\"\n}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeConfig(t, map[string]string{"main.attach.hcl": tc.hcl})
			summaries, diags := loadErrors(t, dir, LoadOptions{})
			if strings.Join(summaries, "; ") != "Invalid mailbox" {
				t.Fatalf("summaries %q", summaries)
			}
			bad := "ops team"
			if tc.name == "data source" {
				bad = "ops/team"
			}
			want := `"` + bad + `" is not a mailbox. Give the user's principal name (ops@contoso.com) or object id, without spaces or slashes.`
			if diags[0].Detail != want {
				t.Errorf("detail %q; want %q", diags[0].Detail, want)
			}
		})
	}
}

// A group's argument is checked in its own words from item's table, with
// no change here: what a group post (docs/development.md) would meet.
func TestInvalidGroupWords(t *testing.T) {
	l := &loader{}
	if !l.checkOwner(item.Group, "0b1c2d3e-0000-0000-0000-000000000000", hcl.Range{}) || len(l.diags) != 0 {
		t.Fatalf("a group's object id refused: %v", l.diags)
	}
	if l.checkOwner(item.Group, "sales team", hcl.Range{}) || len(l.diags) != 1 {
		t.Fatalf("a name with a space accepted: %v", l.diags)
	}
	if d := l.diags[0]; d.Summary != "Invalid group" || d.Detail != `"sales team" is not a group. Give the group's object id, without spaces or slashes.` {
		t.Errorf("diagnostic %q: %q", d.Summary, d.Detail)
	}
}
