package graph

import (
	"bytes"
	"context"
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

const mib = 1 << 20

// sessionSize is over Outlook's 3 MB session minimum.
const sessionSize = 3*mib + 12345

// upload runs a whole session for data on it and returns the attachment id
// and every offset progress reported.
func (e *env) upload(it item.Ref, name string, data []byte) (string, []int64, error) {
	e.t.Helper()
	ctx := context.Background()
	s, err := e.client.CreateUploadSession(ctx, it, NewAttachment{Name: name, ContentType: "application/octet-stream", Size: int64(len(data))})
	if err != nil {
		e.t.Fatalf("CreateUploadSession: %v", err)
	}
	var seen []int64
	id, err := e.client.Upload(ctx, s, bytes.NewReader(data), int64(len(data)), func(n int64) error { seen = append(seen, n); return nil })
	return id, seen, err
}

// Every kind through an upload session: ranges in order from the server's
// next offset, the final 201's Location parsed in both documented forms
// (Outlook's Attachments('id'), To Do's /Attachments/id), no body needed.
func TestUploadSession(t *testing.T) {
	for _, k := range sessionKinds {
		t.Run(string(k), func(t *testing.T) {
			e := newEnv(t, withRangeSize(mib))
			it := e.item(k, "session")
			data := content(sessionSize)
			id, progress, err := e.upload(it, "big.bin", data)
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			if want := []int64{mib, 2 * mib, 3 * mib, sessionSize}; !slices.Equal(progress, want) {
				t.Errorf("progress = %v, want %v", progress, want)
			}
			list, err := e.client.ListAttachments(context.Background(), it)
			if err != nil || len(list) != 1 || list[0].ID != id || list[0].Name != "big.bin" {
				t.Fatalf("attachments = %+v, %v; want the uploaded one, id %s", list, err, id)
			}
			if b := readAll(t, e.client, it, id); !bytes.Equal(b, data) {
				t.Errorf("content differs from what was uploaded (%d bytes back)", len(b))
			}
			if st := e.srv.Stats(); st.OpenUploadSessions != 0 {
				t.Errorf("%d sessions still open", st.OpenUploadSessions)
			}
		})
	}
}

// seeds/002 and 004: a 3,483,322-byte file in ranges 0-2097151 and
// 2097152-3483321; the first answer says "0-", the next a bare "2097152".
func TestUploadSeedFlow(t *testing.T) {
	for _, k := range sessionKinds {
		t.Run(string(k), func(t *testing.T) {
			e := newEnv(t, withRangeSize(2097152))
			it := e.item(k, "flower")
			s, err := e.client.CreateUploadSession(context.Background(), it, NewAttachment{Name: "flower", Size: 3483322})
			if err != nil {
				t.Fatal(err)
			}
			if s.Next != 0 || s.Expires.IsZero() || s.Item != it {
				t.Errorf("session = %v, want next 0 and an expiry", s)
			}
			e.rec.take()
			data := content(3483322)
			if _, err := e.client.Upload(context.Background(), s, bytes.NewReader(data), 3483322, nil); err != nil {
				t.Fatal(err)
			}
			var ranges []string
			for _, r := range e.rec.take() {
				if r.method == http.MethodPut {
					ranges = append(ranges, r.contentRange)
					wantSuffix := "/content"
					if k.Traits().Service == item.Outlook {
						wantSuffix = ")" // the upload URL exactly as given
					}
					if !strings.HasSuffix(r.path, wantSuffix) {
						t.Errorf("PUT to %s, want a path ending in %q", Redact(r.path), wantSuffix)
					}
				}
			}
			want := []string{"bytes 0-2097151/3483322", "bytes 2097152-3483321/3483322"}
			if !slices.Equal(ranges, want) {
				t.Errorf("ranges = %q, want %q", ranges, want)
			}
		})
	}
}

// The bearer token goes to Graph and to To Do's upload URL, never to
// Outlook's pre-authenticated upload origin (the emulator answers 401 there
// to any Authorization, and 401 on the Graph origin to none). Without a
// credential, a loopback endpoint gets LoopbackToken the same way.
func TestAuthorizationPerOrigin(t *testing.T) {
	for _, cred := range []struct{ name, token string }{{"credential", "tok-123"}, {"loopback placeholder", LoopbackToken}} {
		t.Run(cred.name, func(t *testing.T) { testAuthorizationPerOrigin(t, cred.token) })
	}
}

func testAuthorizationPerOrigin(t *testing.T, token string) {
	for _, k := range sessionKinds {
		t.Run(string(k), func(t *testing.T) {
			opts := []envOption{withRangeSize(2 * mib)}
			if token != LoopbackToken {
				opts = append(opts, withCredential(token))
			}
			e := newEnv(t, opts...)
			it := e.item(k, "auth")
			ctx := context.Background()
			s, err := e.client.CreateUploadSession(ctx, it, NewAttachment{Name: "a.bin", Size: sessionSize})
			if err != nil {
				t.Fatal(err)
			}
			data := content(sessionSize)
			if _, err := e.client.Upload(ctx, s, bytes.NewReader(data), 2*mib, nil); err == nil {
				t.Fatal("Upload of a short file accepted")
			}
			if _, err := e.client.SessionStatus(ctx, s); err != nil {
				t.Fatalf("SessionStatus: %v", err)
			}
			s2, err := e.client.CreateUploadSession(ctx, it, NewAttachment{Name: "b.bin", Size: sessionSize})
			if err != nil {
				t.Fatal(err)
			}
			if err := e.client.CancelSession(ctx, s2); err != nil {
				t.Fatalf("CancelSession: %v", err)
			}
			if _, err := e.client.Upload(ctx, s, bytes.NewReader(data), sessionSize, nil); err != nil {
				t.Fatalf("Upload: %v", err)
			}
			reqs := e.rec.take()
			graphOrigin := e.srv.URL()
			for _, r := range reqs {
				switch {
				case r.origin == graphOrigin && r.auth != "Bearer "+token:
					t.Errorf("%s %s on Graph: Authorization %q, want the bearer token", r.method, Redact(r.path), r.auth)
				case r.origin != graphOrigin && r.auth != "":
					t.Errorf("%s on %s: Authorization sent to the upload origin", r.method, r.origin)
				}
				if r.prefer != `IdType="ImmutableId"` {
					t.Errorf("%s %s: Prefer %q", r.method, Redact(r.path), r.prefer)
				}
			}
			onUpload := 0
			for _, r := range reqs {
				if r.origin != graphOrigin {
					onUpload++
				}
			}
			if k.Traits().PreAuthenticatedUploadURL && onUpload == 0 {
				t.Errorf("no request went to the upload origin %s", e.srv.UploadOrigin())
			}
			if !k.Traits().PreAuthenticatedUploadURL && onUpload != 0 {
				t.Errorf("%d To Do requests left the Graph origin", onUpload)
			}
		})
	}
}

func TestSessionTooSmall(t *testing.T) {
	e := newEnv(t)
	it := e.item(item.Message, "small")
	_, err := e.client.CreateUploadSession(context.Background(), it, NewAttachment{Name: "s.bin", Size: 1 << 20})
	if !errors.Is(err, ErrSessionTooSmall) {
		t.Fatalf("CreateUploadSession(1 MiB) = %v, want ErrSessionTooSmall", err)
	}
	if !strings.Contains(err.Error(), "3 MB") {
		t.Errorf("error %q does not say what to do", err)
	}
	// To Do takes sessions of any size.
	task := e.item(item.TodoTask, "small")
	if _, _, err := e.upload(task, "tiny.txt", []byte("tiny")); err != nil {
		t.Errorf("To Do session for 4 bytes: %v", err)
	}
}

// An interrupted upload resumes where the server says, without sending any
// byte twice.
func TestUploadResume(t *testing.T) {
	for _, k := range sessionKinds {
		t.Run(string(k), func(t *testing.T) {
			e := newEnv(t, withRangeSize(mib))
			it := e.item(k, "resume")
			data := content(sessionSize)
			ctx, cancel := context.WithCancel(context.Background())
			s, err := e.client.CreateUploadSession(ctx, it, NewAttachment{Name: "r.bin", Size: sessionSize})
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.client.Upload(ctx, s, bytes.NewReader(data), sessionSize, func(n int64) error {
				if n >= 2*mib {
					cancel()
				}
				return nil
			})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Upload = %v, want context.Canceled", err)
			}
			// The apply engine keeps only these fields in its state.
			saved := &UploadSession{Item: s.Item, URL: s.URL, Expires: s.Expires, Next: 0}
			next, err := e.client.SessionStatus(context.Background(), saved)
			if err != nil || next != 2*mib {
				t.Fatalf("SessionStatus = %d, %v; want %d", next, err, 2*mib)
			}
			saved.Next = next
			e.rec.take()
			id, err := e.client.Upload(context.Background(), saved, bytes.NewReader(data), sessionSize, nil)
			if err != nil {
				t.Fatalf("resumed Upload: %v", err)
			}
			var ranges []string
			for _, r := range e.rec.take() {
				if r.method == http.MethodPut {
					ranges = append(ranges, r.contentRange)
				}
			}
			want := []string{fmt.Sprintf("bytes %d-%d/%d", 2*mib, 3*mib-1, sessionSize), fmt.Sprintf("bytes %d-%d/%d", 3*mib, sessionSize-1, sessionSize)}
			if !slices.Equal(ranges, want) {
				t.Errorf("resumed ranges = %q, want %q", ranges, want)
			}
			if b := readAll(t, e.client, it, id); !bytes.Equal(b, data) {
				t.Error("content differs")
			}
		})
	}
}

