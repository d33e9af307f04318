package views

import (
	"fmt"
	"strings"

	"github.com/attachform/attachform/apply"
	"github.com/attachform/attachform/internal/tfjson"
	"github.com/attachform/attachform/plan"
)

// The words of a refusal, in every form.
const (
	notReviewedSummary = "The changes differ from the reviewed plan"
	unreviewedHeading  = "These changes were not in the reviewed plan: open a pull request for them."
	goneHeading        = "These reviewed changes no longer apply (applied or undone meanwhile, or changed since):"
)

// notReviewedDetail is the refusal's diagnostic detail.
func notReviewedDetail(file string, d plan.ReviewDiff) string {
	return fmt.Sprintf("A fresh plan was compared with the reviewed one in %s: %s not reviewed, %s no longer %s. "+
		"Nothing was changed. Review a new plan of what is to happen (a pull request), then apply it.",
		file, plural(len(d.Unreviewed)+len(d.UnreviewedMoves), "change", "changes"),
		plural(len(d.Gone)+len(d.GoneMoves), "reviewed change", "reviewed changes"),
		map[bool]string{true: "applies", false: "apply"}[len(d.Gone)+len(d.GoneMoves) == 1])
}

// reviewLine is one change of a refusal for people: what it does, why,
// to which item, with which bytes.
func reviewLine(c plan.Change, mode plan.Mode) string {
	h := changeHeader(c)
	s := fmt.Sprintf("%s %s %s (%s)", strings.TrimSpace(h.symbol), h.address, h.verb, c.Why(mode))
	if ref, label, name := changeTarget(c); ref.ID != "" {
		s += " on " + targetText(ref, label, name)
	}
	if c.After != nil && (c.Action == plan.Create || c.Action == plan.Replace || c.Action == plan.Resume) {
		s += ", sha256 " + shortSHA(c.After.SHA256)
	}
	if c.Before != nil && c.Before.ID != "" && (c.Action == plan.Delete || c.Action == plan.Replace) {
		s += ", deleting attachment " + plan.ShortID(c.Before.ID)
	}
	return s
}

func shortSHA(s string) string {
	if len(s) > 12 {
		return s[:12] + "…"
	}
	return s
}

// reviewDiffText is the refusal as apply prints it.
func reviewDiffText(d plan.ReviewDiff, mode plan.Mode) string {
	var b strings.Builder
	section := func(heading string, cs []plan.Change, moves []plan.Move) {
		if len(cs)+len(moves) == 0 {
			return
		}
		b.WriteString("\n" + heading + "\n")
		for _, m := range moves {
			fmt.Fprintf(&b, "  %s has moved to %s\n", m.From, m.To)
		}
		for _, c := range cs {
			b.WriteString("  " + reviewLine(c, mode) + "\n")
		}
	}
	section(unreviewedHeading, d.Unreviewed, d.UnreviewedMoves)
	section(goneHeading, d.Gone, d.GoneMoves)
	return b.String()
}

// reviewDiffMarkdown is the refusal as a pull request comment and a job
// summary: a heading, what happened, and a table for each side, escaped as
// the plan's comment is, under GitHub's limit.
func reviewDiffMarkdown(file string, d plan.ReviewDiff, mode plan.Mode) string {
	var b strings.Builder
	b.WriteString("### attachform apply -reviewed: refused\n\n")
	fmt.Fprintf(&b, "**%s**: nothing was changed. %s\n", notReviewedSummary, mdText(notReviewedDetail(file, d)))
	section := func(heading string, cs []plan.Change, moves []plan.Move) {
		if len(cs)+len(moves) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n**%s**\n\n| Action | Address | Attachment | Size | Why | Item |\n|---|---|---|---|---|---|\n", mdText(heading))
		for _, m := range moves {
			fmt.Fprintf(&b, "| ↪️ move | %s | %s | | a moved block renames it | |\n", mdCode(m.From), "→ "+mdCode(m.To))
		}
		for _, c := range cs {
			ref, label, name := changeTarget(c)
			fmt.Fprintf(&b, "%s %s |\n", markdownRow(c, mode), mdText(targetText(ref, label, name)))
		}
	}
	section(unreviewedHeading, d.Unreviewed, d.UnreviewedMoves)
	section(goneHeading, d.Gone, d.GoneMoves)
	return truncateBytes(b.String(), githubCommentLimit)
}

