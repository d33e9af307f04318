package state_test

import (
	"flag"
	"path/filepath"
	"testing"
	"time"

	"github.com/attachform/attachform/internal/golden"
	"github.com/attachform/attachform/item"
	"github.com/attachform/attachform/state"
)

var update = flag.Bool("update", false, "rewrite testdata/state.golden.json from goldenState")

// TestStateGolden holds the state's JSON to the bytes of
// testdata/state.golden.json: what goldenState encodes to, and what the
// golden file decodes and encodes back to. A change to the model that
// moves, renames or drops a field of the format fails here; the file is a
// format users' states are in, not an output to regenerate lightly.
func TestStateGolden(t *testing.T) {
	golden.Check(t, golden.Format[*state.State]{Noun: "the state", Encode: state.Encode, Decode: state.Decode},
		filepath.Join("testdata", "state.golden.json"), goldenState(), *update)
}

// goldenState is a state with one of everything the format holds: keyed
// and unkeyed addresses, every item kind, an inline attachment with a
// content id, labels, a deposed attachment, upload sessions and intents.
// The six fields describing an attachment are assigned after each literal,
// so that the test reads the same however the model groups them.
func goldenState() *state.State {
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	mailbox := "ops@contoso.example"
	message := item.Ref{Mailbox: mailbox, Kind: item.Message, ID: "AAMkADmsg=="}
	event := item.Ref{Mailbox: "Ana.Lima@contoso.example", Kind: item.Event, ID: "AAMkADev=="}
	task := item.Ref{Mailbox: mailbox, Kind: item.TodoTask, ID: "AAMkADtask=", ListID: "AAMkADlist="}

	s := &state.State{Version: state.FormatVersion, Lineage: "3f1c9a52-8d0e-4b7a-9c61-2e5f0d7b4a18", Serial: 42, Writer: "0.4.0"}

	handbook := state.Attachment{Address: `attachment.handbook["intro.pdf"]`, Target: message,
		TargetLabel: item.Label{Title: "Welcome aboard"}, ID: "AAMkADatt1=", ReportedSize: 178, CreatedAt: at}
	handbook.Name, handbook.ContentType, handbook.SHA256, handbook.Bytes = "intro.pdf", "application/pdf",
		"ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12", 20
	s.SetAttachment(handbook)

	logo := state.Attachment{Address: `attachment.logo["ana@contoso.example"]`, Target: event,
		TargetLabel: item.Label{Title: "Kick-off"}, ID: "AAMkADatt2=", ReportedSize: 4242, CreatedAt: at.Add(time.Second)}
	logo.Name, logo.ContentType, logo.Inline, logo.ContentID, logo.SHA256, logo.Bytes = "logo.png", "image/png", true, "logo@contoso",
		"0101010101010101010101010101010101010101010101010101010101010101", 3900
	s.SetAttachment(logo)

	agenda := state.Attachment{Address: "attachment.agenda", Target: task,
		TargetLabel: item.Label{Title: "Prepare the offsite", List: "Tasks"}, ID: "AAMkADatt3=", ReportedSize: 3640066,
		CreatedAt: time.Date(2026, 11, 22, 11, 30, 15, 123456789, time.UTC)}
	agenda.Name, agenda.ContentType, agenda.SHA256, agenda.Bytes = "agenda.pdf", "application/pdf",
		"cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34", 3483322
	s.SetAttachment(agenda)

	old := state.Attachment{Address: `attachment.handbook["old.pdf"]`, Target: message, ID: "AAMkADold=", ReportedSize: 99, CreatedAt: at}
	old.Name, old.ContentType, old.SHA256, old.Bytes = "old.pdf", "application/pdf",
		"9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f", 7
	s.Depose(old)

	big := state.Session{Address: `attachment.exports["q4"]`, Target: event,
		UploadURL: "https://outlook.office.com/api/v2.0/upload?authtoken=golden-not-a-secret", ExpiresAt: at.Add(time.Hour),
		Confirmed: 2097152, StartedAt: at}
	big.Name, big.ContentType, big.SHA256, big.Bytes = "big.csv", "text/csv",
		"ef56ef56ef56ef56ef56ef56ef56ef56ef56ef56ef56ef56ef56ef56ef56ef56", 5000000
	s.SetSession(big)

	video := state.Session{ID: "b7e2a0c4d91f3e5a6c8b0d2f", Address: "attachment.video", Target: task,
		UploadURL: "https://graph.microsoft.com/v1.0/users/ops/todo/lists/l/tasks/t/attachmentSessions/s", ExpiresAt: at.Add(2 * time.Hour),
		StartedAt: at.Add(time.Minute)}
	video.Name, video.ContentType, video.SHA256, video.Bytes = "video.mp4", "video/mp4",
		"7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a", 10485760
	s.SetSession(video)

	notes := state.Intent{ID: "intent-1", Address: `attachment.handbook["notes.txt"]`, Target: message, CreatedAt: at}
	notes.Name, notes.ContentType, notes.SHA256, notes.Bytes = "notes.txt", "text/plain",
		"0a0b0a0b0a0b0a0b0a0b0a0b0a0b0a0b0a0b0a0b0a0b0a0b0a0b0a0b0a0b0a0b", 12
	s.AddIntent(notes)

	banner := state.Intent{ID: "intent-2", Address: "attachment.banner", Target: event, CreatedAt: at.Add(time.Second)}
	banner.Name, banner.ContentType, banner.Inline, banner.ContentID, banner.SHA256, banner.Bytes = "banner.png", "image/png", true, "banner",
		"5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c", 512
	s.AddIntent(banner)
	return s
}
