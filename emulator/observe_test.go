package emulator

import (
	"net/http"
	"sync"
	"testing"
)

// Options.Observe sees every request on both origins twice, arriving and
// served, and not /_emulator/; a chaos test kills its client there.
func TestObserveSeesEachRequestArrivingAndServed(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	s, _ := newTestServer(t, Options{Observe: func(r *http.Request, served bool) {
		mu.Lock()
		defer mu.Unlock()
		when := "arrived"
		if served {
			when = "served"
		}
		seen = append(seen, r.Method+" "+r.Host+" "+when)
	}})
	_, u := openOutlook(t, s, 3*mb) // POST message, POST createUploadSession
	mu.Lock()
	seen = nil
	mu.Unlock()
	wantStatus(t, do(t, "GET", u, nil, nil), http.StatusOK) // upload origin
	wantStatus(t, do(t, "GET", api(s, "/me"), nil, nil), http.StatusOK)
	s.Stats()
	if r, err := http.Get(s.URL() + "/_emulator/stats"); err == nil {
		r.Body.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	up, graph := hostOf(t, s.UploadOrigin()), hostOf(t, s.URL())
	want := []string{"GET " + up + " arrived", "GET " + up + " served", "GET " + graph + " arrived", "GET " + graph + " served"}
	if len(seen) != len(want) {
		t.Fatalf("observed %q, want %q", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("observed %q, want %q", seen, want)
		}
	}
}

// Faults.RetryAfterZero: injected refusals say "Retry-After: 0" (inner
// $batch refusals share the same answer); the default stays 1.
func TestFaultsRetryAfterZero(t *testing.T) {
	for _, zero := range []bool{false, true} {
		s, _ := newTestServer(t, Options{Faults: Faults{Rate429: 0.5, Rate503: 0.5, RetryAfterZero: zero}})
		want := "1"
		if zero {
			want = "0"
		}
		r := do(t, "POST", api(s, "/me/messages"), nil, map[string]any{"subject": "x"})
		if got := r.Header.Get("Retry-After"); got != want {
			t.Errorf("RetryAfterZero %v: status %d, Retry-After %q, want %q", zero, r.Status, got, want)
		}
	}
}

func hostOf(t *testing.T, origin string) string {
	t.Helper()
	req, err := http.NewRequest("GET", origin, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req.URL.Host
}