// A client whose idea of the next offset is wrong (behind: the range was
// already received; ahead: out of order) learns the right one from the 416.
func TestUploadFollows416(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start int64
	}{{"overlap", 0}, {"out of order", 3 * mib}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, withRangeSize(mib))
			it := e.item(item.Event, tc.name)
			data := content(sessionSize)
			ctx, cancel := context.WithCancel(context.Background())
			s, err := e.client.CreateUploadSession(ctx, it, NewAttachment{Name: "x.bin", Size: sessionSize})
			if err != nil {
				t.Fatal(err)
			}
			e.client.Upload(ctx, s, bytes.NewReader(data), sessionSize, func(n int64) error { cancel(); return nil })
			if s.Next != mib {
				t.Fatalf("Next = %d after one range, want %d", s.Next, mib)
			}
			s.Next = tc.start
			id, err := e.client.Upload(context.Background(), s, bytes.NewReader(data), sessionSize, nil)
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			if b := readAll(t, e.client, it, id); !bytes.Equal(b, data) {
				t.Error("content differs")
			}
			if n := e.srv.Stats().Requests.ByStatus["416"]; n != 1 {
				t.Errorf("%d answers 416, want 1", n)
			}
		})
	}
}

func TestCancelSession(t *testing.T) {
	for _, k := range sessionKinds {
		t.Run(string(k), func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			it := e.item(k, "cancel")
			s, err := e.client.CreateUploadSession(ctx, it, NewAttachment{Name: "c.bin", Size: sessionSize})
			if err != nil {
				t.Fatal(err)
			}
			if err := e.client.CancelSession(ctx, s); err != nil {
				t.Fatalf("CancelSession: %v", err)
			}
			if e.srv.Stats().OpenUploadSessions != 0 {
				t.Error("session still open")
			}
			if err := e.client.CancelSession(ctx, s); !errors.Is(err, ErrNotFound) {
				t.Errorf("second CancelSession = %v, want ErrNotFound", err)
			}
			if _, err := e.client.SessionStatus(ctx, s); !errors.Is(err, ErrNotFound) {
				t.Errorf("SessionStatus after cancel = %v, want ErrNotFound", err)
			}
			_, err = e.client.Upload(ctx, s, bytes.NewReader(content(sessionSize)), sessionSize, nil)
			if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrAmbiguous) {
				t.Errorf("Upload after cancel = %v, want ErrNotFound", err)
			}
		})
	}
}

