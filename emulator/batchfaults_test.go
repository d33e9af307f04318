package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

func innerErr(t *testing.T, r batchResponse) errorObject {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Fatalf("inner answer %d is not Graph error JSON: %v\n%s", r.Status, err, r.Body)
	}
	if e.Error.Code == "" || e.Error.Message == "" || e.Error.InnerError.RequestID == "" || e.Error.InnerError.Date == "" {
		t.Fatalf("inner error misses code, message, request-id or date: %s", r.Body)
	}
	if ct := r.Headers["Content-Type"]; !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("inner error Content-Type = %q", ct)
	}
	return e.Error
}

// onlyEvents aims faults at the requests on /events, never at the outer
// POST /v1.0/$batch.
func onlyEvents(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/events") }

// Issue 3: "inner requests throttled individually"; graph-protocol.md: "Each
// inner request is throttled on its own (inner 429 with its own
// Retry-After)". Injected faults reach each inner request like the outer
// ones: 503 and 429 with their own Retry-After, Graph's error body and no
// effect; a reset, which has no connection of its own to drop, takes effect
// and answers 504 (package doc).
func TestBatchInnerFaults(t *testing.T) {
	for _, tc := range []struct {
		name       string
		f          Faults
		status     int
		code       string
		retryAfter string
		effect     bool // the inner POST created its event
		stats      FaultStats
	}{
		{"503", Faults{Rate503: 1, Only: onlyEvents}, http.StatusServiceUnavailable, "ServiceUnavailable", "1", false, FaultStats{Unavailable: 2}},
		{"429", Faults{Rate429: 1, Only: onlyEvents}, http.StatusTooManyRequests, "ApplicationThrottled", "1", false, FaultStats{Throttled: 2}},
		{"reset", Faults{RateReset: 1, Only: onlyEvents}, http.StatusGatewayTimeout, "GatewayTimeout", "", true, FaultStats{Reset: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newTestServer(t, Options{Faults: tc.f})
			res := byID(t, batch(t, s, []map[string]any{
				{"id": "post", "method": "POST", "url": "/me/events", "headers": map[string]string{"Content-Type": "application/json"}, "body": map[string]any{"subject": "x"}},
				{"id": "list", "method": "GET", "url": "/me/events"},
				{"id": "me", "method": "GET", "url": "/me"},
				{"id": "after", "method": "GET", "url": "/me", "dependsOn": []string{"post"}},
			}))
			for _, id := range []string{"post", "list"} {
				r := res[id]
				if r.Status != tc.status || r.Headers["Retry-After"] != tc.retryAfter {
					t.Errorf("%s: status %d, Retry-After %q; want %d, %q", id, r.Status, r.Headers["Retry-After"], tc.status, tc.retryAfter)
				}
				if e := innerErr(t, r); e.Code != tc.code {
					t.Errorf("%s: code %s, want %s", id, e.Code, tc.code)
				}
			}
			if res["me"].Status != http.StatusOK {
				t.Errorf("a request Only refuses met a fault: %d", res["me"].Status)
			}
			if res["after"].Status != http.StatusFailedDependency {
				t.Errorf("dependent of a faulted request: %d, want 424", res["after"].Status)
			}
			st := s.Stats()
			if got := st.Items == 1; got != tc.effect {
				t.Errorf("%d items; want the inner POST to take effect: %v", st.Items, tc.effect)
			}
			if st.Faults != tc.stats {
				t.Errorf("fault stats %+v, want %+v", st.Faults, tc.stats)
			}
			if st.Requests.ByStatus["200"] != 1 || st.Requests.Total != 1 {
				t.Errorf("outer request stats %+v, want one 200", st.Requests)
			}
		})
	}
}

// Faults.Only decides on an inner request as if it had been sent alone:
// method, URL under /v1.0, its own headers and body.
func TestBatchInnerFaultsOnlySeesInnerRequest(t *testing.T) {
	type view struct{ method, path, query, host, prefer, body string }
	var seen []view
	s, _ := newTestServer(t, Options{Faults: Faults{Rate503: 1, Only: func(r *http.Request) bool {
		var b []byte
		if r.URL.Path != "/v1.0/$batch" { // the outer body is the batch itself
			b, _ = io.ReadAll(r.Body)
		}
		seen = append(seen, view{r.Method, r.URL.Path, r.URL.RawQuery, r.Host, r.Header.Get("Prefer"), string(b)})
		return r.Method == http.MethodGet && r.Header.Get("Prefer") != ""
	}}})
	res := byID(t, batch(t, s, []map[string]any{
		{"id": "1", "method": "GET", "url": "/me/events?$select=subject", "headers": map[string]string{"Prefer": `IdType="ImmutableId"`}},
		{"id": "2", "method": "GET", "url": "me/events"},
		{"id": "3", "method": "POST", "url": "/me/events", "headers": map[string]string{"Content-Type": "application/json", "Prefer": `IdType="ImmutableId"`}, "body": map[string]any{"subject": "kept"}},
	}))
	if res["1"].Status != http.StatusServiceUnavailable || res["2"].Status != http.StatusOK || res["3"].Status != http.StatusCreated {
		t.Errorf("statuses %d %d %d, want 503 200 201", res["1"].Status, res["2"].Status, res["3"].Status)
	}
	host := strings.TrimPrefix(s.URL(), "http://")
	want := []view{
		{"POST", "/v1.0/$batch", "", host, "", ""},
		{"GET", "/v1.0/me/events", "$select=subject", host, `IdType="ImmutableId"`, ""},
		{"GET", "/v1.0/me/events", "", host, "", ""},
		{"POST", "/v1.0/me/events", "", host, `IdType="ImmutableId"`, `{"subject":"kept"}`},
	}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("Only saw\n%v\nwant\n%v", seen, want)
	}
	if s.Stats().Items != 1 {
		t.Error("reading the body in Only consumed the inner POST's")
	}
}

