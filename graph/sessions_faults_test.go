package graph

// Upload sessions when the network or Graph fails them: resets, lost
// answers, refusals, foreign URLs, a source that fails mid-range.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attachform/attachform/item"

	"github.com/attachform/attachform/emulator"
)

// "Reset after commit" on one range: the client asks the session's status
// and goes on from there, sending no range twice.
func TestUploadResetAfterCommit(t *testing.T) {
	for _, k := range sessionKinds {
		t.Run(string(k), func(t *testing.T) {
			e := newEnv(t, withRangeSize(mib))
			it := e.item(k, "reset")
			puts := 0
			e.rec.setBefore(func(_ int, req *http.Request) {
				if req.Method != http.MethodPut {
					e.srv.SetFaults(emulator.Faults{})
					return
				}
				if puts++; puts == 2 {
					e.srv.SetFaults(emulator.Faults{RateReset: 1})
				} else {
					e.srv.SetFaults(emulator.Faults{})
				}
			})
			data := content(sessionSize)
			id, progress, err := e.upload(it, "r.bin", data)
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			if puts != 4 {
				t.Errorf("%d ranges sent, want 4 (none twice)", puts)
			}
			if want := []int64{mib, 2 * mib, 3 * mib, sessionSize}; !slices.Equal(progress, want) {
				t.Errorf("progress = %v, want %v", progress, want)
			}
			if b := readAll(t, e.client, it, id); !bytes.Equal(b, data) {
				t.Error("content differs")
			}
			if st := e.srv.Stats(); st.Faults.Reset != 1 {
				t.Errorf("%d resets injected, want 1", st.Faults.Reset)
			}
		})
	}
}

// When the status cannot be had either, the client resends the range once
// and learns from the 416 that it had landed.
func TestUploadResetThenNoStatus(t *testing.T) {
	e := newEnv(t, withRangeSize(mib))
	it := e.item(item.Message, "no status")
	puts := 0
	e.rec.setBefore(func(_ int, req *http.Request) {
		switch {
		case req.Method == http.MethodPut:
			if puts++; puts == 2 {
				e.srv.SetFaults(emulator.Faults{RateReset: 1})
			} else {
				e.srv.SetFaults(emulator.Faults{})
			}
		case req.Method == http.MethodGet && puts == 2:
			// The status request and all its retries are lost too.
		default:
			e.srv.SetFaults(emulator.Faults{})
		}
	})
	data := content(sessionSize)
	id, _, err := e.upload(it, "n.bin", data)
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	if puts != 5 {
		t.Errorf("%d ranges sent, want 5 (the lost one resent once)", puts)
	}
	if n := e.srv.Stats().Requests.ByStatus["416"]; n != 1 {
		t.Errorf("%d answers 416, want 1", n)
	}
	if b := readAll(t, e.client, it, id); !bytes.Equal(b, data) {
		t.Error("content differs")
	}
}

// The final range's answer lost: the attachment exists but its id is
// unknown. The client says so with ErrAmbiguous — also when the session has
// expired by the time it asks where the session stands, since an expiry
// would have the caller upload again — and the attachment is found by
// listing, exactly once.
func TestUploadFinalRangeLost(t *testing.T) {
	for _, expires := range []bool{false, true} {
		for _, k := range sessionKinds {
			t.Run(fmt.Sprintf("%s/expires=%v", k, expires), func(t *testing.T) {
				e := newEnv(t, withRangeSize(mib))
				it := e.item(k, "final")
				final := func(req *http.Request) bool {
					return req.Method == http.MethodPut && strings.HasPrefix(req.Header.Get("Content-Range"), fmt.Sprintf("bytes %d-", 3*mib))
				}
				e.rec.setBefore(func(_ int, req *http.Request) {
					if final(req) {
						e.srv.SetFaults(emulator.Faults{RateReset: 1})
					} else {
						e.srv.SetFaults(emulator.Faults{})
					}
				})
				if base := e.rec.base; expires {
					e.rec.base = roundTripFunc(func(req *http.Request) (*http.Response, error) {
						resp, err := base.RoundTrip(req)
						if final(req) {
							e.clock.Advance(48 * time.Hour) // past any session's expiry
						}
						return resp, err
					})
				}
				data := content(sessionSize)
				_, _, err := e.upload(it, "f.bin", data)
				if !errors.Is(err, ErrAmbiguous) {
					t.Fatalf("Upload = %v, want ErrAmbiguous", err)
				}
				list, err := e.client.ListAttachments(context.Background(), it)
				if err != nil || len(list) != 1 {
					t.Fatalf("attachments = %+v, %v; want exactly one", list, err)
				}
				if b := readAll(t, e.client, it, list[0].ID); !bytes.Equal(b, data) {
					t.Error("content differs")
				}
			})
		}
	}
}

