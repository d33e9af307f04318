package emulator

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"
)

// graph-protocol.md: "Outlook limits per app and mailbox: 4 concurrent
// requests … One mailbox being throttled does not affect others." Graph's
// latency is mostly its own processing time, so Faults.Latency is spent
// inside the mailbox's concurrency slot (package doc, "Latency"): four slow
// requests hold the four slots for as long as they take, and a fifth meets
// 429 — whichever origin the four came through.
func TestLatencyHeldInsideConcurrencySlot(t *testing.T) {
	const latency = 500 * time.Millisecond
	for _, tc := range []struct {
		name string
		url  func(t *testing.T, s *Server) string // what the four slow requests GET
	}{
		{"Graph origin", func(t *testing.T, s *Server) string { return api(s, "/me/messages") }},
		{"Outlook upload URL", func(t *testing.T, s *Server) string { _, u := openOutlook(t, s, 3*mb); return u }},
		{"To Do upload URL", func(t *testing.T, s *Server) string { _, u := openTodo(t, s, 3*mb); return u }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newTestServer(t, Options{Users: []string{testUser, otherUser}})
			u := tc.url(t, s)
			if err := s.SetFaults(Faults{Latency: latency}); err != nil {
				t.Fatal(err)
			}
			admitted := make(chan string, 16)
			hook := func(mb string) { admitted <- mb }
			s.throttle.admitted.Store(&hook)

			var wg sync.WaitGroup
			statuses := make(chan int, DefaultConcurrency)
			for range DefaultConcurrency {
				wg.Add(1)
				go func() {
					defer wg.Done()
					statuses <- do(t, "GET", u, nil, nil).Status
				}()
			}
			for range DefaultConcurrency {
				<-admitted
			}
			// The four are spending their latency in their slots.
			start := time.Now()
			r := do(t, "GET", api(s, "/me"), nil, nil)
			wantThrottled(t, r, "1")
			if d := time.Since(start); d < latency {
				t.Errorf("the refusal came after %v; every answer takes the latency (%v)", d, latency)
			}
			// Another mailbox is unaffected (now without latency, to save time).
			if err := s.SetFaults(Faults{}); err != nil {
				t.Fatal(err)
			}
			wantStatus(t, do(t, "GET", api(s, "/users/"+otherUser), nil, nil), http.StatusOK)
			<-admitted
			wg.Wait()
			close(statuses)
			for st := range statuses {
				if st != http.StatusOK {
					t.Errorf("a slow request ended %d", st)
				}
			}
			// The slots are free again.
			wantStatus(t, do(t, "GET", api(s, "/me"), nil, nil), http.StatusOK)
			<-admitted
		})
	}
}

// The issue's own case: "12 concurrent requests to one mailbox on a
// -latency 300ms emulator all succeed" no longer holds: some meet 429.
func TestLatencyMakesConcurrentRequestsOverlap(t *testing.T) {
	s, _ := newTestServer(t, Options{Faults: Faults{Latency: 300 * time.Millisecond}})
	var wg sync.WaitGroup
	var mu sync.Mutex
	count := map[int]int{}
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := do(t, "GET", api(s, "/me/messages"), nil, nil).Status
			mu.Lock()
			count[st]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if count[http.StatusTooManyRequests] == 0 || count[http.StatusOK] < DefaultConcurrency || count[http.StatusOK]+count[http.StatusTooManyRequests] != 12 {
		t.Errorf("answers %v: want at least 4 × 200 and some 429s", count)
	}
	if got := s.Stats().Throttled; got != int64(count[http.StatusTooManyRequests]) {
		t.Errorf("Stats.Throttled = %d, want %d", got, count[http.StatusTooManyRequests])
	}
}

// Every request spends the latency once, whatever path it takes: in its
// slot, or before an answer it gives without one (package doc, "Latency");
// a $batch is one round trip, not one per inner request.
func TestLatencySpentOncePerRequest(t *testing.T) {
	const latency = 150 * time.Millisecond
	s, _ := newTestServer(t, Options{Faults: Faults{Latency: latency}})
	inner := make([]map[string]any, 5)
	for i := range inner {
		inner[i] = map[string]any{"id": string(rune('a' + i)), "method": "GET", "url": "/me"}
	}
	for _, tc := range []struct {
		name, method, url string
		h                 hdr
		body              any
		status            int
		max               time.Duration // 0: no upper bound checked
	}{
		{"in a slot", "GET", api(s, "/me"), nil, nil, 200, 0},
		{"unknown mailbox, no slot", "GET", api(s, "/users/nobody@contoso.example"), nil, nil, 404, 0},
		{"no token, no slot", "GET", api(s, "/me"), noAuth, nil, 401, 0},
		{"$batch of five: one round trip", "POST", api(s, "/$batch"), nil, map[string]any{"requests": inner}, 200, 3 * latency},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.Stats().Faults.Delayed
			start := time.Now()
			wantStatus(t, do(t, tc.method, tc.url, tc.h, tc.body), tc.status)
			d := time.Since(start)
			if d < latency {
				t.Errorf("answered after %v, want at least %v", d, latency)
			}
			if tc.max > 0 && d >= tc.max {
				t.Errorf("answered after %v: the latency was spent more than once", d)
			}
			if n := s.Stats().Faults.Delayed - before; n != 1 {
				t.Errorf("%d delays counted, want 1", n)
			}
		})
	}
}

// A request whose client is seen gone while it waits out the latency is not
// served, and statistics count it as 499. (A body not yet read hides a
// closed connection: such a request is served, as Graph would serve what it
// received.)
func TestLatencyClientGone(t *testing.T) {
	s, _ := newTestServer(t, Options{Faults: Faults{Latency: 2 * time.Second}})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", api(s, "/me/messages"), nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("answered %d before the client gave up", res.StatusCode)
	}
	deadline := time.Now().Add(time.Second)
	for s.Stats().Requests.ByStatus["499"] == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the abandoned request still waits, or was not counted: %+v", s.Stats().Requests.ByStatus)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
