package views

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/item"
	"github.com/attachform/attachform/plan"
	"github.com/hashicorp/hcl/v2"
)

// githubCommentLimit is the most characters GitHub takes in a pull
// request comment (and a job summary's part); the Markdown view always
// stays under it.
const githubCommentLimit = 65535

// planMarkdown renders p as a pull request comment: a heading, Terraform's
// summary line and a table of totals first, then the changes grouped per
// target item, each group a collapsed <details> section with a table of
// its changes. The whole stays under limit bytes (and so under as many
// characters): when the changes do not fit, the groups that do are shown,
// and an explicit line says how many changes are not; the totals always
// count every change. Text from manifests or Graph is escaped, so a file
// name cannot break the table or the HTML around it.
func planMarkdown(p *plan.Plan, limit int) string {
	var head strings.Builder
	title := "attachform plan"
	switch p.Mode {
	case plan.Destroy:
		title += " (destroy)"
	case plan.RefreshOnly:
		title += " (refresh-only)"
	}
	fmt.Fprintf(&head, "### %s\n\n", title)
	if !p.HasChanges() {
		var none strings.Builder
		writeNoChanges(&none, p.Mode, palette{})
		head.WriteString("**" + strings.Replace(strings.TrimSpace(none.String()), "\n\n", "**\n\n", 1) + "\n")
		return truncateBytes(head.String(), limit)
	}
	if p.Mode == plan.RefreshOnly {
		head.WriteString("What changed in Graph outside attachform. Applying this plan records it in the state and changes nothing in Graph.\n\n")
	}
	fmt.Fprintf(&head, "**%s**\n\n", summaryLine("Plan", p.Summary(), len(p.Moves)))
	head.WriteString(totalsTable(p))

	groups := groupChanges(p)
	total := 0
	for _, g := range groups {
		total += len(g.rows)
	}
	// Room is kept for the "not shown" line whatever its count.
	budget := limit - 1 - head.Len() - len(notShownLine(total))
	var body strings.Builder
	shown := 0
	for _, g := range groups {
		section, n := g.render(budget - body.Len())
		body.WriteString(section)
		shown += n
		if n < len(g.rows) {
			break
		}
	}
	out := head.String() + body.String()
	if shown < total {
		out += notShownLine(total - shown)
	}
	return out
}

// notShownLine says how many changes the comment leaves out, and where
// they are.
func notShownLine(n int) string {
	return fmt.Sprintf("\n> **%s not shown**: a comment holds at most %s characters. "+
		"The totals above count every change; `attachform show PLANFILE` shows them all.\n",
		plural(n, "more change", "more changes"), "65,535")
}

// totalsTable counts the changes by action, every one of them.
func totalsTable(p *plan.Plan) string {
	counts := map[plan.Action]int{}
	imports := 0
	for _, c := range p.Changes {
		if c.Action == plan.Adopt && c.Importing != "" {
			imports++ // its own row, as Terraform counts imports apart
			continue
		}
		counts[c.Action]++
	}
	var b strings.Builder
	b.WriteString("| Action | Count |\n|:--|--:|\n")
	if imports > 0 {
		fmt.Fprintf(&b, "| 📥 import | %d |\n", imports)
	}
	for _, r := range []struct {
		a    plan.Action
		word string
	}{
		{plan.Create, "➕ create"}, {plan.Replace, "🔄 replace"}, {plan.Delete, "➖ destroy"},
		{plan.Resume, "⏩ resume upload"}, {plan.Adopt, "📎 adopt"}, {plan.Cancel, "✖️ cancel upload session"},
		{plan.Forget, "🧹 forget"},
	} {
		if counts[r.a] > 0 {
			fmt.Fprintf(&b, "| %s | %d |\n", r.word, counts[r.a])
		}
	}
	if len(p.Moves) > 0 {
		fmt.Fprintf(&b, "| ↪️ move | %d |\n", len(p.Moves))
	}
	n := len(p.Moves) + imports
	for a, c := range counts {
		if a != plan.NoOp {
			n += c
		}
	}
	fmt.Fprintf(&b, "| **total** | **%d** |\n\n", n)
	return b.String()
}