// 503 and 429 on a range: refused, so resent after Retry-After.
func TestUploadRetriesRefusals(t *testing.T) {
	for _, tc := range []struct {
		spec  string
		waits []time.Duration
	}{
		{"503=1", []time.Duration{time.Second}},
		// A 429 also pauses the mailbox's other requests for as long.
		{"429=1", []time.Duration{time.Second, time.Second}},
	} {
		spec := tc.spec
		t.Run(spec, func(t *testing.T) {
			e := newEnv(t, withRangeSize(mib))
			it := e.item(item.Message, spec)
			f, _ := emulator.ParseFaults(spec)
			puts := 0
			e.rec.setBefore(func(_ int, req *http.Request) {
				if req.Method == http.MethodPut {
					puts++
				}
				if req.Method == http.MethodPut && puts == 2 {
					e.srv.SetFaults(f)
				} else {
					e.srv.SetFaults(emulator.Faults{})
				}
			})
			data := content(sessionSize)
			id, _, err := e.upload(it, "t.bin", data)
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			if puts != 5 {
				t.Errorf("%d PUTs, want 5 (one refused and resent)", puts)
			}
			if waits := e.recordedWaits(); !slices.Equal(waits, tc.waits) {
				t.Errorf("waits = %v, want Retry-After's 1s", waits)
			}
			if b := readAll(t, e.client, it, id); !bytes.Equal(b, data) {
				t.Error("content differs")
			}
		})
	}
}

// A message that outgrows the mailbox's maximum size fails part-way.
func TestUploadMessageTooLarge(t *testing.T) {
	e := newEnv(t, withRangeSize(mib), func(eo *emulator.Options, _ *Options) { eo.Limits.MessageBytes = 5 * mib })
	ctx := context.Background()
	it := e.item(item.Message, "too large")
	if _, err := e.client.AddSmall(ctx, it, NewAttachment{Name: "first.bin", Size: 2 * mib}, bytes.NewReader(content(2*mib))); err != nil {
		t.Fatal(err)
	}
	_, _, err := e.upload(it, "second.bin", content(sessionSize))
	if !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("Upload = %v, want ErrMessageTooLarge", err)
	}
	if !strings.Contains(err.Error(), "35 MB") {
		t.Errorf("error %q does not explain the limit", err)
	}
}

// Upload URLs that would send bytes or the token elsewhere are refused
// before anything is sent.
func TestUploadRefusesForeignURLs(t *testing.T) {
	e := newEnv(t, withCredential("tok"))
	ctx := context.Background()
	msg := e.item(item.Message, "foreign")
	task := e.item(item.TodoTask, "foreign")
	todoOnUploadOrigin := e.srv.UploadOrigin() + "/v1.0/users/x/todo/lists/l/tasks/t/attachmentSessions/s"
	for _, s := range []*UploadSession{
		{Item: msg, URL: "https://evil.example/api/v2.0/AttachmentSessions('x')?authtoken=eyJabc"},
		{Item: msg, URL: "http://outlook.office.com/api/v2.0/AttachmentSessions('x')?authtoken=eyJabc"},
		{Item: task, URL: todoOnUploadOrigin},
		{Item: task, URL: "https://graph.microsoft.com/v1.0/users/x/todo/lists/l/tasks/t/attachmentSessions/s"},
	} {
		e.rec.take()
		_, err := e.client.Upload(ctx, s, bytes.NewReader(content(10)), 10, nil)
		if !errors.Is(err, ErrUnsafeURL) {
			t.Errorf("Upload to %s = %v, want ErrUnsafeURL", Redact(s.URL), err)
		}
		if err := e.client.CancelSession(ctx, s); !errors.Is(err, ErrUnsafeURL) {
			t.Errorf("CancelSession on %s = %v, want ErrUnsafeURL", Redact(s.URL), err)
		}
		if _, err := e.client.SessionStatus(ctx, s); !errors.Is(err, ErrUnsafeURL) {
			t.Errorf("SessionStatus on %s = %v, want ErrUnsafeURL", Redact(s.URL), err)
		}
		if n := len(e.rec.take()); n != 0 {
			t.Errorf("%d requests sent to %s", n, Redact(s.URL))
		}
		if strings.Contains(fmt.Sprint(err), "eyJabc") {
			t.Errorf("error leaks the token: %v", err)
		}
	}
}

