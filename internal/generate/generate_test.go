package generate

import (
	"strings"
	"testing"

	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/item"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
)

func file(id, name string) graph.Attachment {
	return graph.Attachment{ID: id, Name: name, Type: graph.FileAttachment, ContentType: "text/plain"}
}

// Find keeps what can be declared, skips the rest with a reason, and
// leaves alone what a manifest, an import block or the state accounts for.
func TestFind(t *testing.T) {
	welcome := &spec.Target{Name: "welcome", Item: item.Ref{Mailbox: "a@contoso.com", Kind: item.Message, ID: "M1"}}
	alice := &spec.Target{Name: `pack["alice@contoso.com"]`, Item: item.Ref{Mailbox: "alice@contoso.com", Kind: item.Message, ID: "M2"}}
	gone := &spec.Target{Name: "gone", Item: item.Ref{Mailbox: "a@contoso.com", Kind: item.Event, ID: "E9"}}
	cfg := &spec.Config{
		Targets:      []*spec.Target{welcome, alice, gone},
		Attachments:  []*spec.Attachment{{Address: "attachment.agenda", Target: welcome, Name: "agenda.pdf"}},
		Imports:      []spec.Import{{To: "attachment.minutes", ID: "w-minutes"}},
		Unconfigured: []spec.Import{{To: "attachment.logo", ID: "a-logo"}, {To: "attachment.lost", ID: "nowhere"}},
	}
	st := &state.State{Attachments: []state.Attachment{{Address: "attachment.roster", Target: welcome.Item, ID: "w-roster"}}}
	live := plan.Live{
		welcome.Item.Key(): {Attachments: []graph.Attachment{
			file("w-agenda", "Agenda.PDF"), // declared (names compare ignoring case)
			file("w-roster", "roster.csv"), // in the state
			file("w-minutes", "minutes.txt"),
			file("w-deck", "Deck.pptx"),
			file("w-slash", "../x.txt"),
			file("w-dup1", "dup.txt"), file("w-dup2", "DUP.txt"),
			{ID: "w-item", Name: "Holiday", Type: graph.ItemAttachment},
			{ID: "w-ref", Name: "Budget", Type: graph.ReferenceAttachment},
		}},
		alice.Item.Key(): {Attachments: []graph.Attachment{file("a-logo", "logo.png"), file("a-notes", "notes.txt")}},
		gone.Item.Key():  {Missing: true},
	}
	cands, skipped := Find(cfg, st, live)
	var got []string
	for _, c := range cands {
		s := c.Target.Name + ":" + c.Live.Name
		if c.Import != nil {
			s += "<-" + c.Import.To
		}
		got = append(got, s)
	}
	want := `welcome:Deck.pptx,pack["alice@contoso.com"]:logo.png<-attachment.logo,pack["alice@contoso.com"]:notes.txt`
	if strings.Join(got, ",") != want {
		t.Errorf("candidates %s\nwant       %s", strings.Join(got, ","), want)
	}
	why := map[string]string{}
	for _, s := range skipped {
		key := s.Live.ID
		if s.Target == nil {
			key = s.Import.To
		}
		why[key] = s.Why
		if s.Fix == "" {
			t.Errorf("%s skipped with no advice", key)
		}
	}
	for key, part := range map[string]string{
		"w-slash": "its name cannot be declared", "w-dup1": "2 attachments named", "w-dup2": "2 attachments named",
		"w-item": "Outlook item", "w-ref": "link to a file in the cloud", "attachment.lost": "no declared target holds",
	} {
		if !strings.Contains(why[key], part) {
			t.Errorf("%s: why %q, want it to say %q", key, why[key], part)
		}
	}
	if len(skipped) != 6 {
		t.Errorf("%d skipped, want 6: %v", len(skipped), why)
	}
}

type folders map[string][]string

func (f folders) Entries(rel string) ([]string, error) { return f[rel], nil }

// Layout: files per target folder (keyed targets in a folder of their
// key), never over what is there; block names readable, unique, and the
// same on every run whatever the order found.
func TestLayout(t *testing.T) {
	welcome := &spec.Target{Name: "welcome"}
	alice := &spec.Target{Name: `pack["Alice@contoso.com"]`}
	alice2 := &spec.Target{Name: `pack["alice@contoso.com"]`}
	im := &spec.Import{To: "attachment.my_logo"}
	mk := func() []Candidate {
		return []Candidate{
			{Target: alice2, Live: file("3", "Notes.txt")},
			{Target: welcome, Live: file("1", "Über – Plan.pdf")},
			{Target: alice, Live: file("2", "notes.txt")},
			{Target: welcome, Live: file("4", "logo.png"), Import: im},
			{Target: welcome, Live: file("5", "agenda.pdf")},
		}
	}
	cands := mk()
	if err := Layout(cands, "imported", map[string]bool{"welcome_agenda_pdf": true}, folders{"imported/welcome": {"Agenda.pdf"}}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cands {
		got = append(got, c.Block+"="+c.File)
	}
	want := []string{
		`pack_alice_contoso_com_notes_txt=imported/pack/Alice@contoso.com/notes.txt`,
		`pack_alice_contoso_2_com_notes_txt=imported/pack/alice@contoso (2).com/Notes.txt`,
		`welcome_agenda_2_pdf=imported/welcome/agenda (2).pdf`,
		`my_logo=imported/welcome/logo.png`,
		`welcome_uber_plan_pdf=imported/welcome/Über – Plan.pdf`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("layout\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	again := mk()
	again[0], again[4] = again[4], again[0]
	if err := Layout(again, "imported", map[string]bool{"welcome_agenda_pdf": true}, folders{"imported/welcome": {"Agenda.pdf"}}); err != nil {
		t.Fatal(err)
	}
	for i := range again {
		if again[i].Block != cands[i].Block || again[i].File != cands[i].File {
			t.Errorf("another order gave %s=%s", again[i].Block, again[i].File)
		}
	}
}
