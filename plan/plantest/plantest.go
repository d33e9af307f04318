// Package plantest holds plans for tests of what renders plans: the
// command's views and Terraform's JSON forms (internal/tfjson).
package plantest

import (
	"github.com/attachform/attachform/item"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/state"
)

// EveryChange is a plan with one change of every kind a plan can show: a
// no-op, a create, replacements destroying first or not, a resumed upload,
// a cancelled one, an adoption, deletions (managed, deposed, unmanaged,
// orphaned) and forgotten records. Each call returns a new plan.
func EveryChange() *plan.Plan {
	hands := item.Ref{Mailbox: "ops@contoso.com", Kind: item.Event, ID: "AAMkAGI2TG93AAA-event-0001="}
	welcome := item.Ref{Mailbox: "ops@contoso.com", Kind: item.Message, ID: "msg-1"}
	return &plan.Plan{Changes: []plan.Change{
		{Address: "attachment.kept", Action: plan.NoOp},
		{Address: "attachment.agenda", Action: plan.Create, Reason: "not yet created",
			After: &plan.Desired{Address: "attachment.agenda", Target: hands, TargetName: "all_hands", DisplayPath: "files/agenda.pdf",
				Descriptor: state.Descriptor{Name: "Agenda.pdf", ContentType: "application/pdf", SHA256: "a1b2", Bytes: 12582912}}},
		{Address: `attachment.handbook["intro.pdf"]`, Action: plan.Replace, Reason: "content changed", DestroyFirst: true,
			Before: &state.Attachment{ID: "att-0000000000001",
				Descriptor: state.Descriptor{Name: "intro.pdf", ContentType: "application/pdf", SHA256: "old", Bytes: 2048, Inline: true}, Target: welcome},
			After: &plan.Desired{Target: welcome, TargetName: "welcome", DisplayPath: "handbook/intro.pdf",
				Descriptor: state.Descriptor{Name: "intro.pdf", ContentType: "application/pdf", SHA256: "new", Bytes: 3072}}},
		{Address: "attachment.roster", Action: plan.Replace, Reason: "name changed",
			Before: &state.Attachment{ID: "att-2",
				Descriptor: state.Descriptor{Name: "roster.csv", ContentType: "text/csv", SHA256: "c3", Bytes: 100}, Target: welcome},
			After: &plan.Desired{Target: welcome, TargetName: "welcome", DisplayPath: "files/roster.csv",
				Descriptor: state.Descriptor{Name: "Roster.csv", ContentType: "text/csv", SHA256: "c3", Bytes: 100}}},
		{Address: "attachment.big", Action: plan.Resume, Reason: "an earlier upload was interrupted",
			Session: &plan.Session{ID: "s1", Descriptor: state.Descriptor{Name: "big.bin", Bytes: 12582912}, Confirmed: 7864320, Target: hands},
			After: &plan.Desired{Target: hands, TargetName: "all_hands", DisplayPath: "files/big.bin",
				Descriptor: state.Descriptor{Name: "big.bin", ContentType: "application/octet-stream", SHA256: "d4", Bytes: 12582912}}},
		{Address: "attachment.gone", Action: plan.Cancel, Reason: "no longer in the configuration",
			Session: &plan.Session{ID: "s2", Descriptor: state.Descriptor{Name: "gone.bin", Bytes: 5242880}, Confirmed: 0, Target: hands}},
		{Address: "attachment.found", Action: plan.Adopt, Reason: "an identical attachment is already on the item",
			After: &plan.Desired{Target: hands, TargetName: "all_hands", DisplayPath: "files/found.txt",
				Descriptor: state.Descriptor{Name: "found.txt", ContentType: "text/plain", SHA256: "e5", Bytes: 512}}},
		{Address: "attachment.old", Action: plan.Delete, Reason: "no longer in the configuration",
			Before: &state.Attachment{ID: "att-3", Descriptor: state.Descriptor{Name: "old.txt", ContentType: "text/plain"}, Target: hands}},
		{Address: "attachment.agenda", Action: plan.Delete, Deposed: true, Reason: "replaced by an earlier apply that was interrupted before deleting it",
			Before: &state.Attachment{ID: "att-0000000000004",
				Descriptor: state.Descriptor{Name: "Agenda.pdf", ContentType: "application/pdf"}, Target: hands}},
		{Address: "attachment.stray", Action: plan.Delete, Unmanaged: true, Reason: "not declared, and the target is exclusive",
			Before: &state.Attachment{ID: "att-5",
				Descriptor: state.Descriptor{Name: "stray.docx", ContentType: "application/msword"}, Target: welcome}},
		{Address: "attachment.lost", Action: plan.Delete, Orphan: true, Reason: "created by an interrupted apply",
			Before: &state.Attachment{ID: "att-0000000000006",
				Descriptor: state.Descriptor{Name: "lost.pdf", ContentType: "application/pdf"}, Target: welcome}},
		{Address: "attachment.intent", Action: plan.Forget, Orphan: true, Reason: "an interrupted apply's intent",
			Before: &state.Attachment{Descriptor: state.Descriptor{Name: "intent.pdf", ContentType: "application/pdf"}, Target: welcome}},
		{Address: "attachment.vanished", Action: plan.Forget, Reason: "its item no longer exists",
			Before: &state.Attachment{ID: "att-7", Descriptor: state.Descriptor{Name: "v.txt", ContentType: "text/plain"}, Target: welcome}},
	}}
}
