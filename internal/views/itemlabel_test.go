package views

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/attachform/attachform/internal/buildinfo"
	"github.com/attachform/attachform/internal/tfjson"
	"github.com/attachform/attachform/item"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/state"
)

// hostileTitle is a subject written to break every form: Markdown, HTML,
// a table cell's end, a terminal escape, a line break, and 400 characters.
var hostileTitle = "**Welcome** <b>pack</b> | `2` [x](http://e.example) \x1b[31mred\n" + strings.Repeat("y", 330)

// labelPlan is a plan of one change on each kind of item, named by Graph's
// subject or title (a To Do task's with its list's name).
func labelPlan() *plan.Plan {
	msg := item.Ref{Mailbox: "alice@contoso.com", Kind: item.Message, ID: "AAMkC8-message-ZtrA=="}
	ev := item.Ref{Mailbox: "alice@contoso.com", Kind: item.Event, ID: "AAMkC8-event-0001=="}
	task := item.Ref{Mailbox: "alice@contoso.com", Kind: item.TodoTask, ID: "AAMkC8-task-0001==", ListID: "list-1"}
	return &plan.Plan{Changes: []plan.Change{
		{Address: "attachment.pack", Action: plan.Create, After: &plan.Desired{Address: "attachment.pack", Target: msg,
			TargetLabel: item.Label{Title: "Welcome pack 2"}, DisplayPath: "p.pdf",
			Descriptor: state.Descriptor{Name: "p.pdf", ContentType: "application/pdf", SHA256: "a1", Bytes: 10}}},
		{Address: "attachment.hostile", Action: plan.Delete, Reason: "no longer in the configuration",
			Before: &state.Attachment{Address: "attachment.hostile", ID: "att-1",
				Descriptor: state.Descriptor{Name: "h.txt", ContentType: "text/plain"}, Target: ev,
				TargetLabel: item.Label{Title: hostileTitle}}},
		{Address: "attachment.task", Action: plan.Create, After: &plan.Desired{Address: "attachment.task", Target: task,
			TargetLabel: item.Label{Title: "Read the handbook", List: "Onboarding"}, DisplayPath: "t.pdf",
			Descriptor: state.Descriptor{Name: "t.pdf", ContentType: "application/pdf", SHA256: "b2", Bytes: 10}}},
	}}
}

func TestItemLabelsInEveryPlanForm(t *testing.T) {
	p := labelPlan()
	var human bytes.Buffer
	if err := writePlan(&human, p, palette{}); err != nil {
		t.Fatal(err)
	}
	md := planMarkdown(p, githubCommentLimit)
	var js bytes.Buffer
	if err := json.NewEncoder(&js).Encode(tfjson.PlanOf(p, buildinfo.Version())); err != nil {
		t.Fatal(err)
	}
	for form, out := range map[string]string{"human": human.String(), "markdown": md} {
		for _, want := range []string{
			`message "Welcome pack 2" in alice@contoso.com`,
			`todo_task "Read the handbook" in list "Onboarding" in alice@contoso.com`,
		} {
			if !strings.Contains(out, want) && !strings.Contains(out, strings.ReplaceAll(want, `"`, "&quot;")) {
				t.Errorf("%s form lacks %s:\n%s", form, want, out)
			}
		}
		if strings.Contains(out, "\x1b") || strings.Contains(out, "red\n") {
			t.Errorf("%s form carries the subject's control characters raw:\n%q", form, out)
		}
		if strings.Contains(out, strings.Repeat("y", 100)) {
			t.Errorf("%s form does not shorten a 400-character subject", form)
		}
		if !strings.Contains(out, "…") {
			t.Errorf("%s form does not mark the shortened subject", form)
		}
	}
	// In Markdown, nothing of the subject is markup: no bold, tag, code,
	// link or cell boundary survives.
	for _, raw := range []string{"**Welcome**", "<b>", "`2`", "[x]", "| `2`"} {
		if strings.Contains(md, raw) {
			t.Errorf("the Markdown form carries %q unescaped:\n%s", raw, md)
		}
	}
	// JSON: target.label in the values, whole (bounded), escaped by JSON;
	// the ids stay for programs.
	var doc struct {
		ResourceChanges []struct {
			Address string
			Change  struct {
				Before, After map[string]any
			}
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]map[string]any{}
	for _, rc := range doc.ResourceChanges {
		v := rc.Change.After
		if v == nil {
			v = rc.Change.Before
		}
		target, _ := v["target"].(map[string]any)
		got[rc.Address] = target
	}
	label := func(addr string) map[string]any { l, _ := got[addr]["label"].(map[string]any); return l }
	if l := label("attachment.pack"); l["title"] != "Welcome pack 2" || got["attachment.pack"]["item_id"] != "AAMkC8-message-ZtrA==" {
		t.Errorf("JSON target of the message: %v", got["attachment.pack"])
	}
	if l := label("attachment.task"); l["title"] != "Read the handbook" || l["list"] != "Onboarding" || got["attachment.task"]["list_id"] != "list-1" {
		t.Errorf("JSON target of the task: %v", got["attachment.task"])
	}
	if l := label("attachment.hostile"); l["title"] != hostileTitle {
		t.Errorf("JSON target of the event carries %q", l["title"])
	}
	if bytes.Contains(js.Bytes(), []byte("\x1b")) || bytes.Contains(js.Bytes(), []byte("<b>")) {
		t.Errorf("the JSON form carries a control character or HTML raw")
	}
}

// show of the state names each attachment's item as the state recorded it.
func TestItemLabelsInShowState(t *testing.T) {
	st := &state.State{Lineage: "l", Serial: 1}
	ch := labelPlan().Changes
	st.SetAttachment(*ch[1].Before)
	var out bytes.Buffer
	if err := (&showHuman{&View{out: &out}}).State(st); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `label = { title = "**Welcome** <b>pack</b> | `+"`2`"+` [x](http://e.example) \x1b[31mred\n`) {
		t.Errorf("show of the state does not name the item, escaped:\n%s", out.String())
	}
	var buf bytes.Buffer
	writeAttachment(&buf, *ch[1].Before)
	if !strings.Contains(buf.String(), `"**Welcome** <b>pack</b> | `+"`2`"+` [x](http://e.example) \x1b[31mred\n`) || !strings.Contains(buf.String(), "…") {
		t.Errorf("state show ADDRESS does not name the item, escaped and shortened:\n%s", buf.String())
	}
}

func TestShortLabel(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"short", "short"},
		{strings.Repeat("é", 80), strings.Repeat("é", 80)},
		{strings.Repeat("é", 81), strings.Repeat("é", 79) + "…"},
	} {
		if got := shortLabel(tc.in); got != tc.want {
			t.Errorf("shortLabel(%d runes) = %q, want %q", len([]rune(tc.in)), got, tc.want)
		}
	}
}
