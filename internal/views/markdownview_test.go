package views

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/attachform/attachform/item"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/state"
)

// bigPlan has 3,600 changes over 36 items: 3,000 creates, 400
// replacements and 200 deletions, some with names that would break a
// table or the HTML around it if they were not escaped.
func bigPlan() *plan.Plan {
	p := &plan.Plan{}
	for i := range 3600 {
		ref := item.Ref{Mailbox: "ops@contoso.com", Kind: item.Message, ID: fmt.Sprintf("AAMkAGI2-message-%02d=", i%36)}
		addr := fmt.Sprintf(`attachment.handbook["chapter-%04d.pdf"]`, i)
		name := fmt.Sprintf("chapter-%04d.pdf", i)
		if i%97 == 0 {
			name = fmt.Sprintf("a|b <details> `x` *%d*.pdf", i)
		}
		d := &plan.Desired{Address: addr, Target: ref, TargetName: fmt.Sprintf("t%02d", i%36),
			Descriptor: state.Descriptor{Name: name, ContentType: "application/pdf", SHA256: "ab", Bytes: int64(1000 + i)}, DisplayPath: "handbook/" + name}
		old := &state.Attachment{Address: addr, Target: ref, ID: fmt.Sprintf("id-%d", i),
			Descriptor: state.Descriptor{Name: name, SHA256: "cd", Bytes: 10}}
		switch {
		case i < 3000:
			p.Changes = append(p.Changes, plan.Change{Address: addr, Action: plan.Create, After: d})
		case i < 3400:
			p.Changes = append(p.Changes, plan.Change{Address: addr, Action: plan.Replace, Reason: "content changed", Before: old, After: d})
		default:
			p.Changes = append(p.Changes, plan.Change{Address: addr, Action: plan.Delete, Reason: "no longer in the configuration", Before: old})
		}
	}
	return p
}

var changeRow = regexp.MustCompile("(?m)^\\| [^|]+ \\| `attachment\\.")

// The comment for 3,600 changes stays under GitHub's 65,535 characters,
// keeps the totals of every change, shows what fits in whole rows and
// says exactly how many changes it leaves out.
func TestMarkdownOf3600ChangesFitsAComment(t *testing.T) {
	md := planMarkdown(bigPlan(), githubCommentLimit)
	if n := utf8.RuneCountInString(md); n >= githubCommentLimit || len(md) >= githubCommentLimit {
		t.Fatalf("the comment is %d characters (%d bytes), GitHub takes fewer than %d", n, len(md), githubCommentLimit)
	}
	for _, want := range []string{
		"**Plan: 3400 to add, 0 to change, 600 to destroy.**",
		"| ➕ create | 3000 |", "| 🔄 replace | 400 |", "| ➖ destroy | 200 |", "| **total** | **3600** |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the comment lacks %q", want)
		}
	}
	if !strings.HasPrefix(md, "### attachform plan\n") || strings.Index(md, "| **total**") > strings.Index(md, "<details>") {
		t.Errorf("the summary does not come first:\n%.600s", md)
	}
	shown := len(changeRow.FindAllString(md, -1))
	m := regexp.MustCompile(`\*\*(\d+) more changes not shown\*\*`).FindStringSubmatch(md)
	if m == nil {
		t.Fatalf("no \"not shown\" line; %d rows shown:\n%s", shown, md[len(md)-500:])
	}
	notShown, _ := strconv.Atoi(m[1])
	if shown == 0 || shown+notShown != 3600 {
		t.Errorf("%d rows shown and %d said not shown; 3600 changes", shown, notShown)
	}
	if shown < 200 {
		t.Errorf("only %d rows in 65,535 characters", shown)
	}
	if o, c := strings.Count(md, "<details>"), strings.Count(md, "</details>"); o != c || o == 0 {
		t.Errorf("%d sections opened, %d closed", o, c)
	}
	if strings.Contains(md, "a|b") || strings.Contains(md, "<details> `x`") {
		t.Errorf("a file name is not escaped")
	}
	// Every row has as many cells as the header.
	for _, line := range strings.Split(md, "\n") {
		if changeRow.MatchString(line) && strings.Count(strings.ReplaceAll(line, `\|`, ""), "|") != 6 {
			t.Errorf("a row of the wrong shape: %s", line)
		}
	}
}

