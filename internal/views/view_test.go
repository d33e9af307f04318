package views

import (
	"encoding/json"
	"errors"
	"flag"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/attachform/attachform/apply"
	"github.com/attachform/attachform/internal/arguments"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/plan/plantest"
	"github.com/hashicorp/hcl/v2"
)

// The views are tested as a user meets them: a view on two captured
// streams, painted (as on a terminal) or not, and what each stream holds.

// fixturePlan has one change of every kind a plan can show.
func fixturePlan() *plan.Plan { return plantest.EveryChange() }

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

func TestPlanHumanPlain(t *testing.T) {
	tv, out, errb := testView(false)
	if err := PlanViews.human(tv).Plan(fixturePlan()); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != wantPlanText {
		t.Errorf("plan text:\n%s\nwant:\n%s", got, wantPlanText)
	}
	if errb.Len() > 0 {
		t.Errorf("a plan wrote to stderr: %q", errb.String())
	}
}

// Painted, the plan reads the same once the colour is taken away, and
// the colours are the palette's: symbols and marks by what they do,
// headings bold.
func TestPlanHumanColor(t *testing.T) {
	tv, out, _ := testView(true)
	if err := PlanViews.human(tv).Plan(fixturePlan()); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if plain := ansi.ReplaceAllString(got, ""); plain != wantPlanText {
		t.Errorf("the painted plan without its colour:\n%s\nwant:\n%s", plain, wantPlanText)
	}
	for _, want := range []string{
		"  \x1b[1m# attachment.agenda will be created\x1b[0m\n",
		"\x1b[32m  +\x1b[0m attachment \"agenda\" {\n",
		"      \x1b[32m+\x1b[0m name         = \"Agenda.pdf\"\n",
		"\x1b[33m-/+\x1b[0m attachment \"handbook\" {\n",
		"\x1b[33m+/-\x1b[0m attachment \"roster\" {\n",
		"      \x1b[33m~\x1b[0m name         = \"roster.csv\" -> \"Roster.csv\" # forces replacement\n",
		"\x1b[36m  +\x1b[0m attachment \"found\" {\n",
		"\x1b[31m  -\x1b[0m attachment \"old\" {\n",
		"      \x1b[31m-\x1b[0m id           = \"att-3\"\n",
		"\x1b[1mPlan: 3 to add, 0 to change, 6 to destroy, 1 to resume, 1 to adopt, 1 upload session to cancel, 2 to forget.\x1b[0m\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("painted plan lacks %q", want)
		}
	}
}

func TestPlanHumanNoChanges(t *testing.T) {
	const want = "No changes. Graph matches the configuration.\n\n" +
		"attachform compared your configuration with what Graph holds and found no differences,\nso no changes are needed.\n"
	for _, color := range []bool{false, true} {
		tv, out, _ := testView(color)
		p := &plan.Plan{Changes: []plan.Change{{Address: "attachment.a", Action: plan.NoOp}}}
		if err := PlanViews.human(tv).Plan(p); err != nil {
			t.Fatal(err)
		}
		got := out.String()
		if color {
			if !strings.HasPrefix(got, "\x1b[1m\x1b[32mNo changes.\x1b[0m\x1b[1m Graph matches the configuration.\x1b[0m\n") {
				t.Errorf("painted: %q", got)
			}
			got = ansi.ReplaceAllString(got, "")
		} else if strings.Contains(got, "\x1b") {
			t.Errorf("plain output holds an escape: %q", got)
		}
		if got != want {
			t.Errorf("color=%v:\n%q\nwant\n%q", color, got, want)
		}
	}
}

// Moved blocks are shown as Terraform shows them, and counted.
func TestPlanHumanMoves(t *testing.T) {
	tv, out, _ := testView(false)
	p := &plan.Plan{Moves: []plan.Move{{From: "attachment.a", To: "attachment.b"}}}
	if err := PlanViews.human(tv).Plan(p); err != nil {
		t.Fatal(err)
	}
	want := "attachform will perform the following actions:\n\n" +
		"  # attachment.a has moved to attachment.b\n\n" +
		"Plan: 0 to add, 0 to change, 0 to destroy, 1 to move.\n"
	if out.String() != want {
		t.Errorf("plan\n%q\nwant\n%q", out.String(), want)
	}
	if got, want := applySummary(apply.Result{Moved: 2}, plan.Normal), "Resources: 0 added, 0 changed, 0 destroyed, 2 moved."; got != want {
		t.Errorf("apply summary %q, want %q", got, want)
	}
}

