package state

import (
	"bytes"
	"reflect"
	"testing"
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

func TestSessionsAreKeyedByUploadURL(t *testing.T) {
	s := New()
	s.SetSession(Session{Address: "attachment.a", UploadURL: "u1", Confirmed: 1})
	s.SetSession(Session{Address: "attachment.a", UploadURL: "u1", Confirmed: 5})
	s.SetSession(Session{Address: "attachment.b", UploadURL: "u2"})
	if len(s.Sessions) != 2 || s.Sessions[0].Confirmed != 5 {
		t.Fatalf("sessions %+v", s.Sessions)
	}
	s.RemoveSession("u1")
	if len(s.Sessions) != 1 || s.Sessions[0].UploadURL != "u2" {
		t.Fatalf("sessions after removal %+v", s.Sessions)
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	s := New()
	s.SetAttachment(Attachment{Address: "attachment.a", ID: "x", Target: Target{Mailbox: "m", Kind: "event", ItemID: "i"}})
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
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Decode(bytes.NewReader(data))
		if err != nil {
			return
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
