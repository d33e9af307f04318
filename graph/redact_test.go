package graph

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/attachform/attachform/emulator"
	"github.com/hashicorp/go-hclog"
)

const jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.eyJhdWQiOiJncmFwaCJ9.c2ln"

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"PUT https://outlook.office.com/api/v2.0/Users('u')/Messages('m')/AttachmentSessions('s')?authtoken=eyJhbGc failed", "PUT <upload-url redacted> failed"},
		{"GET http://127.0.0.1:5/v1.0/users/u/todo/lists/l/tasks/t/attachmentSessions/s/content", "GET <upload-url redacted>"},
		{"Authorization: Bearer abc.def", "Authorization: Bearer REDACTED"},
		{"?authtoken=secret&x=1", "?authtoken=REDACTED&x=1"},
		{"client_secret=s3cr3t refresh_token=r", "client_secret=REDACTED refresh_token=REDACTED"},
		{"token " + jwt + " end", "token REDACTED end"},
		{"nothing secret here: /v1.0/users/u/messages/AAMk=/attachments", "nothing secret here: /v1.0/users/u/messages/AAMk=/attachments"},
	} {
		if got := Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := Redact(tc.want); got != tc.want {
			t.Errorf("Redact is not idempotent on %q: %q", tc.want, got)
		}
		if leaks := Leaks(Redact(tc.in)); len(leaks) != 0 {
			t.Errorf("Leaks(Redact(%q)) = %q", tc.in, leaks)
		}
	}
	if leaks := Leaks("see Bearer abc and https://x/AttachmentSessions('s')?authtoken=t", "abc"); len(leaks) < 3 {
		t.Errorf("Leaks found %q, want the bearer token, the URL and the known secret", leaks)
	}
}

// Every request at trace level, upload sessions of both kinds with a JWT
// bearer token, errors included: no token and no upload URL reaches the log
// or an error message.
func TestTraceLogsNoSecrets(t *testing.T) {
	var logBuf bytes.Buffer
	log := hclog.New(&hclog.LoggerOptions{Level: hclog.Trace, Output: &logBuf})
	e := newEnv(t, withCredential(jwt), withRangeSize(mib), func(_ *emulator.Options, co *Options) { co.Logger = log })
	ctx := context.Background()
	var known []string
	var errs []string
	for _, k := range sessionKinds {
		it := e.item(k, "secrets")
		s, err := e.client.CreateUploadSession(ctx, it, NewAttachment{Name: "s.bin", Size: sessionSize})
		if err != nil {
			t.Fatal(err)
		}
		known = append(known, s.URL)
		if _, err := e.client.Upload(ctx, s, bytes.NewReader(content(sessionSize)), sessionSize, nil); err != nil {
			t.Fatal(err)
		}
		// A gone session, a lost answer and a foreign URL: errors too.
		errs = append(errs, fmt.Sprint(e.client.CancelSession(ctx, s)))
		s2, _ := e.client.CreateUploadSession(ctx, it, NewAttachment{Name: "t.bin", Size: sessionSize})
		known = append(known, s2.URL)
		e.srv.SetFaults(emulator.Faults{RateReset: 1})
		_, err = e.client.Upload(ctx, s2, bytes.NewReader(content(sessionSize)), sessionSize, nil)
		errs = append(errs, fmt.Sprint(err))
		e.srv.SetFaults(emulator.Faults{})
		s2.URL = strings.Replace(s2.URL, "127.0.0.1", "evil.example", 1)
		_, err = e.client.Upload(ctx, s2, bytes.NewReader(content(sessionSize)), sessionSize, nil)
		errs = append(errs, fmt.Sprint(err), fmt.Sprintf("%v %+v %#v", s2, s2, s2))
	}
	text := logBuf.String() + strings.Join(errs, "\n")
	if !strings.Contains(text, `op="upload range"`) || !strings.Contains(text, "<upload URL>") {
		t.Fatalf("trace log misses the upload requests:\n%s", logBuf.String())
	}
	if leaks := Leaks(text, append(known, jwt)...); len(leaks) != 0 {
		t.Errorf("secrets leaked: %q", leaks)
	}
}
