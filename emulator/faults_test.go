package emulator

import (
	"net/http"
	"testing"
	"time"
)

// Issue 3: "Fault injection, seeded and reproducible: added latency, a share
// of 503s, a share of 429s, and reset after commit".
func TestFaultsAnswerWithoutEffect(t *testing.T) {
	for _, tc := range []struct {
		f      Faults
		status int
		code   string
	}{
		{Faults{Rate503: 1}, http.StatusServiceUnavailable, "ServiceUnavailable"},
		{Faults{Rate429: 1}, http.StatusTooManyRequests, "ApplicationThrottled"},
	} {
		s, _ := newTestServer(t, Options{Faults: tc.f})
		r := do(t, "POST", api(s, "/me/messages"), nil, map[string]any{"subject": "x"})
		wantStatus(t, r, tc.status)
		if r.errCode(t) != tc.code || r.Header.Get("Retry-After") != "1" {
			t.Errorf("%d: code %s, Retry-After %q", tc.status, r.errCode(t), r.Header.Get("Retry-After"))
		}
		if n := s.Stats().Items; n != 0 {
			t.Errorf("a %d fault took effect: %d items", tc.status, n)
		}
	}
}

// "reset after commit (the request takes effect, the connection is then
// dropped before the answer)", on both origins.
func TestFaultResetAfterCommit(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	item, u := openOutlook(t, s, 3*mb)
	if err := s.SetFaults(Faults{RateReset: 1}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", api(s, "/me/messages"), jsonBody(`{"subject":"lost answer"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testToken)
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("got an answer (%d), want a dropped connection", res.StatusCode)
	}
	data := testFile(3 * mb)
	req, _ = http.NewRequest("PUT", u, bytesBody(data))
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Content-Range", "bytes 0-3145727/3145728")
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("final PUT got an answer (%d), want a dropped connection", res.StatusCode)
	}
	s.SetFaults(Faults{})
	st := s.Stats()
	if st.Items != 2 || st.Attachments != 1 || st.Requests.ByStatus["reset"] != 2 || st.Faults.Reset != 2 {
		t.Errorf("after two resets: items %d, attachments %d, stats %+v", st.Items, st.Attachments, st.Requests.ByStatus)
	}
	r := do(t, "GET", api(s, item+"/attachments?$select=size"), nil, nil)
	if n := len(r.json(t)["value"].([]any)); n != 1 {
		t.Errorf("the reset PUT did not commit the attachment (%d)", n)
	}
}

// The same seed and the same requests meet the same faults.
func TestFaultsAreSeeded(t *testing.T) {
	run := func(seed int64) string {
		s, _ := newTestServer(t, Options{Seed: seed, Faults: Faults{Rate503: 0.3, Rate429: 0.2}})
		var out []byte
		for i := 0; i < 40; i++ {
			out = append(out, byte('0'+do(t, "GET", api(s, "/me"), nil, nil).Status%10))
		}
		return string(out)
	}
	a, b, c := run(7), run(7), run(8)
	if a != b {
		t.Errorf("same seed, different faults:\n%s\n%s", a, b)
	}
	if a == c {
		t.Errorf("different seeds, same faults: %s", a)
	}
	var n503 int
	for _, ch := range a {
		if ch == '3' {
			n503++
		}
	}
	if n503 == 0 || n503 == len(a) {
		t.Errorf("503 share looks wrong: %s", a)
	}
}

func TestFaultLatency(t *testing.T) {
	s, _ := newTestServer(t, Options{Faults: Faults{Latency: 30 * time.Millisecond}})
	start := time.Now()
	wantStatus(t, do(t, "GET", api(s, "/me"), nil, nil), http.StatusOK)
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("request took %v, want at least 30ms", d)
	}
	if s.Stats().Faults.Delayed != 1 {
		t.Errorf("latency not counted")
	}
}

// Faults.Only aims the faults at chosen requests; the others are served
// as usual, so a test can break exactly the request it studies.
func TestFaultsOnlyHitMatchingRequests(t *testing.T) {
	s, _ := newTestServer(t, Options{Faults: Faults{Rate503: 1, Only: func(r *http.Request) bool { return r.Method == "POST" }}})
	wantStatus(t, do(t, "GET", api(s, "/me/messages"), nil, nil), http.StatusOK)
	wantStatus(t, do(t, "POST", api(s, "/me/messages"), nil, map[string]any{"subject": "x"}), http.StatusServiceUnavailable)
	if st := s.Stats(); st.Faults.Unavailable != 1 || st.Items != 0 {
		t.Fatalf("faults %+v, items %d; want one 503 on the POST alone", st.Faults, st.Items)
	}
}