// unsignedJWT is a bearer token with claims and a dummy signature: the
// emulator reads a token's claims and verifies nothing.
func unsignedJWT(t testing.TB, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]string{"typ": "JWT", "alg": "none"}) + "." + enc(claims) + ".c2ln"
}

// The known issue (graph-protocol.md: "Delegated permissions + a shared or
// delegated mailbox: createUploadSession answers 403"): a user signed in
// with delegated permissions uploads to a mailbox shared with them. The
// error names the issue and the fix, is not retried, and the fix it names
// (files under 3 MB with one POST) works; the user's own mailbox is fine.
func TestSessionAccessDeniedHint(t *testing.T) {
	const signedIn = "adele@contoso.example"
	tok := unsignedJWT(t, map[string]any{"scp": "Mail.ReadWrite Calendars.ReadWrite Tasks.ReadWrite", "upn": signedIn})
	e := newEnv(t, withCredential(tok), func(eo *emulator.Options, _ *Options) {
		eo.Users = []string{testUser, signedIn}
	})
	ctx := context.Background()
	for _, k := range []item.Kind{item.Message, item.Event} {
		shared := e.item(k, "shared")
		e.rec.take()
		_, err := e.client.CreateUploadSession(ctx, shared, NewAttachment{Name: "big.bin", Size: sessionSize})
		if !errors.Is(err, ErrAccessDenied) {
			t.Fatalf("%s: CreateUploadSession = %v, want ErrAccessDenied", k, err)
		}
		var ge *Error
		if !errors.As(err, &ge) || ge.Status != http.StatusForbidden || ge.Code != "ErrorAccessDenied" {
			t.Errorf("%s: error = %#v, want Graph's 403 ErrorAccessDenied", k, err)
		}
		for _, want := range []string{"known Graph issue", "delegated permissions", "shared or delegated mailbox", "authenticate as the application", "application permission", "under 3 MB"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q does not mention %q", k, err, want)
			}
		}
		if strings.Contains(err.Error(), tok) {
			t.Errorf("%s: error leaks the token", k)
		}
		if n := len(e.rec.take()); n != 1 {
			t.Errorf("%s: %d requests, want 1 (a 403 is not retried)", k, n)
		}
		if _, err := e.client.AddSmall(ctx, shared, NewAttachment{Name: "small.bin", Size: 1024}, bytes.NewReader(content(1024))); err != nil {
			t.Errorf("%s: AddSmall on the shared mailbox = %v; the hint's fix must work", k, err)
		}
	}
	// To Do sessions and the signed-in user's own mailbox are unaffected.
	if _, err := e.client.CreateUploadSession(ctx, e.item(item.TodoTask, "shared"), NewAttachment{Name: "big.bin", Size: sessionSize}); err != nil {
		t.Errorf("To Do CreateUploadSession = %v", err)
	}
	own := e.raw("POST", "/users/"+signedIn+"/messages", map[string]any{"subject": "own"}, true)
	if _, err := e.client.CreateUploadSession(ctx, item.Ref{Mailbox: signedIn, Kind: item.Message, ID: own["id"].(string)}, NewAttachment{Name: "big.bin", Size: sessionSize}); err != nil {
		t.Errorf("CreateUploadSession on the signed-in user's mailbox = %v", err)
	}
	if n := e.srv.Stats().OpenUploadSessions; n != 2 {
		t.Errorf("%d sessions open, want 2 (To Do and the own mailbox)", n)
	}
}

