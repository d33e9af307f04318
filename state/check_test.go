package state

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// A state that lies is refused on load, with a message that says what is
// wrong and what to do.
func TestDecodeRefusesStatesThatLie(t *testing.T) {
	const tgt = `"target":{"mailbox":"m","kind":"message","item_id":"i"}`
	att := func(addr, id string) string {
		return `{"address":"` + addr + `",` + tgt + `,"id":"` + id + `","name":"n","content_type":"","sha256":"","bytes":1,"reported_size":1,"created_at":"2026-01-01T00:00:00Z"}`
	}
	sess := func(id, url string, confirmed, bytes int) string {
		return `{"id":"` + id + `","address":"attachment.s",` + tgt + `,"upload_url":"` + url + `","expires_at":"2026-01-01T00:00:00Z","confirmed":` +
			itoa(confirmed) + `,"name":"s","content_type":"","sha256":"","bytes":` + itoa(bytes) + `,"started_at":"2026-01-01T00:00:00Z"}`
	}
	state := func(version, attachments, extra string) string {
		return `{"version":` + version + `,"lineage":"l","serial":3,"attachments":[` + attachments + `],"upload_sessions":[]` + extra + `}`
	}
	for _, tc := range []struct{ name, json, says string }{
		{"negative version", state("-1", "", ""), "format version -1 is not one attachform ever wrote"},
		{"no version", state("0", "", ""), "no version"},
		{"future version", state("3", "", ""), "newer than this attachform"},
		{"one id, two addresses", state("2", att("attachment.a", "X")+","+att("attachment.b", "X"), ""), "attachment.a and attachment.b (managed) are the same Graph attachment"},
		{"one id, managed and deposed", state("2", att("attachment.a", "X"), `,"deposed":[`+att("attachment.a", "X")+`]`), "attachment.a and attachment.a (deposed) are the same Graph attachment"},
		{"deposed twice", state("2", "", `,"deposed":[`+att("attachment.a", "X")+","+att("attachment.b", "X")+`]`), "same Graph attachment"},
		{"addresses out of order", state("2", att("attachment.b", "B")+","+att("attachment.a", "A"), ""), "not in address order (attachment.a after attachment.b)"},
		{"address twice", state("2", att("attachment.a", "A")+","+att("attachment.a", "B"), ""), "attachment.a appears twice"},
		{"no id", state("2", att("attachment.a", ""), ""), "attachment.a has no Graph attachment id"},
		{"no address", state("2", att("", "A"), ""), "without an address"},
		{"negative size", strings.Replace(state("2", att("attachment.a", "A"), ""), `"bytes":1`, `"bytes":-5`, 1), "negative size"},
		{"session twice", strings.Replace(state("2", "", ""), `"upload_sessions":[]`, `"upload_sessions":[`+sess("s1", "https://up/1", 0, 9)+","+sess("s1", "https://up/2", 0, 9)+`]`, 1), "upload session s1 of attachment.s appears twice"},
		{"session without URL", strings.Replace(state("2", "", ""), `"upload_sessions":[]`, `"upload_sessions":[`+sess("s1", "", 0, 9)+`]`, 1), "has no upload URL"},
		{"session confirms more than it holds", strings.Replace(state("2", "", ""), `"upload_sessions":[]`, `"upload_sessions":[`+sess("s1", "https://up/1", 10, 9)+`]`, 1), "confirms 10 of 9 bytes"},
		{"intent twice", state("2", "", `,"intents":[{"id":"i1","address":"attachment.a",`+tgt+`,"name":"a","content_type":"","sha256":"","bytes":1,"created_at":"2026-01-01T00:00:00Z"},{"id":"i1","address":"attachment.b",`+tgt+`,"name":"b","content_type":"","sha256":"","bytes":1,"created_at":"2026-01-01T00:00:00Z"}]`), "intent i1 for attachment.b appears twice"},
	} {
		s, err := Decode(strings.NewReader(tc.json))
		if err == nil {
			t.Errorf("%s: decoded %+v", tc.name, s)
			continue
		}
		if !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: %v\nwant it to say %q", tc.name, err, tc.says)
		}
	}
	// The same entries, told the truth, load.
	good := state("2", att("attachment.a", "A")+","+att("attachment.b", "B"), `,"deposed":[`+att("attachment.a", "OLD")+`]`)
	if _, err := Decode(strings.NewReader(good)); err != nil {
		t.Errorf("a good state: %v", err)
	}
}

