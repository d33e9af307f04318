package plan

import (
	"fmt"
	"github.com/attachform/attachform/item"
	"io"
	"strings"
)

// ANSI colours, used only when the caller asks for colour.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiGreen  = "\x1b[32m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
)

// TextRenderer writes plans the way Terraform does, so a reviewer reads a
// pull request's plan without learning a new format.
type TextRenderer struct {
	Color bool
}

func (r TextRenderer) paint(color, s string) string {
	if !r.Color {
		return s
	}
	return color + s + ansiReset
}

// Write renders p: the legend, each change, the summary line.
func (r TextRenderer) Write(w io.Writer, p *Plan) error {
	var b strings.Builder
	if !p.HasChanges() {
		b.WriteString(r.paint(ansiBold+ansiGreen, "No changes.") + r.paint(ansiBold, " Graph matches the configuration.") + "\n\n")
		b.WriteString("attachform compared your configuration with what Graph holds and found no differences,\nso no changes are needed.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	b.WriteString("attachform will perform the following actions:\n")
	for _, c := range p.Changes {
		if c.Action != NoOp {
			b.WriteString("\n")
			r.change(&b, c)
		}
	}
	b.WriteString("\n" + r.paint(ansiBold, SummaryLine("Plan", p.Summary())) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// SummaryLine is "Plan: 1 to add, 0 to change, 1 to destroy." with the
// session and bookkeeping counts appended when there are any.
func SummaryLine(prefix string, s Summary) string {
	line := fmt.Sprintf("%s: %d to add, %d to change, %d to destroy", prefix, s.Add, s.Change, s.Destroy)
	for _, extra := range []struct {
		n    int
		what string
	}{{s.Resume, "to resume"}, {s.Adopt, "to adopt"}, {s.Cancel, "upload sessions to cancel"}, {s.Forget, "to forget"}} {
		if extra.n > 0 {
			line += fmt.Sprintf(", %d %s", extra.n, extra.what)
		}
	}
	return line + "."
}

func (r TextRenderer) change(b *strings.Builder, c Change) {
	header, symbol, color := describe(c)
	addr := c.Address
	switch {
	case c.Deposed:
		addr += " (deposed object " + shortID(c.Before.ID) + ")"
	case c.Orphan && c.Before.ID != "":
		addr += " (left by an interrupted apply, object " + shortID(c.Before.ID) + ")"
	case c.Orphan:
		addr += " (intent of an interrupted apply)"
	}
	fmt.Fprintf(b, "  %s\n", r.paint(ansiBold, "# "+addr+" "+header))
	if c.Reason != "" && c.Action != Resume {
		fmt.Fprintf(b, "  # (%s)\n", c.Reason)
	}
	label := blockLabel(c.Address)
	if c.Unmanaged || c.Orphan {
		label = c.Before.Name
	}
	fmt.Fprintf(b, "%s attachment %q {\n", r.paint(color, fmt.Sprintf("%3s", symbol)), label)
	for _, l := range attributeLines(c) {
		mark := map[byte]string{'+': ansiGreen, '-': ansiRed, '~': ansiYellow}[l.mark]
		m := " "
		if l.mark != ' ' {
			m = r.paint(mark, string(l.mark))
		}
		fmt.Fprintf(b, "      %s %-12s = %s\n", m, l.name, l.value)
	}
	b.WriteString("    }\n")
}

func describe(c Change) (header, symbol, color string) {
	switch c.Action {
	case Create:
		return "will be created", "+", ansiGreen
	case Delete:
		return "will be destroyed", "-", ansiRed
	case Replace:
		if c.DestroyFirst {
			return "must be replaced", "-/+", ansiYellow
		}
		return "must be replaced", "+/-", ansiYellow
	case Resume:
		sent := int64(0)
		if c.Session != nil {
			sent = c.Session.Confirmed
		}
		return fmt.Sprintf("will be created (resuming an interrupted upload: %s of %s already sent)", humanBytes(sent), humanBytes(c.After.Bytes)), "+", ansiGreen
	case Cancel:
		return "upload session will be cancelled", "-", ansiRed
	case Adopt:
		return "will be adopted", "+", ansiCyan
	case Forget:
		return "will be removed from the state", "-", ansiRed
	}
	return "", " ", ""
}

// blockLabel is the block name in an address: attachment.x["k"] -> x.
func blockLabel(addr string) string {
	name := strings.TrimPrefix(addr, "attachment.")
	if i := strings.IndexByte(name, '['); i >= 0 {
		name = name[:i]
	}
	return name
}

type attrLine struct {
	mark  byte
	name  string
	value string
}

func attributeLines(c Change) []attrLine {
	var lines []attrLine
	after, before := c.After, c.Before
	if c.Action == Cancel && c.Session != nil {
		s := c.Session
		return []attrLine{
			{'-', "name", fmt.Sprintf("%q", s.Name)},
			{'-', "sent", fmt.Sprintf("%s of %s", humanBytes(s.Confirmed), humanBytes(s.Bytes))},
			{'-', "target", targetText(s.Target, "")},
		}
	}
	if after == nil {
		if before.ID != "" {
			lines = append(lines, attrLine{'-', "id", fmt.Sprintf("%q", before.ID)})
		}
		return append(lines,
			attrLine{'-', "name", fmt.Sprintf("%q", before.Name)},
			attrLine{'-', "content_type", fmt.Sprintf("%q", before.ContentType)},
			attrLine{'-', "target", targetText(before.Target, "")},
		)
	}
	add := func(name, now, was string) {
		switch {
		case before == nil || c.Action == Create:
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
			sha: fmt.Sprintf("%q", before.SHA256), size: humanBytes(before.Bytes),
			target: targetText(before.Target, after.TargetName),
			inline: fmt.Sprint(before.Inline),
		}
	}
	add("name", fmt.Sprintf("%q", after.Name), was.name)
	add("content_type", fmt.Sprintf("%q", after.ContentType), was.ct)
	if c.Action == Create || c.Action == Resume || c.Action == Adopt {
		lines = append(lines, attrLine{'+', "source", fmt.Sprintf("%q", after.DisplayPath)})
	} else {
		lines = append(lines, attrLine{' ', "source", fmt.Sprintf("%q", after.DisplayPath)})
	}
	add("size", humanBytes(after.Bytes), was.size)
	add("sha256", fmt.Sprintf("%q", after.SHA256), was.sha)
	if after.Inline || (before != nil && before.Inline) {
		add("inline", fmt.Sprint(after.Inline), was.inline)
	}
	add("target", targetText(after.Target, after.TargetName), was.target)
	return lines
}

// beforeValues holds the rendered "before" values of a replacement.
type beforeValues struct{ name, ct, sha, size, target, inline string }

func targetText(t item.Ref, name string) string {
	s := fmt.Sprintf("%s %s in %s", string(t.Kind), shortItem(t.ID), t.Mailbox)
	if name != "" {
		s = "target." + name + " (" + s + ")"
	}
	return s
}

// shortItem abbreviates Graph's long item ids for reading; the plan's JSON
// form carries them whole.
func shortItem(id string) string {
	if len(id) <= 16 {
		return id
	}
	return id[:6] + "…" + id[len(id)-6:]
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB (%d bytes)", float64(n)/float64(div), "KMGTPE"[exp], n)
}