// Creating a session is repeated after a lost answer: the lost session is
// orphaned (it adds nothing to the item and expires), the new one works.
func TestCreateSessionAfterReset(t *testing.T) {
	e := newEnv(t)
	it := e.item(item.Message, "create reset")
	posts := 0
	e.rec.setBefore(func(_ int, req *http.Request) {
		if req.Method == http.MethodPost {
			posts++
		}
		e.srv.SetFaults(emulator.Faults{RateReset: map[bool]float64{true: 1}[req.Method == http.MethodPost && posts == 1]})
	})
	s, err := e.client.CreateUploadSession(context.Background(), it, NewAttachment{Name: "c.bin", Size: sessionSize})
	if err != nil {
		t.Fatalf("CreateUploadSession = %v", err)
	}
	if posts != 2 || e.srv.Stats().OpenUploadSessions != 2 {
		t.Errorf("%d POSTs, %d open sessions; want 2 and 2 (one orphaned)", posts, e.srv.Stats().OpenUploadSessions)
	}
	if _, err := e.client.Upload(context.Background(), s, bytes.NewReader(content(sessionSize)), sessionSize, nil); err != nil {
		t.Errorf("Upload: %v", err)
	}
}

// A progress callback that says stop ends the upload between ranges: the
// range in flight completes, none is started after it, and the session
// stays open where the server confirmed.
func TestUploadStopsBetweenRanges(t *testing.T) {
	for _, k := range sessionKinds {
		t.Run(string(k), func(t *testing.T) {
			e := newEnv(t, withRangeSize(mib))
			it := e.item(k, "stop")
			data := content(sessionSize)
			s, err := e.client.CreateUploadSession(context.Background(), it, NewAttachment{Name: "s.bin", Size: sessionSize})
			if err != nil {
				t.Fatal(err)
			}
			errStop := errors.New("stop requested")
			e.rec.take()
			_, err = e.client.Upload(context.Background(), s, bytes.NewReader(data), sessionSize, func(n int64) error {
				if n >= mib {
					return errStop
				}
				return nil
			})
			if !errors.Is(err, errStop) {
				t.Fatalf("Upload = %v, want the callback's error", err)
			}
			puts := 0
			for _, r := range e.rec.take() {
				if r.method == http.MethodPut {
					puts++
				}
			}
			if puts != 1 || s.Next != mib {
				t.Fatalf("%d ranges sent, next %d; want 1 range and next %d", puts, s.Next, mib)
			}
			next, err := e.client.SessionStatus(context.Background(), s)
			if err != nil || next != mib {
				t.Fatalf("SessionStatus = %d, %v; want the session open at %d", next, err, mib)
			}
		})
	}
}

// failingAt hands out its bytes until offset at, then fails.
type failingAt struct {
	data []byte
	at   int64
	err  error
}

func (f failingAt) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > f.at {
		return 0, f.err
	}
	return copy(p, f.data[off:]), nil
}

// A source that fails while a range is being sent ends the upload with its
// own error at once: the range is not resent, and the server never holds
// that range.
func TestUploadSourceFailureIsNotResent(t *testing.T) {
	for _, k := range sessionKinds {
		t.Run(string(k), func(t *testing.T) {
			e := newEnv(t, withRangeSize(mib))
			it := e.item(k, "fail")
			data := content(sessionSize)
			s, err := e.client.CreateUploadSession(context.Background(), it, NewAttachment{Name: "f.bin", Size: sessionSize})
			if err != nil {
				t.Fatal(err)
			}
			errChanged := errors.New("the source changed")
			e.rec.take()
			_, err = e.client.Upload(context.Background(), s, failingAt{data, mib + mib/2, errChanged}, sessionSize, nil)
			if !errors.Is(err, errChanged) {
				t.Fatalf("Upload = %v, want the source's error", err)
			}
			puts := 0
			for _, r := range e.rec.take() {
				if r.method == http.MethodPut {
					puts++
				}
			}
			if puts > 2 {
				t.Errorf("%d PUTs: the failed range was resent", puts)
			}
			if next, err := e.client.SessionStatus(context.Background(), s); err != nil || next != mib {
				t.Fatalf("SessionStatus = %d, %v; want %d (the failed range never committed)", next, err, mib)
			}
		})
	}
}