// Sessions expire (the emulator's lifetime is 2 hours by default); the
// client's clock is the emulator's fake one here.
func TestSessionExpiry(t *testing.T) {
	for _, k := range sessionKinds {
		t.Run(string(k), func(t *testing.T) {
			e := newEnv(t, withRangeSize(mib))
			ctx := context.Background()
			it := e.item(k, "expiry")
			s, err := e.client.CreateUploadSession(ctx, it, NewAttachment{Name: "e.bin", Size: sessionSize})
			if err != nil {
				t.Fatal(err)
			}
			if d := s.Expires.Sub(e.clock.Now()); d != emulator.DefaultSessionLifetime {
				t.Errorf("session lives %v, want %v", d, emulator.DefaultSessionLifetime)
			}
			e.clock.Advance(emulator.DefaultSessionLifetime + time.Second)
			e.rec.take()
			_, err = e.client.Upload(ctx, s, bytes.NewReader(content(sessionSize)), sessionSize, nil)
			if !errors.Is(err, ErrSessionExpired) {
				t.Errorf("Upload = %v, want ErrSessionExpired", err)
			}
			if n := countMethod(e.rec.take(), http.MethodPut); n != 0 {
				t.Errorf("%d ranges sent to an expired session", n)
			}
			if _, err := e.client.SessionStatus(ctx, s); !errors.Is(err, ErrSessionExpired) || !errors.Is(err, ErrNotFound) {
				t.Errorf("SessionStatus = %v, want ErrSessionExpired and ErrNotFound", err)
			}
			if err := e.client.CancelSession(ctx, s); !errors.Is(err, ErrNotFound) || !errors.Is(err, ErrSessionExpired) {
				t.Errorf("CancelSession = %v, want ErrNotFound and ErrSessionExpired", err)
			}
		})
	}
}

// An expiry the client's clock has not reached yet (clock skew) but the
// server has: the server's 404 becomes ErrNotFound.
func TestSessionExpiredOnServerOnly(t *testing.T) {
	e := newEnv(t, func(_ *emulator.Options, co *Options) { co.Now = time.Now })
	ctx := context.Background()
	it := e.item(item.Message, "skew")
	s, err := e.client.CreateUploadSession(ctx, it, NewAttachment{Name: "e.bin", Size: sessionSize})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(3 * time.Hour)
	s.Expires = time.Now().Add(time.Hour) // as a skewed client clock would see it
	if _, err := e.client.Upload(ctx, s, bytes.NewReader(content(sessionSize)), sessionSize, nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("Upload = %v, want ErrNotFound", err)
	}
}
