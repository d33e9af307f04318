package views

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/attachform/attachform/item"
	"github.com/attachform/attachform/state"
)

// state show and state pull never print an upload URL: it is a credential.
// show names it as a sensitive value; pull writes the redaction mark and
// says on stderr how push brings the URL back.
func TestStateViewsHideUploadURLs(t *testing.T) {
	const secret = "https://outlook.office.com/api/v2.0/Users('x')/Messages('y')/AttachmentSessions('z')?authtoken=s3cr3t"
	st := state.New()
	created := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	ref := item.Ref{Mailbox: "ops@contoso.example", Kind: item.Message, ID: "AAMk="}
	st.SetAttachment(state.Attachment{Address: `attachment.handbook["a.pdf"]`, Target: ref, ID: "att=",
		Descriptor: state.Descriptor{Name: "a.pdf", ContentType: "application/pdf", SHA256: "ab", Bytes: 5 << 20}, ReportedSize: 5300000, CreatedAt: created})
	st.SetSession(state.Session{Address: `attachment.handbook["a.pdf"]`, Target: ref, UploadURL: secret, ExpiresAt: created.Add(time.Hour),
		Confirmed:  1 << 20,
		Descriptor: state.Descriptor{Name: "a.pdf", ContentType: "application/pdf", SHA256: "cd", Bytes: 6 << 20}, StartedAt: created})

	var out, errb bytes.Buffer
	v := &stateHuman{&View{out: &out, err: &errb}}
	v.Object(st, `attachment.handbook["a.pdf"]`)
	text := out.String()
	for _, want := range []string{`# attachment.handbook["a.pdf"]:`, `attachment "handbook" "a.pdf" {`, `upload_url   = (sensitive value)`, "confirmed    = 1048576 # 1 MiB"} {
		if !strings.Contains(text, want) {
			t.Errorf("state show does not say %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "s3cr3t") || strings.Contains(text, "AttachmentSessions") {
		t.Fatalf("state show prints the upload URL:\n%s", text)
	}

	out.Reset()
	if err := v.StateDocument(st.Redacted(), 1); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "s3cr3t") || !strings.Contains(out.String(), `"upload_url": "(redacted)"`) {
		t.Fatalf("state pull writes:\n%s", out.String())
	}
	if !strings.Contains(errb.String(), "state push restores them") {
		t.Fatalf("state pull does not say how the URL comes back: %q", errb.String())
	}
}