// mdGroup is the changes on one item (or the moves, which touch none).
type mdGroup struct {
	label string
	rows  []string
}

// groupChanges sorts the changes into one group per target item, in the
// order of their labels, with the moves first.
func groupChanges(p *plan.Plan) []*mdGroup {
	var groups []*mdGroup
	if len(p.Moves) > 0 {
		g := &mdGroup{label: "Moved in the state (no request to Graph)"}
		for _, m := range p.Moves {
			g.rows = append(g.rows, fmt.Sprintf("| ↪️ move | %s | %s | | a moved block renames it |", mdCode(m.From), "→ "+mdCode(m.To)))
		}
		groups = append(groups, g)
	}
	byItem := map[item.Ref]*mdGroup{}
	var items []*mdGroup
	for _, c := range p.Changes {
		if c.Action == plan.NoOp {
			continue
		}
		ref, label, name := changeTarget(c)
		g := byItem[ref.Key()]
		if g == nil {
			g = &mdGroup{label: targetText(ref, label, name)}
			byItem[ref.Key()] = g
			items = append(items, g)
		}
		g.rows = append(g.rows, markdownRow(c, p.Mode))
	}
	slices.SortStableFunc(items, func(a, b *mdGroup) int { return strings.Compare(a.label, b.label) })
	return append(groups, items...)
}

// changeTarget is the item a change acts on, what people call it, and its
// target block's name when the manifests give one.
func changeTarget(c plan.Change) (item.Ref, item.Label, string) {
	switch {
	case c.After != nil:
		return c.After.Target, c.After.TargetLabel, c.After.TargetName
	case c.Before != nil:
		return c.Before.Target, c.Before.TargetLabel, ""
	case c.Session != nil:
		return c.Session.Target, c.Session.TargetLabel, ""
	}
	return item.Ref{}, item.Label{}, ""
}

// markdownRow is one change as a table row: action, address, attachment
// name, size and why (always said: see plan.Change.Why).
func markdownRow(c plan.Change, mode plan.Mode) string {
	h := changeHeader(c)
	action := map[plan.Action]string{
		plan.Create: "➕ create", plan.Delete: "➖ destroy", plan.Replace: "🔄 replace", plan.Resume: "⏩ resume",
		plan.Cancel: "✖️ cancel session", plan.Adopt: "📎 adopt", plan.Forget: "🧹 forget",
	}[c.Action]
	if c.Action == plan.Adopt && c.Importing != "" {
		action = "📥 import"
	}
	if c.Action == plan.Replace {
		if c.DestroyFirst {
			action += " (destroy first)"
		} else {
			action += " (create first)"
		}
	}
	var name, size string
	var why []string
	switch {
	case c.After != nil:
		name, size = c.After.Name, sizeText(c.After.Bytes)
		if c.Before != nil && c.Before.Name != c.After.Name && c.Before.Name != "" {
			name = c.Before.Name + " → " + c.After.Name
		}
		if c.After.Inline {
			why = append(why, "inline, content_id "+mdCode(c.After.ContentID))
		}
	case c.Session != nil:
		name = c.Session.Name
		size = sizeText(c.Session.Confirmed) + " of " + sizeText(c.Session.Bytes) + " sent"
	case c.Before != nil:
		name = c.Before.Name
		if c.Before.Bytes > 0 {
			size = sizeText(c.Before.Bytes)
		}
		if c.Before.Inline {
			why = append(why, "inline, content_id "+mdCode(c.Before.ContentID))
		}
	}
	if c.Action != plan.Resume || c.Session == nil {
		why = append([]string{mdText(c.Why(mode))}, why...)
	}
	if c.Action == plan.Resume && c.Session != nil {
		why = append([]string{fmt.Sprintf("resuming an interrupted upload: %s of %s already sent",
			sizeText(c.Session.Confirmed), sizeText(c.Session.Bytes))}, why...)
	}
	return fmt.Sprintf("| %s | %s | %s | %s | %s |", action, mdCode(h.address), mdText(name), mdText(size), strings.Join(why, "; "))
}

