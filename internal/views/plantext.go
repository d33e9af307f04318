package views

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/attachform/attachform/internal/addrs"

	"github.com/attachform/attachform/internal/bytesize"
	"github.com/attachform/attachform/item"
	"github.com/attachform/attachform/plan"
)

// writePlan renders p the way Terraform renders plans, so a reviewer reads
// a pull request's plan without learning a new format: the legend, each
// change as a block with its attributes, the summary line. pal paints it.
//
// What a change shows (changeHeader, attributeLines) is kept apart from
// how it is painted, for the Markdown view to show the same.
//
// Destroy and refresh-only plans read as Terraform words them: a destroy
// plan with nothing to destroy says so, and a refresh-only plan lists what
// changed outside attachform, which applying it records in the state.
func writePlan(w io.Writer, p *plan.Plan, pal palette) error {
	var b strings.Builder
	switch {
	case !p.HasChanges():
		writeNoChanges(&b, p.Mode, pal)
	case p.Mode == plan.RefreshOnly:
		writeRefreshOnly(&b, p, pal)
	default:
		writeChanges(&b, p, pal)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeNoChanges is Terraform's verdict on a plan with nothing to do.
func writeNoChanges(b *strings.Builder, mode plan.Mode, pal palette) {
	headline, why := " Graph matches the configuration.",
		"attachform compared your configuration with what Graph holds and found no differences,\nso no changes are needed."
	switch mode {
	case plan.Destroy:
		headline, why = " No objects need to be destroyed.",
			"Either you have not created any attachments yet or the existing ones were already\ndeleted outside of attachform."
	case plan.RefreshOnly:
		headline, why = " Graph still matches the state.",
			"attachform has checked that what Graph holds still matches the result of your most\nrecent changes, and found no differences."
	}
	b.WriteString(pal.paint(styleSuccess, "No changes.") + pal.paint(styleBold, headline) + "\n\n" + why + "\n")
}

// writeRefreshOnly lists what changed in Graph behind attachform's back:
// in a refresh-only plan that is all there is, and nothing is undone.
func writeRefreshOnly(b *strings.Builder, p *plan.Plan, pal palette) {
	b.WriteString(pal.paint(styleBold, "Note: Objects have changed outside of attachform") + "\n\n")
	b.WriteString("attachform detected the following changes made outside of attachform since the last\n\"attachform apply\":\n")
	for _, c := range p.Changes {
		if c.Action == plan.NoOp {
			continue
		}
		b.WriteString("\n")
		what := "has been deleted"
		if strings.Contains(c.Reason, "item no longer exists") {
			what = "has been deleted with its item"
		}
		fmt.Fprintf(b, "  %s\n", pal.paint(styleBold, "# "+c.Address+" "+what))
		if c.Reason != "" {
			fmt.Fprintf(b, "  # (%s)\n", c.Reason)
		}
		fmt.Fprintf(b, "%s attachment %q {\n", pal.paint(styleRemove, "  -"), changeHeader(c).label)
		for _, l := range attributeLines(c) {
			fmt.Fprintf(b, "      %s %-12s = %s\n", pal.paint(markStyle[l.mark], string(l.mark)), l.name, l.value)
		}
		b.WriteString("    }\n")
	}
	b.WriteString("\nThis is a refresh-only plan, so attachform will not take any actions to undo these.\n" +
		"If you were expecting these changes then you can apply this plan to record the updated\n" +
		"values in the state without changing anything in Graph.\n")
}

// writeChanges is the plan's actions, Terraform's way.
func writeChanges(b *strings.Builder, p *plan.Plan, pal palette) {
	b.WriteString("attachform will perform the following actions:\n")
	for _, m := range p.Moves {
		// Terraform's words; a move changes nothing in Graph.
		fmt.Fprintf(b, "\n  %s\n", pal.paint(styleBold, "# "+m.From+" has moved to "+m.To))
	}
	for _, c := range p.Changes {
		if c.Action != plan.NoOp {
			b.WriteString("\n")
			writeChange(b, c, pal)
		}
	}
	b.WriteString("\n" + pal.paint(styleBold, summaryLine("Plan", p.Summary(), len(p.Moves))) + "\n")
	writeEstimates(b, p.Estimates)
}

// writeEstimates says how long applying takes at least when uploads
// exceed a mailbox's upload budget (the longest first).
func writeEstimates(b *strings.Builder, es []plan.UploadEstimate) {
	if len(es) == 0 {
		return
	}
	fmt.Fprintf(b, "\nEstimated apply time: at least %s. Graph takes %s per %s from each mailbox, and this plan uploads more:\n",
		shortDuration(es[0].AtLeast), bytesize.Format(es[0].Budget), shortDuration(es[0].Per))
	for _, e := range es {
		fmt.Fprintf(b, "  %s: %s, at least %s\n", e.Mailbox, bytesize.Format(e.Bytes), shortDuration(e.AtLeast))
	}
}

// shortDuration is d without trailing zero units: "10m", "1h30m", "20s".
func shortDuration(d time.Duration) string {
	s := d.Round(time.Second).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// summaryLine is "Plan: 1 to add, 0 to change, 1 to destroy." with the
// session, bookkeeping and move counts appended when there are any.
func summaryLine(prefix string, s plan.Summary, moves int) string {
	// Terraform (1.5+) names imports first, and only when there are some.
	imports := ""
	if s.Import > 0 {
		imports = fmt.Sprintf("%d to import, ", s.Import)
	}
	line := fmt.Sprintf("%s: %s%d to add, %d to change, %d to destroy", prefix, imports, s.Add, s.Change, s.Destroy)
	return line + extraCounts([]count{
		{s.Resume, "to resume", "to resume"},
		{s.Adopt, "to adopt", "to adopt"},
		{s.Cancel, "upload session to cancel", "upload sessions to cancel"},
		{s.Forget, "to forget", "to forget"},
		{moves, "to move", "to move"},
	}) + "."
}

func writeChange(b *strings.Builder, c plan.Change, pal palette) {
	h := changeHeader(c)
	fmt.Fprintf(b, "  %s\n", pal.paint(styleBold, "# "+h.address+" "+h.verb))
	if h.reason != "" {
		fmt.Fprintf(b, "  # (%s)\n", h.reason)
	}
	fmt.Fprintf(b, "%s attachment %q {\n", pal.paint(h.style, fmt.Sprintf("%3s", h.symbol)), h.label)
	for _, l := range attributeLines(c) {
		m := " "
		if l.mark != ' ' {
			m = pal.paint(markStyle[l.mark], string(l.mark))
		}
		fmt.Fprintf(b, "      %s %-12s = %s\n", m, l.name, l.value)
	}
	b.WriteString("    }\n")
}

// markStyle paints an attribute's mark.
var markStyle = map[byte]style{'+': styleAdd, '-': styleRemove, '~': styleReplace}

// header is what a change's block is headed with.
type header struct {
	address string // with what kind of object it is, when not the declared one
	verb    string // "will be created", ...
	reason  string // why; "" when the verb says it
	symbol  string // "+", "-", "-/+", "+/-"
	style   style  // the symbol's colour
	label   string // the block's label: the declared name, or the file's
}

func changeHeader(c plan.Change) header {
	h := header{address: c.Address, reason: c.Reason, label: blockLabel(c.Address)}
	switch {
	case c.Deposed:
		h.address += " (deposed object " + plan.ShortID(c.Before.ID) + ")"
	case c.Orphan && c.Before.ID != "":
		h.address += " (left by an interrupted apply, object " + plan.ShortID(c.Before.ID) + ")"
	case c.Orphan:
		h.address += " (intent of an interrupted apply)"
	}
	if c.Unmanaged || c.Orphan {
		h.label = c.Before.Name
	}
	switch c.Action {
	case plan.Create:
		h.verb, h.symbol, h.style = "will be created", "+", styleAdd
	case plan.Delete:
		h.verb, h.symbol, h.style = "will be destroyed", "-", styleRemove
	case plan.Replace:
		h.verb, h.symbol, h.style = "must be replaced", "+/-", styleReplace
		if c.DestroyFirst {
			h.symbol = "-/+"
		}
	case plan.Resume:
		sent := int64(0)
		if c.Session != nil {
			sent = c.Session.Confirmed
		}
		h.verb = fmt.Sprintf("will be created (resuming an interrupted upload: %s of %s already sent)", sizeText(sent), sizeText(c.After.Bytes))
		h.symbol, h.style, h.reason = "+", styleAdd, "" // the verb says why
	case plan.Cancel:
		h.verb, h.symbol, h.style = "upload session will be cancelled", "-", styleRemove
	case plan.Adopt:
		h.verb, h.symbol, h.style = "will be adopted", "+", styleAdopt
		if c.Importing != "" {
			h.verb = "will be imported" // as Terraform says of an import block's resource
		}
	case plan.Forget:
		h.verb, h.symbol, h.style = "will be removed from the state", "-", styleRemove
	default:
		h.symbol = " "
	}
	return h
}

// blockLabel is the block name in an address: attachment.x["k"] -> x;
// an undeclared attachment's is its target's, target.t.undeclared.
func blockLabel(addr string) string {
	a, err := addrs.Parse(addr)
	switch {
	case err != nil:
		return addr
	case a.Kind == addrs.Undeclared:
		return "target." + a.Name + a.Key.String() + ".undeclared"
	}
	return a.BlockName()
}

// attrLine is one attribute of a change: marked added (+), removed (-),
// changed (~) or kept (' ').
type attrLine struct {
	mark  byte
	name  string
	value string
}

func attributeLines(c plan.Change) []attrLine {
	var lines []attrLine
	after, before := c.After, c.Before
	if c.Action == plan.Cancel && c.Session != nil {
		s := c.Session
		return []attrLine{
			{'-', "name", fmt.Sprintf("%q", s.Name)},
			{'-', "sent", fmt.Sprintf("%s of %s", sizeText(s.Confirmed), sizeText(s.Bytes))},
			{'-', "target", targetText(s.Target, s.TargetLabel, "")},
		}
	}
	if after == nil {
		if before.ID != "" {
			lines = append(lines, attrLine{'-', "id", fmt.Sprintf("%q", before.ID)})
		}
		lines = append(lines,
			attrLine{'-', "name", fmt.Sprintf("%q", before.Name)},
			attrLine{'-', "content_type", fmt.Sprintf("%q", before.ContentType)},
		)
		if before.Inline {
			lines = append(lines, attrLine{'-', "inline", "true"})
		}
		if before.ContentID != "" {
			lines = append(lines, attrLine{'-', "content_id", fmt.Sprintf("%q", before.ContentID)})
		}
		return append(lines, attrLine{'-', "target", targetText(before.Target, before.TargetLabel, "")})
	}
	add := func(name, now, was string) {
		switch {
		case before == nil || c.Action == plan.Create || c.Action == plan.Adopt:
			// An adoption records what is on the item; it replaces nothing.
			lines = append(lines, attrLine{'+', name, now})
		case was != now:
			lines = append(lines, attrLine{'~', name, was + " -> " + now + " # forces replacement"})
		default:
			lines = append(lines, attrLine{' ', name, now})
		}
	}
	var was beforeValues
	if before != nil {
		was = beforeValues{
			name: fmt.Sprintf("%q", before.Name), ct: fmt.Sprintf("%q", before.ContentType),
			sha: fmt.Sprintf("%q", before.SHA256), size: sizeText(before.Bytes),
			target: targetText(before.Target, before.TargetLabel, after.TargetName),
			inline: fmt.Sprint(before.Inline), cid: fmt.Sprintf("%q", before.ContentID),
		}
	}
	add("name", fmt.Sprintf("%q", after.Name), was.name)
	add("content_type", fmt.Sprintf("%q", after.ContentType), was.ct)
	if c.Action == plan.Create || c.Action == plan.Resume || c.Action == plan.Adopt {
		lines = append(lines, attrLine{'+', "source", fmt.Sprintf("%q", after.DisplayPath)})
	} else {
		lines = append(lines, attrLine{' ', "source", fmt.Sprintf("%q", after.DisplayPath)})
	}
	add("size", sizeText(after.Bytes), was.size)
	add("sha256", fmt.Sprintf("%q", after.SHA256), was.sha)
	if after.Inline || (before != nil && before.Inline) {
		// An inline attachment is what a cid: reference in the body
		// names: its content_id is worth a reviewer's eye.
		add("inline", fmt.Sprint(after.Inline), was.inline)
		if after.ContentID != "" || (before != nil && before.ContentID != "") {
			add("content_id", fmt.Sprintf("%q", after.ContentID), was.cid)
		}
	}
	add("target", targetText(after.Target, after.TargetLabel, after.TargetName), was.target)
	return lines
}

// beforeValues holds the rendered "before" values of a replacement.
type beforeValues struct{ name, ct, sha, size, target, inline, cid string }

// targetText is the item a change acts on, named as people know it (see
// itemText), after its target block's name when the manifests give one.
func targetText(t item.Ref, l item.Label, name string) string {
	s := itemText(t, l)
	if name != "" {
		s = "target." + name + " (" + s + ")"
	}
	return s
}

// shortItem abbreviates Graph's long item ids for reading; a plan's
// serialised form carries them whole.
func shortItem(id string) string {
	if len(id) <= 16 {
		return id
	}
	return id[:6] + "…" + id[len(id)-6:]
}

// sizeText is a byte count in a plan: "512 B", or "12 MiB (12582912 bytes)"
// where rounding hides the exact count a limit is checked against.
func sizeText(n int64) string {
	s := bytesize.Format(n)
	if n >= bytesize.KiB || n <= -bytesize.KiB {
		s += fmt.Sprintf(" (%d bytes)", n)
	}
	return s
}