// Sizes are bytesize's, with the exact count where rounding hides it.
func TestSizeText(t *testing.T) {
	for n, want := range map[int64]string{
		0:         "0 B",
		1023:      "1023 B",
		1024:      "1 KiB (1024 bytes)",
		3072:      "3 KiB (3072 bytes)",
		7864320:   "7.5 MiB (7864320 bytes)",
		12582912:  "12 MiB (12582912 bytes)",
		3<<20 + 1: "3 MiB (3145729 bytes)",
	} {
		if got := sizeText(n); got != want {
			t.Errorf("sizeText(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestApplyHumanPlainAndColor(t *testing.T) {
	for _, color := range []bool{false, true} {
		tv, out, errb := testView(color)
		v := newApplyHuman(tv)
		v.Applying(&plan.Plan{})
		v.Event(apply.Event{Address: "attachment.a", Action: plan.Create, Phase: apply.Started})
		v.Event(apply.Event{Address: "attachment.a", Action: plan.Create, Phase: apply.Finished, Elapsed: 1400 * time.Millisecond, ID: "att-1"})
		v.Event(apply.Event{Address: "attachment.b", Action: plan.Delete, Phase: apply.Started})
		v.Event(apply.Event{Address: "attachment.b", Action: plan.Delete, Phase: apply.Finished})
		v.Finished(apply.Result{Added: 1, Destroyed: 1}, nil)
		complete := "Apply complete!"
		if color {
			complete = "\x1b[1m\x1b[32mApply complete!\x1b[0m"
		}
		want := "\n" +
			"attachment.a: Creating...\n" +
			"attachment.a: Creation complete after 1s [id=att-1]\n" +
			"attachment.b: Destroying...\n" +
			"attachment.b: Destruction complete after 0s\n" +
			"\n" + complete + " Resources: 1 added, 0 changed, 1 destroyed.\n"
		if out.String() != want {
			t.Errorf("color=%v: stdout\n%q\nwant\n%q", color, out.String(), want)
		}
		if errb.Len() > 0 {
			t.Errorf("color=%v: stderr %q", color, errb.String())
		}
	}
}

func TestApplyHumanApproval(t *testing.T) {
	tv, out, errb := testView(false)
	v := newApplyHuman(tv)
	v.AskApproval()
	v.Answered()
	v.Cancelled()
	if want := "\nDo you want to perform these actions?\n" +
		"  attachform will perform the actions described above.\n" +
		"  Only 'yes' will be accepted to approve.\n\n" +
		"  Enter a value: \n"; out.String() != want {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
	if want := "\nError: Apply cancelled.\n"; errb.String() != want {
		t.Errorf("stderr %q, want %q", errb.String(), want)
	}
}

// A failed change is a diagnostic on stderr, its error redacted; the
// outcome stays on stdout.
func TestApplyHumanFailure(t *testing.T) {
	tv, out, errb := testView(false)
	v := newApplyHuman(tv)
	r := apply.Result{Errors: []*apply.ChangeError{{Address: "attachment.a", Action: plan.Create,
		Err: errors.New("PUT https://outlook.office.com/upload?authtoken=SECRETTOKEN: 500")}}}
	v.Finished(r, nil)
	if code := ApplyExitCode(r, nil); code != exitError {
		t.Errorf("exit code %d", code)
	}
	if !strings.Contains(errb.String(), "Error: attachment.a: create failed") || strings.Contains(errb.String(), "SECRETTOKEN") {
		t.Errorf("stderr %q", errb.String())
	}
	if want := "\nApply failed. Resources: 0 added, 0 changed, 0 destroyed.\n"; out.String() != want {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
}

func TestValidateViews(t *testing.T) {
	warn := hcl.Diagnostics{{Severity: hcl.DiagWarning, Summary: "Value for undeclared variable", Detail: "Ignored."}}
	for _, tc := range []struct {
		name    string
		json    bool
		color   bool
		diags   hcl.Diagnostics
		out     string
		errPart string
	}{
		{"valid", false, false, nil, "Success! The configuration is valid.\n", ""},
		{"valid painted", false, true, nil, "\x1b[1m\x1b[32mSuccess! The configuration is valid.\x1b[0m\n", ""},
		{"warnings", false, false, warn, "Success! The configuration is valid, but there were some validation warnings as shown above.\n", "Warning: Value for undeclared variable"},
		{"invalid", false, false, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Bad"}}, "", "Error: Bad"},
		{"json", true, true, warn, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tv, out, errb := testView(tc.color)
			vf := ValidateViews.human
			if tc.json {
				vf = ValidateViews.json
			}
			vf(tv).Results(nil, tc.diags)
			if tc.json {
				var r JSONReport
				if err := json.Unmarshal(out.Bytes(), &r); err != nil || !r.Valid || r.WarningCount != 1 {
					t.Errorf("JSON %v %+v: %s", err, r, out.String())
				}
			} else if out.String() != tc.out {
				t.Errorf("stdout %q, want %q", out.String(), tc.out)
			}
			if !strings.Contains(errb.String(), tc.errPart) || (tc.errPart == "" && errb.Len() > 0) {
				t.Errorf("stderr %q, want it to hold %q", errb.String(), tc.errPart)
			}
		})
	}
}

func TestFmtHuman(t *testing.T) {
	tv, out, errb := testView(true)
	v := FmtViews.human(tv)
	v.Listed("main.attach.hcl")
	v.Diff("main.attach.hcl", []byte("a = 1\n"), []byte("a  = 1\n"))
	v.Formatted([]byte("b = 2\n"))
	want := "main.attach.hcl\n--- old/main.attach.hcl\n+++ new/main.attach.hcl\n@@ -1 +1 @@\n-a = 1\n+a  = 1\nb = 2\n"
	if out.String() != want || errb.Len() > 0 {
		t.Errorf("stdout %q, want %q; stderr %q", out.String(), want, errb.String())
	}
}

// The emulator's URL is the first line of stdout, alone; the rest is
// for people, on stderr.
func TestEmulatorHuman(t *testing.T) {
	tv, out, errb := testView(false)
	EmulatorViews.human(tv).Serving("http://127.0.0.1:1234", "http://127.0.0.1:1235")
	if out.String() != "http://127.0.0.1:1234\n" {
		t.Errorf("stdout %q", out.String())
	}
	if want := "Graph emulator serving on http://127.0.0.1:1234 (upload origin http://127.0.0.1:1235). Interrupt to stop.\n"; errb.String() != want {
		t.Errorf("stderr %q, want %q", errb.String(), want)
	}
}

// Flags exist for the kinds a command's view set has; asking for two
// kinds at once is a mistake.
func TestViewSetFlags(t *testing.T) {
	human := func(v *View) Common { return v }
	set := Set[Common]{human: human, json: human, jsonHelp: "Write JSON."}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var vf arguments.View
	set.Register(fs, &vf)
	if fs.Lookup("json") == nil || fs.Lookup("no-color") == nil || fs.Lookup("markdown") != nil {
		t.Error("flags: want -json and -no-color, no -markdown")
	}
	if want := "  -json                   Write JSON.\n  -no-color               No colour in the output (NO_COLOR in the environment too)."; set.Help(HelpColumn) != want {
		t.Errorf("help\n%q\nwant\n%q", set.Help(HelpColumn), want)
	}
	set.markdown = human
	st, _, errb := testStreams()
	if _, ok := set.Open(st, arguments.View{JSON: true, Markdown: true}); ok || !strings.Contains(errb.String(), "-json and -markdown cannot be used together") {
		t.Errorf("two kinds at once: ok=%v, stderr %q", ok, errb.String())
	}
}

// -no-color and NO_COLOR keep colour off even on a terminal; a buffer
// never gets colour.
func TestNewViewColor(t *testing.T) {
	for _, tc := range []struct {
		noColor bool
		env     []string
	}{{true, nil}, {false, []string{"NO_COLOR=1"}}, {false, []string{"TERM=dumb"}}, {false, nil}} {
		st, _, _ := testStreams(tc.env...)
		if v := NewView(st, tc.noColor); v.outPal.on || v.errPal.on {
			t.Errorf("%v %v: colour on a buffer", tc.noColor, tc.env)
		}
	}
}

// wantPlanText is fixturePlan as a reviewer reads it.
const wantPlanText = `attachform will perform the following actions:

  # attachment.agenda will be created
  # (not yet created)
  + attachment "agenda" {
      + name         = "Agenda.pdf"
      + content_type = "application/pdf"
      + source       = "files/agenda.pdf"
      + size         = 12 MiB (12582912 bytes)
      + sha256       = "a1b2"
      + target       = target.all_hands (event AAMkAG…-0001= in ops@contoso.com)
    }

  # attachment.handbook["intro.pdf"] must be replaced
  # (content changed)
-/+ attachment "handbook" {
        name         = "intro.pdf"
        content_type = "application/pdf"
        source       = "handbook/intro.pdf"
      ~ size         = 2 KiB (2048 bytes) -> 3 KiB (3072 bytes) # forces replacement
      ~ sha256       = "old" -> "new" # forces replacement
      ~ inline       = true -> false # forces replacement
        target       = target.welcome (message msg-1 in ops@contoso.com)
    }

  # attachment.roster must be replaced
  # (name changed)
+/- attachment "roster" {
      ~ name         = "roster.csv" -> "Roster.csv" # forces replacement
        content_type = "text/csv"
        source       = "files/roster.csv"
        size         = 100 B
        sha256       = "c3"
        target       = target.welcome (message msg-1 in ops@contoso.com)
    }

  # attachment.big will be created (resuming an interrupted upload: 7.5 MiB (7864320 bytes) of 12 MiB (12582912 bytes) already sent)
  + attachment "big" {
      + name         = "big.bin"
      + content_type = "application/octet-stream"
      + source       = "files/big.bin"
      + size         = 12 MiB (12582912 bytes)
      + sha256       = "d4"
      + target       = target.all_hands (event AAMkAG…-0001= in ops@contoso.com)
    }

  # attachment.gone upload session will be cancelled
  # (no longer in the configuration)
  - attachment "gone" {
      - name         = "gone.bin"
      - sent         = 0 B of 5 MiB (5242880 bytes)
      - target       = event AAMkAG…-0001= in ops@contoso.com
    }

  # attachment.found will be adopted
  # (an identical attachment is already on the item)
  + attachment "found" {
      + name         = "found.txt"
      + content_type = "text/plain"
      + source       = "files/found.txt"
      + size         = 512 B
      + sha256       = "e5"
      + target       = target.all_hands (event AAMkAG…-0001= in ops@contoso.com)
    }

  # attachment.old will be destroyed
  # (no longer in the configuration)
  - attachment "old" {
      - id           = "att-3"
      - name         = "old.txt"
      - content_type = "text/plain"
      - target       = event AAMkAG…-0001= in ops@contoso.com
    }

  # attachment.agenda (deposed object 00000004) will be destroyed
  # (replaced by an earlier apply that was interrupted before deleting it)
  - attachment "agenda" {
      - id           = "att-0000000000004"
      - name         = "Agenda.pdf"
      - content_type = "application/pdf"
      - target       = event AAMkAG…-0001= in ops@contoso.com
    }

  # attachment.stray will be destroyed
  # (not declared, and the target is exclusive)
  - attachment "stray.docx" {
      - id           = "att-5"
      - name         = "stray.docx"
      - content_type = "application/msword"
      - target       = message msg-1 in ops@contoso.com
    }

  # attachment.lost (left by an interrupted apply, object 00000006) will be destroyed
  # (created by an interrupted apply)
  - attachment "lost.pdf" {
      - id           = "att-0000000000006"
      - name         = "lost.pdf"
      - content_type = "application/pdf"
      - target       = message msg-1 in ops@contoso.com
    }

  # attachment.intent (intent of an interrupted apply) will be removed from the state
  # (an interrupted apply's intent)
  - attachment "intent.pdf" {
      - name         = "intent.pdf"
      - content_type = "application/pdf"
      - target       = message msg-1 in ops@contoso.com
    }

  # attachment.vanished will be removed from the state
  # (its item no longer exists)
  - attachment "vanished" {
      - id           = "att-7"
      - name         = "v.txt"
      - content_type = "text/plain"
      - target       = message msg-1 in ops@contoso.com
    }

Plan: 3 to add, 0 to change, 6 to destroy, 1 to resume, 1 to adopt, 1 upload session to cancel, 2 to forget.
`