// render writes the group as a collapsed section within room bytes: all
// of its rows, or as many as fit, its summary then saying how many it
// shows (none fit: nothing is written). n is how many rows it holds.
func (g *mdGroup) render(room int) (section string, n int) {
	head := func(shown int) string {
		count := plural(len(g.rows), "change", "changes")
		if shown < len(g.rows) {
			count += fmt.Sprintf(", %d shown", shown)
		}
		return fmt.Sprintf("<details><summary><strong>%s</strong>: %s</summary>\n\n| Action | Address | Attachment | Size | Why |\n|---|---|---|---|---|\n",
			htmlText(g.label), count)
	}
	const tail = "\n</details>\n\n"
	used := len(head(max(len(g.rows)-1, 0))) + len(tail) // the longest head
	for _, r := range g.rows {
		if used+len(r)+1 > room {
			break
		}
		used += len(r) + 1
		n++
	}
	if n == 0 {
		return "", 0
	}
	return head(n) + strings.Join(g.rows[:n], "\n") + "\n" + tail, n
}

// mdText escapes text for a Markdown table cell: what Markdown or HTML
// would read as markup is escaped, and a line break becomes a space.
var mdText = strings.NewReplacer(
	"\\", "\\\\", "|", "\\|", "`", "\\`", "*", "\\*", "_", "\\_", "[", "\\[", "]", "\\]",
	"<", "&lt;", ">", "&gt;", "&", "&amp;", "\r", " ", "\n", " ",
).Replace

// mdCode is text as inline code in a table cell: a backtick in it gets a
// longer fence, and | is escaped, which GitHub requires even in code.
func mdCode(s string) string {
	s = strings.NewReplacer("|", "\\|", "\r", " ", "\n", " ").Replace(s)
	if s == "" {
		return ""
	}
	if strings.Contains(s, "`") {
		return "`` " + s + " ``"
	}
	return "`" + s + "`"
}

// htmlText escapes text for HTML (the <summary> of a section), and what
// Markdown would read as emphasis, code, a link or a table cell's end, as
// character references: GitHub renders Markdown around HTML blocks too.
var htmlText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "\r", " ", "\n", " ",
	"*", "&#42;", "`", "&#96;", "[", "&#91;", "]", "&#93;", "|", "&#124;", "\\", "&#92;", "~", "&#126;").Replace

// truncateBytes cuts s to under limit bytes, on a rune boundary.
func truncateBytes(s string, limit int) string {
	if len(s) < limit {
		return s
	}
	cut := limit - 1
	for cut > 0 && cut < len(s) && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut]
}

// planMarkdownView is plan -markdown: the pull request comment on stdout.
type planMarkdownView struct{ *View }

func (v *planMarkdownView) Plan(p *plan.Plan) error {
	_, err := fmt.Fprint(v.out, planMarkdown(p, githubCommentLimit))
	return err
}

// NextStep writes nothing: the comment is the output.
func (v *planMarkdownView) NextStep(*plan.Plan, string) {}

// Generated adds nothing to the comment: the import rows say it.
func (v *planMarkdownView) Generated(string, string, int) {}

// StepSummary appends p, as the pull request comment reads, to the file
// GITHUB_STEP_SUMMARY names (GitHub Actions shows it on the run's page);
// without it, nothing. A failure is a warning: the plan itself stands.
func (v *View) StepSummary(p *plan.Plan) {
	v.appendStepSummary(planMarkdown(p, githubCommentLimit))
}

// appendStepSummary appends md to the file GITHUB_STEP_SUMMARY names;
// without it, nothing. A failure is a warning: the output itself stands.
func (v *View) appendStepSummary(md string) {
	path := v.env("GITHUB_STEP_SUMMARY")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err == nil {
		_, err = f.WriteString(md + "\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		Warnf(v, "Cannot write the job summary", "GITHUB_STEP_SUMMARY names %s: %v. The output above is complete.", path, err)
	}
}

// Warnf reports a problem that stops nothing, as a warning diagnostic.
func Warnf(v Diagnostics, summary, format string, args ...any) {
	v.Diagnostics(nil, hcl.Diagnostics{{
		Severity: hcl.DiagWarning,
		Summary:  summary,
		Detail:   graph.Redact(fmt.Sprintf(format, args...)),
	}})
}
