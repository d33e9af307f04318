package graph

import (
	"context"
	"errors"
	"github.com/attachform/attachform/item"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The one retry policy, decision by decision.
func TestCheckRetry(t *testing.T) {
	c, err := New(Options{Endpoint: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	reset := &attemptError{sent: true, err: syscall.ECONNRESET}
	refused := &attemptError{sent: false, err: syscall.ECONNREFUSED}
	used := newBodyState(io.MultiReader(strings.NewReader("x")))
	used.used.Store(true)
	resp := func(code int) *http.Response { return &http.Response{StatusCode: code, Header: http.Header{}} }
	for _, tc := range []struct {
		name      string
		m         meta
		resp      *http.Response
		err       error
		retry     bool
		ambiguous bool
	}{
		{"dial failed, POST", meta{}, nil, refused, true, false},
		{"lost after sending, POST", meta{}, nil, reset, false, true},
		{"lost after sending, GET", meta{idempotent: true}, nil, reset, true, false},
		{"no token", meta{}, nil, &preSendError{errors.New("no token")}, false, false},
		{"our reader failed", meta{body: func() *bodyState { b := newBodyState(strings.NewReader("")); b.fail(errors.New("x")); return b }()}, nil, reset, false, false},
		{"refused redirect", meta{idempotent: true}, nil, errors.New("redirect"), false, false},
		{"429", meta{}, resp(429), nil, true, false},
		{"503", meta{}, resp(503), nil, true, false},
		{"503, stream already read", meta{body: used}, resp(503), nil, false, false},
		{"504, GET", meta{idempotent: true}, resp(504), nil, true, false},
		{"504, POST", meta{}, resp(504), nil, false, false},
		{"409 on a range: a dead attempt still being received", meta{op: opUploadRange, session: true}, resp(409), nil, true, false},
		{"409 elsewhere", meta{op: opAdd}, resp(409), nil, false, false},
		{"500", meta{idempotent: true}, resp(500), nil, false, false},
		{"404", meta{idempotent: true}, resp(404), nil, false, false},
		{"200", meta{}, resp(200), nil, false, false},
	} {
		m := tc.m
		retry, err := c.checkRetry(withMeta(context.Background(), &m), tc.resp, tc.err)
		if retry != tc.retry || errors.Is(err, ErrAmbiguous) != tc.ambiguous {
			t.Errorf("%s: retry %v, err %v; want retry %v, ambiguous %v", tc.name, retry, err, tc.retry, tc.ambiguous)
		}
	}
	if _, err := c.checkRetry(cancelled(), nil, reset); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}

func TestBackoff(t *testing.T) {
	c, _ := New(Options{Endpoint: "http://127.0.0.1:1"})
	lo, hi := 500*time.Millisecond, 30*time.Second
	withRA := func(v string) *http.Response {
		return &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {v}}}
	}
	if d := c.backoff(lo, hi, 0, withRA("3")); d != 3*time.Second {
		t.Errorf("Retry-After 3 → %v", d)
	}
	// Honoured even above the ceiling: it is the server's rule.
	if d := c.backoff(lo, hi, 0, withRA("120")); d != 120*time.Second {
		t.Errorf("Retry-After 120 → %v", d)
	}
	date := time.Now().Add(10 * time.Second).UTC().Format(http.TimeFormat)
	if d := c.backoff(lo, hi, 0, withRA(date)); d < 8*time.Second || d > 10*time.Second {
		t.Errorf("Retry-After %s → %v", date, d)
	}
	for attempt := range 10 {
		step := min(lo<<attempt, hi)
		for range 50 {
			d := c.backoff(lo, hi, attempt, nil)
			if d < step/2 || d > step {
				t.Fatalf("attempt %d: %v outside [%v, %v]", attempt, d, step/2, step)
			}
		}
	}
	// Jitter: not every wait is the same.
	seen := map[time.Duration]bool{}
	for range 20 {
		seen[c.backoff(lo, hi, 3, nil)] = true
	}
	if len(seen) < 2 {
		t.Error("backoff has no jitter")
	}
}

// Nothing listens: the connection fails before anything is sent, so even a
// POST is retried, and the error is not ambiguous.
func TestDialFailureRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	rec := &recorder{base: http.DefaultTransport}
	c, err := New(Options{Endpoint: "http://" + addr, Transport: rec, Retry: RetryOptions{MaxRetries: 3, Wait: noWait}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.AddSmall(context.Background(), item.Ref{Mailbox: "m@x", Kind: item.Message, ID: "AAMk"}, NewAttachment{Name: "a", Size: 1}, strings.NewReader("a"))
	if err == nil || errors.Is(err, ErrAmbiguous) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("AddSmall = %v, want a plain connection refused", err)
	}
	if n := len(rec.take()); n != 4 {
		t.Errorf("%d attempts, want 4", n)
	}
	if strings.Contains(err.Error(), "Post \"") {
		t.Errorf("error quotes the URL: %v", err)
	}
}

func TestRetryOptionsDefaults(t *testing.T) {
	o := RetryOptions{}.withDefaults()
	if o.MaxRetries != 6 || o.WaitMin != 500*time.Millisecond || o.WaitMax != 30*time.Second {
		t.Errorf("defaults = %+v", o)
	}
	if o := (RetryOptions{MaxRetries: -1}).withDefaults(); o.MaxRetries != 0 {
		t.Errorf("MaxRetries -1 → %d, want 0", o.MaxRetries)
	}
}

// The token goes to the configured Graph origin only: a redirect to another
// host (here: from a redirecting front to the emulator) arrives without it,
// and the emulator, which requires a token as Graph does, refuses it.
func TestTokenNotSentAcrossRedirects(t *testing.T) {
	e := newEnv(t)
	it := e.item(item.Message, "redirect")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	front := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, e.srv.URL()+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	})}
	go front.Serve(ln)
	t.Cleanup(func() { front.Close() })

	rec := &recorder{base: http.DefaultTransport}
	c, err := New(Options{Endpoint: "http://" + ln.Addr().String(), Credential: &staticCredential{token: "tok"}, Transport: rec})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListAttachments(context.Background(), it); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("ListAttachments through a redirect: %v, want the emulator's 401 for a request without a token", err)
	}
	reqs := rec.take()
	if len(reqs) != 2 || reqs[0].auth != "Bearer tok" || reqs[1].auth != "" || reqs[1].origin != e.srv.URL() {
		t.Errorf("hops = %+v, want the token on the first only", reqs)
	}
}

// Upload URLs are never followed through a redirect; https never falls
// back to http.
func TestRedirectPolicy(t *testing.T) {
	c, _ := New(Options{Endpoint: "http://127.0.0.1:1"})
	req := func(rawURL string, m *meta) *http.Request {
		r, _ := http.NewRequestWithContext(withMeta(context.Background(), m), "GET", rawURL, nil)
		return r
	}
	via := []*http.Request{req("https://graph.microsoft.com/v1.0/x", &meta{})}
	if err := c.checkRedirect(req("https://other.example/x", &meta{}), via); err != nil {
		t.Errorf("https redirect refused: %v", err)
	}
	if err := c.checkRedirect(req("http://other.example/x", &meta{}), via); !errors.Is(err, ErrUnsafeURL) {
		t.Errorf("https→http = %v, want ErrUnsafeURL", err)
	}
	if err := c.checkRedirect(req("https://outlook.office.com/x", &meta{session: true}), via); !errors.Is(err, ErrUnsafeURL) {
		t.Errorf("upload URL redirect = %v, want ErrUnsafeURL", err)
	}
}