// Without Only the outer request draws first, as before: a 503 on the POST
// itself runs nothing inside.
func TestBatchOuterFaultKept(t *testing.T) {
	s, _ := newTestServer(t, Options{Faults: Faults{Rate503: 1}})
	r := batch(t, s, []map[string]any{{"id": "1", "method": "POST", "url": "/me/events", "headers": map[string]string{"Content-Type": "application/json"}, "body": map[string]any{"subject": "x"}}})
	wantStatus(t, r, http.StatusServiceUnavailable)
	if r.errCode(t) != "ServiceUnavailable" || r.Header.Get("Retry-After") != "1" {
		t.Errorf("outer answer %s, Retry-After %q", r.Body, r.Header.Get("Retry-After"))
	}
	if st := s.Stats(); st.Items != 0 || st.Faults.Unavailable != 1 || st.Requests.Batched != 0 {
		t.Errorf("items %d, faults %+v, batched %d; want one outer 503 and nothing run", st.Items, st.Faults, st.Requests.Batched)
	}
}

// Issue 3: "Fault injection, seeded and reproducible": inner requests draw
// from the same generator as the outer ones, in the order they run, so the
// same seed and the same requests meet the same inner faults.
func TestBatchInnerFaultsAreSeeded(t *testing.T) {
	run := func(seed int64) string {
		onlyGET := func(r *http.Request) bool { return r.Method == http.MethodGet }
		s, _ := newTestServer(t, Options{Seed: seed, Faults: Faults{Rate503: 0.3, Rate429: 0.3, Only: onlyGET}})
		var out strings.Builder
		for range 5 {
			res := byID(t, batch(t, s, []map[string]any{
				{"id": "a", "method": "GET", "url": "/me"}, {"id": "b", "method": "GET", "url": "/me"},
				{"id": "c", "method": "GET", "url": "/me"}, {"id": "d", "method": "GET", "url": "/me"},
			}))
			for _, id := range []string{"a", "b", "c", "d"} {
				fmt.Fprintf(&out, "%d ", res[id].Status)
			}
		}
		return out.String()
	}
	a, b, c := run(3), run(3), run(4)
	if a != b {
		t.Errorf("same seed, different faults:\n%s\n%s", a, b)
	}
	if a == c {
		t.Errorf("different seeds, same faults: %s", a)
	}
	if !strings.Contains(a, "503 ") || !strings.Contains(a, "429 ") || !strings.Contains(a, "200 ") {
		t.Errorf("inner requests met no mix of faults: %s", a)
	}
}