// reviewDiffJSON is the refusal's fields in the machine-readable UI: each
// side's changes as planned_change describes them, with the item and the
// bytes compared.
func reviewDiffJSON(d plan.ReviewDiff, mode plan.Mode) map[string]any {
	side := func(cs []plan.Change, moves []plan.Move) []map[string]any {
		out := []map[string]any{}
		for _, m := range moves {
			out = append(out, map[string]any{"resource": tfjson.ResourceAddrOf(m.To, plan.NoOp), "previous_resource": tfjson.ResourceAddrOf(m.From, plan.NoOp), "action": "move"})
		}
		for _, c := range cs {
			ch := map[string]any{"resource": tfjson.ResourceAddrOf(c.Address, c.Action), "action": tfjson.UIAction(c.Action), "why": c.Why(mode)}
			if ref, label, _ := changeTarget(c); ref.ID != "" {
				ch["target"] = tfjson.Target(ref, label)
			}
			if c.After != nil {
				ch["sha256"] = c.After.SHA256
			}
			if c.Before != nil && c.Before.ID != "" {
				ch["attachment_id"] = c.Before.ID
			}
			out = append(out, ch)
		}
		return out
	}
	return map[string]any{
		"not_reviewed":      side(d.Unreviewed, d.UnreviewedMoves),
		"no_longer_applies": side(d.Gone, d.GoneMoves),
	}
}

// NotReviewed prints the refusal, then its error; under GitHub Actions the
// job summary gets the Markdown form.
func (v *applyHuman) NotReviewed(file string, d plan.ReviewDiff, mode plan.Mode) {
	fmt.Fprint(v.out, reviewDiffText(d, mode))
	Errorf(v, notReviewedSummary, "%s", notReviewedDetail(file, d))
	v.appendStepSummary(reviewDiffMarkdown(file, d, mode))
}

// NotReviewed writes a reviewed_plan_differs message with both sides,
// then the error diagnostic.
func (v *applyJSON) NotReviewed(file string, d plan.ReviewDiff, mode plan.Mode) {
	v.emit("error", "reviewed_plan_differs", notReviewedSummary, reviewDiffJSON(d, mode))
	Errorf(v, notReviewedSummary, "%s", notReviewedDetail(file, d))
	v.appendStepSummary(reviewDiffMarkdown(file, d, mode))
}

// applyMarkdown is apply -reviewed=FILE -markdown: stdout carries only
// Markdown, for a pull request comment — the refusal, or the outcome —
// while the progress goes to stderr as plain text.
type applyMarkdown struct {
	*applyHuman
	md *View // stdout
}

func newApplyMarkdown(v *View) Apply {
	progress := *v
	progress.out, progress.outPal = v.err, v.errPal
	return &applyMarkdown{applyHuman: newApplyHuman(&progress), md: v}
}

func (v *applyMarkdown) NotReviewed(file string, d plan.ReviewDiff, mode plan.Mode) {
	Errorf(v, notReviewedSummary, "%s", notReviewedDetail(file, d))
	fmt.Fprint(v.md.out, reviewDiffMarkdown(file, d, mode))
}

func (v *applyMarkdown) Finished(r apply.Result, fatal error) {
	v.applyHuman.Finished(r, fatal)
	outcome := operationName(v.mode) + " complete! " + applySummary(r, v.mode)
	if code := ApplyExitCode(r, fatal); code != exitOK {
		outcome = applyOutcome(r, fatal, v.mode) + " The job's log says what failed."
	}
	fmt.Fprintf(v.md.out, "### attachform apply -reviewed\n\nThe reviewed changes were planned afresh and matched. **%s**\n", mdText(outcome))
}
