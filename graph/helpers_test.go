package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/attachform/attachform/item"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/attachform/attachform/emulator"
	"github.com/hashicorp/go-cleanhttp"
)

const testUser = "megan@contoso.example"

var testEpoch = time.Date(2019, 9, 24, 23, 9, 30, 0, time.UTC)

// env is one emulator and a client pointed at it.
type env struct {
	t      testing.TB
	srv    *emulator.Server
	clock  *emulator.FakeClock
	client *Client
	rec    *recorder

	mu     sync.Mutex
	waits  []time.Duration // every wait the retry policy decided on
	onWait func(n int)     // called with the number of waits so far

	group string // the group owner returns, once created (test goroutine only)
}

type envOption func(*emulator.Options, *Options)

// newEnv starts an in-memory emulator on a fake clock with testUser as /me
// and the demo mailbox, and a client whose retry waits are recorded and
// skipped (the fake clock moves by them instead, so the emulator's windows
// pass as they would).
func newEnv(t testing.TB, mods ...envOption) *env {
	t.Helper()
	e := &env{t: t, clock: emulator.NewFakeClock(testEpoch)}
	eo := emulator.Options{Clock: e.clock, Users: []string{testUser}, Demo: true, Seed: 1}
	e.rec = &recorder{base: cleanhttp.DefaultPooledTransport()}
	co := Options{
		Transport: e.rec,
		Now:       e.clock.Now,
		Retry: RetryOptions{Wait: func(d time.Duration) time.Duration {
			e.mu.Lock()
			e.waits = append(e.waits, d)
			n, hook := len(e.waits), e.onWait
			e.mu.Unlock()
			e.clock.Advance(d)
			if hook != nil {
				hook(n)
			}
			return 0
		}},
	}
	for _, m := range mods {
		m(&eo, &co)
	}
	srv, err := emulator.New(eo)
	if err != nil {
		t.Fatalf("emulator.New: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	e.srv = srv
	if co.Endpoint == "" {
		co.Endpoint = srv.URL()
	}
	c, err := New(co)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.client = c
	return e
}

func withRangeSize(n int64) envOption {
	return func(_ *emulator.Options, co *Options) { co.RangeSize = n }
}

func withCredential(tok string) envOption {
	return func(_ *emulator.Options, co *Options) { co.Credential = &staticCredential{token: tok} }
}

func (e *env) recordedWaits() []time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]time.Duration(nil), e.waits...)
}

// raw sends a request to the emulator directly (to set up items the way a
// user's mailbox would hold them) and decodes its JSON answer.
func (e *env) raw(method, path string, body any, prefer bool) map[string]any {
	e.t.Helper()
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	for {
		v, retryAfter := e.rawOnce(method, path, b, prefer)
		if retryAfter == 0 {
			return v
		}
		// Throttled by a test's tight limits: let the window pass.
		e.clock.Advance(retryAfter)
	}
}

func (e *env) rawOnce(method, path string, body []byte, prefer bool) (map[string]any, time.Duration) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL()+"/v1.0"+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	// The emulator, like Graph, requires a bearer token and takes any.
	req.Header.Set("Authorization", "Bearer raw-setup")
	if prefer {
		req.Header.Set("Prefer", `IdType="ImmutableId"`)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusTooManyRequests {
		d, _ := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		return nil, max(d, time.Second)
	}
	if resp.StatusCode >= 300 {
		e.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	var v map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &v); err != nil {
			e.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return v, 0
}

// item creates an item of kind k as item's table says: in its owner's
// mailbox (owner), within a new parent when it has one (a To Do task in a
// new list), in its collection; it is addressed by immutable id where
// Outlook serves it. Paths are graph's own (ownerPath).
func (e *env) item(k item.Kind, label string) item.Ref {
	e.t.Helper()
	d, ok := k.Definition()
	if !ok {
		e.t.Fatalf("no kind %q in the table", k)
	}
	prefer := d.Service == item.Outlook
	ref := item.Ref{Mailbox: e.owner(d.Owner), Kind: k}
	in := ownerPath(d.Owner, ref.Mailbox)
	if p := d.Parent; p != nil {
		l := e.raw("POST", in+"/"+p.Path, map[string]any{p.LabelProperty: "list for " + label}, prefer)
		ref.ListID = l["id"].(string)
		in += "/" + p.Path + "/" + url.PathEscape(ref.ListID)
	}
	v := e.raw("POST", in+"/"+d.Path, map[string]any{d.LabelProperty: label}, prefer)
	ref.ID = v["id"].(string)
	return ref
}

// owner names the mailbox the env's items of an owner go in: testUser's
// for a user's kind; for a group's, a Microsoft 365 group the env creates
// the first time (so a kind of a group's mailbox needs nothing new here).
// Tests call it, through item, from their own goroutine.
func (e *env) owner(o item.Owner) string {
	e.t.Helper()
	if o != item.Group {
		return testUser
	}
	if e.group == "" {
		g := e.raw("POST", "/groups", map[string]any{
			"displayName": "Attachments", "mailNickname": "attachments",
			"mailEnabled": true, "securityEnabled": false, "groupTypes": []string{"Unified"},
		}, false)
		e.group = g["id"].(string)
	}
	return e.group
}

var allKinds = item.Kinds()

// sessionKinds are the kinds that take upload sessions (today every one;
// a kind whose files all go in one POST has no session to test).
var sessionKinds = func() []item.Kind {
	var out []item.Kind
	for _, k := range item.Kinds() {
		if k.Traits().Sessions() {
			out = append(out, k)
		}
	}
	return out
}()

// content is deterministic, incompressible-looking test content.
func content(n int) []byte {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

func readAll(t testing.TB, c *Client, it item.Ref, id string) []byte {
	t.Helper()
	rc, err := c.Content(context.Background(), it, id)
	if err != nil {
		t.Fatalf("Content: %v", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Content: read: %v", err)
	}
	return b
}

// staticCredential hands out one fixed token; it stands in for azidentity,
// which would need a real tenant.
type staticCredential struct {
	token string
	mu    sync.Mutex
	calls int
}

func (s *staticCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	return azcore.AccessToken{Token: s.token, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// seen is what the recorder noticed about one request on the wire.
type seen struct {
	method, origin, path, query string
	auth, prefer, contentRange  string
}

// recorder watches what the client puts on the wire, in front of a real
// transport; the emulator still answers every request.
type recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	reqs []seen
	// before, if set, sees each request before it is sent, with the count
	// of requests before it; tests use it to switch the emulator's faults
	// on and off at an exact request.
	before func(n int, req *http.Request)
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	n, before := len(r.reqs), r.before
	r.reqs = append(r.reqs, seen{
		method: req.Method, origin: req.URL.Scheme + "://" + req.URL.Host, path: req.URL.EscapedPath(), query: req.URL.RawQuery,
		auth: req.Header.Get("Authorization"), prefer: req.Header.Get("Prefer"), contentRange: req.Header.Get("Content-Range"),
	})
	r.mu.Unlock()
	if before != nil {
		before(n, req)
	}
	return r.base.RoundTrip(req)
}

func (r *recorder) setBefore(f func(n int, req *http.Request)) {
	r.mu.Lock()
	r.before = f
	r.mu.Unlock()
}

func (r *recorder) take() []seen {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reqs
	r.reqs = nil
	return out
}

// roundTripFunc is a transport written inline, for a test that wraps one.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
