package plan_test

import (
	"flag"
	"path/filepath"
	"testing"
	"time"

	"github.com/attachform/attachform/internal/golden"
	"github.com/attachform/attachform/item"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
)

var update = flag.Bool("update", false, "rewrite testdata/saved.golden.json from goldenSaved")

// TestSavedPlanGolden holds the saved plan's JSON (plan -out) to the bytes
// of testdata/saved.golden.json: what goldenSaved writes, and what the
// golden file reads and writes back to. A saved plan is a CI artifact an
// apply of the same version reads later: its fields do not move.
func TestSavedPlanGolden(t *testing.T) {
	golden.Check(t, golden.Format[*plan.Saved]{Noun: "the saved plan", Encode: plan.WriteSaved, Decode: plan.LoadSaved},
		filepath.Join("testdata", "saved.golden.json"), goldenSaved(), *update)
}

// described is the six fields that describe an attachment's content, set
// on each value through helpers so that the test reads the same however
// the model groups them.
type described struct {
	name, contentType string
	inline            bool
	contentID, sha256 string
	bytes             int64
}

func desired(d plan.Desired, x described) *plan.Desired {
	d.Name, d.ContentType, d.Inline, d.ContentID, d.SHA256, d.Bytes = x.name, x.contentType, x.inline, x.contentID, x.sha256, x.bytes
	return &d
}

func session(s plan.Session, x described) *plan.Session {
	s.Name, s.ContentType, s.Inline, s.ContentID, s.SHA256, s.Bytes = x.name, x.contentType, x.inline, x.contentID, x.sha256, x.bytes
	return &s
}

func recorded(a state.Attachment, x described) *state.Attachment {
	a.Name, a.ContentType, a.Inline, a.ContentID, a.SHA256, a.Bytes = x.name, x.contentType, x.inline, x.contentID, x.sha256, x.bytes
	return &a
}