// A small plan shows every change, grouped by item, with no "not shown"
// line; a plan of nothing says so.
func TestMarkdownSmallPlans(t *testing.T) {
	p := fixturePlan()
	p.Moves = []plan.Move{{From: "attachment.was", To: "attachment.now"}}
	md := planMarkdown(p, githubCommentLimit)
	if strings.Contains(md, "not shown") {
		t.Errorf("a small plan leaves changes out:\n%s", md)
	}
	for _, want := range []string{
		"`attachment.agenda`", "`attachment.handbook[\"intro.pdf\"]`", "`attachment.gone`", "`attachment.found`",
		"target.all\\_hands", "↪️ move | `attachment.was` | → `attachment.now`", "🔄 replace (destroy first)",
		"content changed", "0 B of 5 MiB (5242880 bytes) sent",
		"resuming an interrupted upload: 7.5 MiB (7864320 bytes) of 12 MiB (12582912 bytes) already sent",
	} {
		if !strings.Contains(md, want) && !strings.Contains(md, strings.ReplaceAll(want, `\_`, "_")) {
			t.Errorf("the comment lacks %q:\n%s", want, md)
		}
	}
	none := planMarkdown(&plan.Plan{}, githubCommentLimit)
	if !strings.Contains(none, "**No changes. Graph matches the configuration.**") {
		t.Errorf("an empty plan reads:\n%s", none)
	}
	destroy := planMarkdown(&plan.Plan{Mode: plan.Destroy}, githubCommentLimit)
	if !strings.Contains(destroy, "attachform plan (destroy)") || !strings.Contains(destroy, "No objects need to be destroyed") {
		t.Errorf("an empty destroy plan reads:\n%s", destroy)
	}
}

// Every row's "Why" is filled: the reasons a plan gives, and for the
// actions that carry none (a new attachment, what a destroy deletes, a
// move) the words that say why.
func TestMarkdownWhyForEveryRow(t *testing.T) {
	normal := fixturePlan()
	normal.Changes = append(normal.Changes, plan.Change{Address: "attachment.fresh", Action: plan.Create,
		After: &plan.Desired{Target: normal.Changes[1].After.Target, Descriptor: state.Descriptor{Name: "fresh.txt", Bytes: 1}}})
	normal.Moves = []plan.Move{{From: "attachment.was", To: "attachment.now"}}
	destroy := &plan.Plan{Mode: plan.Destroy, Changes: []plan.Change{
		{Address: "attachment.old", Action: plan.Delete, Before: normal.Changes[8].Before},
		{Address: "attachment.gone", Action: plan.Cancel, Session: normal.Changes[5].Session},
	}}
	for name, p := range map[string]*plan.Plan{"normal": normal, "destroy": destroy} {
		md := planMarkdown(p, githubCommentLimit)
		rows := 0
		for _, line := range strings.Split(md, "\n") {
			if !changeRow.MatchString(line) {
				continue
			}
			rows++
			cells := strings.Split(strings.ReplaceAll(line, `\|`, ""), "|")
			if why := strings.TrimSpace(cells[len(cells)-2]); why == "" {
				t.Errorf("%s plan: a row without a why: %s", name, line)
			}
		}
		if want := len(p.Moves) + len(p.Changes); rows != want-countNoOp(p) {
			t.Errorf("%s plan: %d rows, want %d", name, rows, want-countNoOp(p))
		}
		for _, want := range map[string][]string{
			"normal": {"new in the configuration", "a moved block renames it"}, "destroy": {"destroy requested"},
		}[name] {
			if !strings.Contains(md, want) {
				t.Errorf("%s plan lacks %q:\n%s", name, want, md)
			}
		}
	}
}

func countNoOp(p *plan.Plan) int {
	n := 0
	for _, c := range p.Changes {
		if c.Action == plan.NoOp {
			n++
		}
	}
	return n
}