// Encode writes attachments in address order, so that whatever attachform
// writes, Decode accepts.
func TestEncodeSorts(t *testing.T) {
	s := New()
	s.Attachments = []Attachment{{Address: "attachment.b", ID: "B"}, {Address: "attachment.a", ID: "A"}}
	var buf bytes.Buffer
	if err := Encode(&buf, s); err != nil {
		t.Fatal(err)
	}
	got, err := Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got.Attachments[0].Address != "attachment.a" || s.Attachments[0].Address != "attachment.b" {
		t.Errorf("Encode sorted %v, and left its argument %v", got.Attachments, s.Attachments)
	}
}

func TestCheckSerial(t *testing.T) {
	s := &State{Lineage: "L", Serial: 4}
	if err := CheckSerial(s, "x.json", 4, "here"); err != nil {
		t.Errorf("equal serial: %v", err)
	}
	err := CheckSerial(s, "x.json", 9, "recorded beside the state")
	var se *SerialError
	if !errors.Is(err, ErrSerialBackwards) || !errors.As(err, &se) || se.Last != 9 || se.Serial != 4 {
		t.Fatalf("CheckSerial = %v", err)
	}
	for _, w := range []string{"x.json holds serial 4", "serial 9 was written before", "recorded beside the state", "-force"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%q does not say %q", err, w)
		}
	}
}

func TestSerialMemory(t *testing.T) {
	m := &SerialMemory{Dir: t.TempDir()}
	if _, ok := m.Last("L1"); ok {
		t.Fatal("a fresh memory remembers")
	}
	m.Remember("L1", 5)
	m.Remember("L1", 3) // lower: kept at 5
	if n, ok := m.Last("L1"); !ok || n != 5 {
		t.Errorf("Last = %d, %v; want 5", n, ok)
	}
	m.Set("L1", 2)
	if n, _ := m.Last("L1"); n != 2 {
		t.Errorf("after Set: %d", n)
	}
	for _, bad := range []string{"", "../x", ".hidden", "a/b", strings.Repeat("x", 300)} {
		m.Remember(bad, 1)
		if _, ok := m.Last(bad); ok {
			t.Errorf("lineage %q remembered", bad)
		}
	}
	var none *SerialMemory
	none.Remember("L", 1)
	if _, ok := none.Last("L"); ok {
		t.Error("nil memory remembers")
	}
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// A state path can name any file: decoding errors describe what is wrong
// without quoting its bytes.
func TestDecodeErrorsQuoteNothing(t *testing.T) {
	for _, in := range []string{
		"AZURE_CLIENT_SECRET=s3cr3t",
		`{"version":"s3cr3t"}`,
		`{"version":2,"lineage":"l","serial":31337424242}`[:30] + `}`,
		`{"version":2,"lineage":31337424242}`,
		`{"s3cr3t_field_that_is_a_secret_token_value_xyz":1}`,
		`{"AZURE_CLIENT_SECRET=s3cr3t":1}`,
		``,
	} {
		_, err := Decode(strings.NewReader(in))
		if err == nil {
			t.Errorf("%q decoded", in)
			continue
		}
		if strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "31337") {
			t.Errorf("%q: error quotes the file: %v", in, err)
		}
	}
	_, err := Decode(strings.NewReader(`{"version":2,"lineage":"l","serial":1,"attachments":[],"upload_sessions":[],"colour":1}`))
	if err == nil || !strings.Contains(err.Error(), `unknown field "colour"`) {
		t.Errorf("an unknown field: %v", err)
	}
}