// goldenSaved is a saved plan with one of everything its format holds:
// moves, creates (keyed and inline), a replacement destroying first, a
// resumed and a cancelled session, an adoption, an import, deletions of an
// unmanaged, a deposed and an orphaned attachment, a forgotten one, the
// limits it was made with, its variables and where it sends requests.
func goldenSaved() *plan.Saved {
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	message := item.Ref{Mailbox: "ops@contoso.example", Kind: item.Message, ID: "AAMkADmsg=="}
	event := item.Ref{Mailbox: "Ana.Lima@contoso.example", Kind: item.Event, ID: "AAMkADev=="}
	task := item.Ref{Mailbox: "ops@contoso.example", Kind: item.TodoTask, ID: "AAMkADtask=", ListID: "AAMkADlist="}
	welcome := item.Label{Title: "Welcome aboard"}
	offsite := item.Label{Title: "Prepare the offsite", List: "Tasks"}

	intro := described{"intro.pdf", "application/pdf", false, "", "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12", 20}
	logo := described{"logo.png", "image/png", true, "logo@contoso", "0101010101010101010101010101010101010101010101010101010101010101", 3900}
	agendaOld := described{"agenda.pdf", "application/pdf", false, "", "cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34", 3483322}
	agendaNew := described{"agenda.pdf", "application/pdf", false, "", "dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44", 3600000}
	big := described{"big.csv", "text/csv", false, "", "ef56ef56ef56ef56ef56ef56ef56ef56ef56ef56ef56ef56ef56ef56ef56ef56", 5000000}
	video := described{"video.mp4", "video/mp4", false, "", "7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a", 10485760}
	stray := described{"stray.docx", "application/msword", false, "", "", 0}
	notes := described{"notes.txt", "text/plain", false, "", "0a0b0a0b0a0b0a0b0a0b0a0b0a0b0a0b0a0b0a0b0a0b0a0b0a0b0a0b0a0b0a0b", 12}

	p := &plan.Plan{
		Mode: plan.Normal, Lineage: "3f1c9a52-8d0e-4b7a-9c61-2e5f0d7b4a18", Serial: 42, Created: at,
		Targets: []string{`attachment.handbook["intro.pdf"]`, "attachment.agenda"}, Replace: []string{"attachment.agenda"}, AllowMassDestroy: true,
		Moves: []plan.Move{{From: "attachment.intro", To: `attachment.handbook["intro.pdf"]`}, {From: `attachment.old["x"]`, To: `attachment.new["x"]`}},
		Changes: []plan.Change{
			{Address: `attachment.handbook["intro.pdf"]`, Action: plan.Create,
				After: desired(plan.Desired{Address: `attachment.handbook["intro.pdf"]`, Target: message, TargetName: "welcome", TargetLabel: welcome,
					Source: "/srv/manifests/files/intro.pdf", DisplayPath: "files/intro.pdf"}, intro)},
			{Address: `attachment.logo["ana@contoso.example"]`, Action: plan.Create, Intents: []string{"intent-2"},
				After: desired(plan.Desired{Address: `attachment.logo["ana@contoso.example"]`, Target: event, TargetName: `kickoff["ana"]`,
					Source: "/srv/shared/logo.png", DisplayPath: "/srv/shared/logo.png"}, logo)},
			{Address: "attachment.agenda", Action: plan.Replace, Reason: "content changed (sha256 cd34cd34cd34… → dd44dd44dd44…)", DestroyFirst: true,
				Before: recorded(state.Attachment{Address: "attachment.agenda", Target: task, TargetLabel: offsite, ID: "AAMkADatt3=",
					ReportedSize: 3640066, CreatedAt: at.Add(-24 * time.Hour)}, agendaOld),
				After: desired(plan.Desired{Address: "attachment.agenda", Target: task, TargetName: "offsite", TargetLabel: offsite,
					Source: "/srv/manifests/agenda.pdf", DisplayPath: "agenda.pdf"}, agendaNew)},
			{Address: `attachment.exports["q4"]`, Action: plan.Resume, Reason: "an upload session was interrupted at 2 MiB of 4.8 MiB",
				After: desired(plan.Desired{Address: `attachment.exports["q4"]`, Target: event, TargetName: "kickoff",
					Source: "/srv/manifests/exports/big.csv", DisplayPath: "exports/big.csv"}, big),
				Session: session(plan.Session{ID: "09afeb62119c13ecc50cf1e3", Address: `attachment.exports["q4"]`, Target: event,
					Confirmed: 2097152, ExpiresAt: at.Add(time.Hour)}, big)},
			{Address: "attachment.video", Action: plan.Cancel, Reason: "no longer in the configuration",
				Session: session(plan.Session{ID: "b7e2a0c4d91f3e5a6c8b0d2f", Address: "attachment.video", Target: task, TargetLabel: offsite,
					ExpiresAt: at.Add(2 * time.Hour)}, video)},
			{Address: `attachment.handbook["notes.txt"]`, Action: plan.Adopt, Reason: "an interrupted apply created it", AdoptID: "AAMkADatt9=",
				Intents: []string{"intent-1"},
				After: desired(plan.Desired{Address: `attachment.handbook["notes.txt"]`, Target: message, TargetName: "welcome",
					Source: "/srv/manifests/files/notes.txt", DisplayPath: "files/notes.txt"}, notes)},
			{Address: "attachment.imported", Action: plan.Adopt, Importing: "AAMkADimp=", AdoptID: "AAMkADimp=",
				After: desired(plan.Desired{Address: "attachment.imported", Target: message, TargetName: "welcome",
					Source: "/srv/manifests/files/notes.txt", DisplayPath: "files/notes.txt"}, notes)},
			{Address: "attachment.unmanaged", Action: plan.Delete, Reason: "not declared on an exclusive target", Unmanaged: true,
				Before: recorded(state.Attachment{Address: "attachment.unmanaged", Target: message, ID: "AAMkADstray=", ReportedSize: 2211}, stray)},
			{Address: `attachment.handbook["old.pdf"]`, Action: plan.Delete, Reason: "deposed by an interrupted replacement", Deposed: true,
				Before: recorded(state.Attachment{Address: `attachment.handbook["old.pdf"]`, Target: message, ID: "AAMkADold=", ReportedSize: 99}, intro)},
			{Address: "attachment.orphan", Action: plan.Delete, Reason: "an interrupted apply created it and nothing declares it", Orphan: true,
				Intents: []string{"intent-3"},
				Before:  recorded(state.Attachment{Address: "attachment.orphan", Target: event, ID: "AAMkADorph="}, logo)},
			{Address: "attachment.gone", Action: plan.Forget, Reason: "its message no longer exists",
				Before: recorded(state.Attachment{Address: "attachment.gone", Target: message, ID: "AAMkADgone=", CreatedAt: at}, intro)},
			{Address: "attachment.same", Action: plan.NoOp},
		},
	}
	return &plan.Saved{Plan: p, Manifests: "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e",
		Load: plan.SavedLoad{
			VarArgs:             []spec.VarArg{{Value: "team=ops"}, {File: true, Value: "prod.attachvars.hcl"}},
			Withheld:            []string{"client_secret"},
			AllowOutsideSources: true,
		},
		Graph: plan.SavedGraph{Endpoint: "https://graph.microsoft.us", Cloud: "usgovernment", TenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47"},
	}
}
