package views

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attachform/attachform/apply"
	"github.com/attachform/attachform/item"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/state"
)

// Destroy and refresh-only plans read as Terraform words them.
func TestPlanHumanModes(t *testing.T) {
	ref := item.Ref{Mailbox: "ops@contoso.com", Kind: item.Message, ID: "msg-1"}
	for _, tt := range []struct {
		name string
		p    *plan.Plan
		want []string
		not  []string
	}{
		{"destroy, nothing to destroy", &plan.Plan{Mode: plan.Destroy},
			[]string{"No changes. No objects need to be destroyed.\n\nEither you have not created any attachments yet"}, nil},
		{"refresh-only, nothing changed", &plan.Plan{Mode: plan.RefreshOnly},
			[]string{"No changes. Graph still matches the state."}, nil},
		{"refresh-only, a deletion outside", &plan.Plan{Mode: plan.RefreshOnly, Changes: []plan.Change{
			{Address: "attachment.a", Action: plan.Forget, Reason: "already deleted outside attachform",
				Before: &state.Attachment{ID: "att-1", Descriptor: state.Descriptor{Name: "a.pdf", ContentType: "application/pdf"}, Target: ref}},
		}}, []string{
			"Note: Objects have changed outside of attachform\n",
			"  # attachment.a has been deleted\n  # (already deleted outside attachform)\n  - attachment \"a\" {\n",
			"      - id           = \"att-1\"\n",
			"This is a refresh-only plan, so attachform will not take any actions to undo these.",
		}, []string{"Plan:", "will be removed from the state"}},
		{"destroy", &plan.Plan{Mode: plan.Destroy, Changes: []plan.Change{
			{Address: "attachment.a", Action: plan.Delete, Before: &state.Attachment{ID: "att-1",
				Descriptor: state.Descriptor{Name: "a.pdf"}, Target: ref}},
		}}, []string{"  # attachment.a will be destroyed\n  - attachment", "Plan: 0 to add, 0 to change, 1 to destroy."}, []string{"# ("}},
	} {
		tv, out, _ := testView(false)
		if err := PlanViews.human(tv).Plan(tt.p); err != nil {
			t.Fatal(err)
		}
		for _, w := range tt.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%s: the plan lacks %q:\n%s", tt.name, w, out.String())
			}
		}
		for _, w := range tt.not {
			if strings.Contains(out.String(), w) {
				t.Errorf("%s: the plan holds %q:\n%s", tt.name, w, out.String())
			}
		}
	}
}

// An inline attachment's content_id is in the plan: it is what the body's
// cid: reference names.
func TestPlanHumanShowsContentID(t *testing.T) {
	ref := item.Ref{Mailbox: "ops@contoso.com", Kind: item.Message, ID: "msg-1"}
	d := func(cid string) *plan.Desired {
		return &plan.Desired{Target: ref, TargetName: "welcome", DisplayPath: "logo.png",
			Descriptor: state.Descriptor{Name: "logo.png", ContentType: "image/png", Inline: true, ContentID: cid, SHA256: "aa", Bytes: 10}}
	}
	p := &plan.Plan{Changes: []plan.Change{
		{Address: "attachment.logo", Action: plan.Create, After: d("logo")},
		{Address: "attachment.banner", Action: plan.Replace, Reason: "inline disposition changed",
			Before: &state.Attachment{ID: "att-2",
				Descriptor: state.Descriptor{Name: "logo.png", ContentType: "image/png", Inline: true, ContentID: "old", SHA256: "aa", Bytes: 10}, Target: ref},
			After: d("new")},
		{Address: "attachment.gone", Action: plan.Delete, Reason: "no longer in the configuration",
			Before: &state.Attachment{ID: "att-3", Descriptor: state.Descriptor{Name: "sig.png", Inline: true, ContentID: "sig"}, Target: ref}},
	}}
	tv, out, _ := testView(false)
	if err := PlanViews.human(tv).Plan(p); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"      + content_id   = \"logo\"\n",
		"      ~ content_id   = \"old\" -> \"new\" # forces replacement\n",
		"      - content_id   = \"sig\"\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the plan lacks %q:\n%s", want, out.String())
		}
	}
}

// Destroy asks, cancels and ends in Terraform's destroy words.
func TestApplyHumanDestroyWords(t *testing.T) {
	tv, out, errb := testView(false)
	v := newApplyHuman(tv)
	p := &plan.Plan{Mode: plan.Destroy}
	if err := v.Plan(p); err != nil {
		t.Fatal(err)
	}
	v.AskApproval()
	v.Answered()
	v.Cancelled()
	if !strings.Contains(out.String(), "Do you really want to destroy all attachments?\n") ||
		!strings.Contains(out.String(), "There is no undo. Only 'yes' will be accepted to confirm.") {
		t.Errorf("the prompt: %q", out.String())
	}
	if errb.String() != "\nError: Destroy cancelled.\n" {
		t.Errorf("stderr %q", errb.String())
	}
	out.Reset()
	v.Applying(p)
	v.Finished(apply.Result{Destroyed: 2}, nil)
	if !strings.HasSuffix(out.String(), "\nDestroy complete! Resources: 2 destroyed.\n") {
		t.Errorf("stdout %q", out.String())
	}
	if got := applyOutcome(apply.Result{Destroyed: 1, Unfinished: []string{"x"}}, nil, plan.Destroy); got != "Destroy interrupted. Resources: 1 destroyed." {
		t.Errorf("outcome %q", got)
	}
}

// After a plan: where it was saved, and how to apply it, unless in
// automation; with -chdir, the command to run says so.
func TestPlanNextStep(t *testing.T) {
	wd, _ := os.Getwd()
	changes := &plan.Plan{Changes: []plan.Change{{Address: "attachment.a", Action: plan.Create}}}
	for _, tt := range []struct {
		name    string
		environ []string
		p       *plan.Plan
		saved   string
		want    string
	}{
		{"saved", nil, changes, "review.plan", "\nSaved the plan to: review.plan\n\nTo perform exactly these actions, run the following command to apply:\n    attachform -chdir=sub apply \"review.plan\"\n"},
		{"not saved", nil, changes, "", "\nNote: You didn't use the -out option to save this plan, so attachform can't\nguarantee to take exactly these actions if you run \"attachform -chdir=sub apply\" now.\n"},
		{"saved, in automation", []string{"ATTACHFORM_IN_AUTOMATION=1"}, changes, "review.plan", "\nSaved the plan to: review.plan\n"},
		{"not saved, in automation", []string{"ATTACHFORM_IN_AUTOMATION=true"}, changes, "", ""},
		{"no changes", nil, &plan.Plan{}, "", ""},
	} {
		tv, out, _ := testView(false, tt.environ...)
		tv.dir = filepath.Join(wd, "sub")
		(&planHuman{tv}).NextStep(tt.p, tt.saved)
		if out.String() != tt.want {
			t.Errorf("%s:\n%q\nwant\n%q", tt.name, out.String(), tt.want)
		}
	}
}
