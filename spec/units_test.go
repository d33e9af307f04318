package spec

import (
	"testing"
	"time"
)

func TestParseRates(t *testing.T) {
	r, err := ParseRate("10000/10m")
	if err != nil || r != (Rate{N: 10000, Per: 10 * time.Minute}) || r.String() != "10000/10m" {
		t.Errorf("ParseRate = %+v %v (%s)", r, err, r)
	}
	br, err := ParseByteRate("150MB/5m")
	if err != nil || br != (ByteRate{Bytes: 150 * MiB, Per: 5 * time.Minute}) || br.String() != "150MiB/5m" {
		t.Errorf("ParseByteRate = %+v %v (%s)", br, err, br)
	}
	if r, _ := ParseRate("4/1h"); r.String() != "4/1h" {
		t.Errorf("String = %s", r)
	}
	for _, bad := range []string{"10000", "10000/", "lots/10m", "0/10m", "-5/10m", "100/0s", "100/-1m", "100/ten"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) succeeded", bad)
		}
	}
	for _, bad := range []string{"150MB", "0MB/5m", "150XB/5m", "150MB/5"} {
		if _, err := ParseByteRate(bad); err == nil {
			t.Errorf("ParseByteRate(%q) succeeded", bad)
		}
	}
}

func TestNameProblem(t *testing.T) {
	long := make([]byte, MaxNameLength)
	for i := range long {
		long[i] = 'a'
	}
	for _, tc := range []struct {
		name, summary string
	}{
		{"Agenda.pdf", ""},
		{"Q3 plan – v2 (final).pdf", ""},
		{string(long), ""},
		{string(long) + "b", "Attachment name too long"},
		{"", "Empty attachment name"},
		{"   ", "Empty attachment name"},
		{"a/b.pdf", "Invalid character in attachment name"},
		{`a\b.pdf`, "Invalid character in attachment name"},
		{"Q3: plan.pdf", "Invalid character in attachment name"},
		{"what?.pdf", "Invalid character in attachment name"},
		{"tab\there.pdf", "Invalid character in attachment name"},
		{"bad\xffutf8.pdf", "Invalid character in attachment name"},
		{" leading.pdf", "Attachment name changed by Outlook"},
		{"trailing.pdf ", "Attachment name changed by Outlook"},
		{"dot.", "Attachment name changed by Outlook"},
	} {
		if got, _ := nameProblem(tc.name); got != tc.summary {
			t.Errorf("nameProblem(%q) = %q, want %q", tc.name, got, tc.summary)
		}
	}
}

func TestEndpointProblem(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"emulator", true},
		{"https://graph.microsoft.com", true},
		{"https://graph.microsoft.us/", true},
		{"http://127.0.0.1:8080", true},
		{"http://localhost:9999", true},
		{"http://[::1]:9999", true},
		{"http://LOCALHOST:9999", true}, // the client takes it: so must validate
		{"http://127.0.0.5:9999", true},
		{"http://127.0.0.1.nip.io:9999", false},
		{"http://localhost.contoso.com", false},
		{"http://graph.microsoft.com", false},
		{"https://graph.microsoft.com/v1.0", false},
		{"https://user:pw@graph.microsoft.com", false},
		{"ftp://graph.microsoft.com", false},
		{"graph.microsoft.com", false},
		{"", false},
	} {
		if problem := endpointProblem(tc.in); (problem == "") != tc.ok {
			t.Errorf("endpointProblem(%q) = %q, want ok=%v", tc.in, problem, tc.ok)
		}
	}
}

func TestDetectContentType(t *testing.T) {
	dir := writeConfig(t, map[string]string{"notes": "plain words\n", "image": "\x89PNG\r\n\x1a\n....", "report.PDF": "%PDF-1.7"})
	for _, tc := range []struct{ name, source, want string }{
		{"Agenda.pdf", dir + "/notes", "application/pdf"}, // the name decides first
		{"Deck.PPTX", dir + "/notes", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
		{"notes", dir + "/report.PDF", "application/pdf"},      // then the source's extension
		{"notes", dir + "/notes", "text/plain; charset=utf-8"}, // then the content
		{"image", dir + "/image", "image/png"},
	} {
		if got := DetectContentType(tc.name, tc.source); got != tc.want {
			t.Errorf("DetectContentType(%q, %q) = %q, want %q", tc.name, tc.source, got, tc.want)
		}
	}
}
