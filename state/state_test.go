package state

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/attachform/attachform/item"
)

func TestAttachmentsStaySortedAndRemovalChecksTheID(t *testing.T) {
	s := New()
	for _, addr := range []string{"attachment.c", "attachment.a", "attachment.b", "attachment.a"} {
		s.SetAttachment(Attachment{Address: addr, ID: "id-" + addr})
	}
	var got []string
	for _, a := range s.Attachments {
		got = append(got, a.Address)
	}
	if want := []string{"attachment.a", "attachment.b", "attachment.c"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("addresses %v, want %v", got, want)
	}
	s.RemoveAttachment("attachment.b", "some-other-id")
	if _, ok := s.Attachment("attachment.b"); !ok {
		t.Fatal("removal with another id dropped the attachment")
	}
	s.RemoveAttachment("attachment.b", "id-attachment.b")
	if _, ok := s.Attachment("attachment.b"); ok {
		t.Fatal("attachment.b still present")
	}
}

// Sessions are keyed by an ID derived from their upload URL; the ID is
// stable across reads and does not contain the URL.
func TestSessionsAreKeyedByAnIDThatHidesTheURL(t *testing.T) {
	s := New()
	s.SetSession(Session{Address: "attachment.a", UploadURL: "https://up/u1?authtoken=secret", Confirmed: 1})
	s.SetSession(Session{Address: "attachment.a", UploadURL: "https://up/u1?authtoken=secret", Confirmed: 5})
	s.SetSession(Session{Address: "attachment.b", UploadURL: "https://up/u2?authtoken=secret"})
	if len(s.Sessions) != 2 || s.Sessions[0].Confirmed != 5 {
		t.Fatalf("sessions %+v", s.Sessions)
	}
	id := s.Sessions[0].ID
	if id == "" || id != SessionID("https://up/u1?authtoken=secret") || strings.Contains(id, "secret") || strings.Contains(id, "u1") {
		t.Fatalf("session id %q", id)
	}
	if got, ok := s.Session(id); !ok || got.Confirmed != 5 {
		t.Fatalf("Session(%q) = %+v, %v", id, got, ok)
	}
	s.RemoveSession(id)
	if len(s.Sessions) != 1 || s.Sessions[0].UploadURL != "https://up/u2?authtoken=secret" {
		t.Fatalf("sessions after removal %+v", s.Sessions)
	}
	// A version 1 state has no session ids: reading gives them, the same
	// every time.
	v1 := `{"version":1,"lineage":"l","serial":1,"attachments":[],"upload_sessions":[{"address":"attachment.c","target":{"mailbox":"m","kind":"message","item_id":"i"},"upload_url":"https://up/u3","expires_at":"2026-01-01T00:00:00Z","confirmed":0,"name":"c","content_type":"","sha256":"","bytes":1,"started_at":"2026-01-01T00:00:00Z"}]}`
	for range 2 {
		st, err := Decode(strings.NewReader(v1))
		if err != nil || st.Version != FormatVersion || len(st.Sessions) != 1 || st.Sessions[0].ID != SessionID("https://up/u3") {
			t.Fatalf("decode v1: %+v, %v", st, err)
		}
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	s := New()
	s.SetAttachment(Attachment{Address: "attachment.a", ID: "x", Target: item.Ref{Mailbox: "m", Kind: "event", ID: "i"}})
	var buf bytes.Buffer
	if err := Encode(&buf, s); err != nil {
		t.Fatal(err)
	}
	got, err := Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	s.Sessions = []Session{}
	if !reflect.DeepEqual(got, s) {
		t.Fatalf("got %+v\nwant %+v", got, s)
	}
}

// FuzzDecode: a state file is outside input (it may be hand-edited or pulled
// from a remote backend); decoding must fail cleanly, never panic.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"version":1,"lineage":"l","serial":3,"attachments":[{"address":"b"},{"address":"a"}],"upload_sessions":[]}`))
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":-1,"lineage":"l","serial":1,"attachments":[],"upload_sessions":[]}`))
	f.Add([]byte(`{"version":2,"lineage":"l","serial":1,"attachments":[{"address":"a","id":"X"},{"address":"b","id":"X"}],"upload_sessions":[]}`))
	f.Add([]byte(`{"version":2,"lineage":"l","serial":1,"attachments":[{"address":"a","id":"X"}],"deposed":[{"address":"a","id":"Y"}],"upload_sessions":[{"id":"s","upload_url":"u","bytes":3,"confirmed":1}],"intents":[{"id":"i"}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Decode(bytes.NewReader(data))
		if err != nil {
			if strings.ContainsAny(err.Error(), "\x00") {
				t.Fatalf("unfit error %q", err)
			}
			return
		}
		// What loads keeps the promises a later run relies on.
		ids := map[string]bool{}
		for i, a := range append(slices.Clone(s.Attachments), s.Deposed...) {
			if a.ID == "" || ids[a.ID] {
				t.Fatalf("attachment %d: id %q empty or twice", i, a.ID)
			}
			ids[a.ID] = true
		}
		if !slices.IsSortedFunc(s.Attachments, func(a, b Attachment) int { return strings.Compare(a.Address, b.Address) }) {
			t.Fatal("attachments out of order")
		}
		if s.Version != FormatVersion || s.Lineage == "" {
			t.Fatalf("version %d, lineage %q", s.Version, s.Lineage)
		}
		var buf bytes.Buffer
		if err := Encode(&buf, s); err != nil {
			t.Fatalf("a decoded state does not encode: %v", err)
		}
		if _, err := Decode(&buf); err != nil {
			t.Fatalf("re-decoding an encoded state: %v", err)
		}
	})
}

// Records walks every kind of record once, and stops when asked.
func TestRecordsWalksEveryKindOfRecord(t *testing.T) {
	it := func(id string) item.Ref { return item.Ref{Mailbox: "m", Kind: item.Message, ID: id} }
	s := New()
	s.SetAttachment(Attachment{Address: "attachment.a", Target: it("1"), ID: "A"})
	s.Depose(Attachment{Address: "attachment.b", Target: it("2"), ID: "B"})
	s.SetSession(Session{ID: "s", Address: "attachment.c", Target: it("3")})
	s.AddIntent(Intent{ID: "x", Address: "attachment.d", Target: it("4")})
	var got []string
	for addr, target := range s.Records() {
		got = append(got, addr+"@"+target.ID)
	}
	if want := []string{"attachment.a@1", "attachment.b@2", "attachment.c@3", "attachment.d@4"}; !slices.Equal(got, want) {
		t.Errorf("Records = %v, want %v", got, want)
	}
	n := 0
	for range s.Records() {
		if n++; n == 2 {
			break
		}
	}
	if n != 2 {
		t.Errorf("the walk went on after break: %d", n)
	}
}
