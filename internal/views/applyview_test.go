package views

import (
	"errors"
	"strings"
	"testing"

	"github.com/attachform/attachform/apply"
	"github.com/attachform/attachform/plan"
)

func TestApplySummary(t *testing.T) {
	for _, c := range []struct {
		r    apply.Result
		want string
	}{
		{apply.Result{}, "Resources: 0 added, 0 changed, 0 destroyed."},
		{apply.Result{Added: 2, Destroyed: 1}, "Resources: 2 added, 0 changed, 1 destroyed."},
		{apply.Result{Added: 1, Resumed: 3}, "Resources: 1 added, 0 changed, 0 destroyed, 3 resumed."},
		{apply.Result{Cancelled: 1}, "Resources: 0 added, 0 changed, 0 destroyed, 1 upload session cancelled."},
		{apply.Result{Resumed: 1, Adopted: 2, Cancelled: 2, Forgotten: 1},
			"Resources: 0 added, 0 changed, 0 destroyed, 1 resumed, 2 adopted, 2 upload sessions cancelled, 1 forgotten."},
	} {
		if got := applySummary(c.r, plan.Normal); got != c.want {
			t.Errorf("applySummary(%+v)\n got %s\nwant %s", c.r, got, c.want)
		}
	}
}

// A stopped apply exits 1, says what it did and lists what is left, with
// how far a stopped upload got.
func TestApplyFinishListsWhatAStopLeft(t *testing.T) {
	tv, out, errb := testView(false)
	v := newApplyHuman(tv)
	const mib = 1 << 20
	v.Event(apply.Event{Address: "attachment.a", Action: plan.Create, Phase: apply.Started, Total: 12 * mib})
	v.Event(apply.Event{Address: "attachment.a", Action: plan.Create, Phase: apply.Progress, Sent: 7.5 * mib, Total: 12 * mib})
	v.Event(apply.Event{Address: "attachment.a", Action: plan.Create, Phase: apply.Failed, Err: apply.ErrStopped})
	v.Event(apply.Event{Address: "attachment.c", Action: plan.Delete, Phase: apply.Started})
	v.Event(apply.Event{Address: "attachment.c", Action: plan.Delete, Phase: apply.Failed, Err: errors.New("context canceled")})
	v.Event(apply.Event{Address: "attachment.d", Action: plan.Create, Phase: apply.Started})
	v.Event(apply.Event{Address: "attachment.d", Action: plan.Create, Phase: apply.Finished})

	r := apply.Result{Added: 1, Resumed: 1, Unfinished: []string{"attachment.c", "attachment.b", "attachment.a"}}
	v.Finished(r, nil)
	if code := ApplyExitCode(r, nil); code != exitError {
		t.Fatalf("exit code %d, want %d", code, exitError)
	}
	want := "\nApply interrupted. Resources: 1 added, 0 changed, 0 destroyed, 1 resumed.\n" +
		"\nNot finished; the next apply picks these up:\n" +
		"  attachment.a: stopped after 7.5 MiB of 12 MiB; the upload session is saved and the next apply resumes it\n" +
		"  attachment.b: not started\n" +
		"  attachment.c: interrupted\n"
	if got := out.String()[strings.Index(out.String(), "\nApply"):]; got != want {
		t.Fatalf("stdout\n%s\nwant\n%s", got, want)
	}
	if !strings.Contains(errb.String(), "Error: Apply interrupted") || !strings.Contains(errb.String(), "3 planned changes were not finished") {
		t.Fatalf("stderr %q", errb.String())
	}
}

func TestApplyFinishComplete(t *testing.T) {
	tv, out, errb := testView(false)
	r := apply.Result{Added: 1, Resumed: 2}
	newApplyHuman(tv).Finished(r, nil)
	if code := ApplyExitCode(r, nil); code != exitOK {
		t.Fatalf("exit code %d", code)
	}
	if got, want := out.String(), "\nApply complete! Resources: 1 added, 0 changed, 0 destroyed, 2 resumed.\n"; got != want {
		t.Fatalf("stdout %q, want %q", got, want)
	}
	if errb.Len() > 0 {
		t.Fatalf("stderr %q", errb.String())
	}
}

// A failure that also left changes undone lists them under "Apply failed".
func TestApplyFinishFailedListsWhatIsLeft(t *testing.T) {
	tv, out, _ := testView(false)
	fatal := errors.New("disk full")
	r := apply.Result{Unfinished: []string{"attachment.x"}}
	newApplyHuman(tv).Finished(r, fatal)
	if code := ApplyExitCode(r, fatal); code != exitError {
		t.Fatalf("exit code %d", code)
	}
	if !strings.Contains(out.String(), "Apply failed.") || !strings.Contains(out.String(), "attachment.x: not started") {
		t.Fatalf("stdout %q", out.String())
	}
}
