package emulator

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

const otherUser = "adele@contoso.example"

func wantThrottled(t *testing.T, r resp, retryAfter string) {
	t.Helper()
	wantStatus(t, r, http.StatusTooManyRequests)
	if r.errCode(t) != "ApplicationThrottled" {
		t.Errorf("code = %s", r.errCode(t))
	}
	if got := r.Header.Get("Retry-After"); got != retryAfter {
		t.Errorf("Retry-After = %q, want %q", got, retryAfter)
	}
}

// graph-protocol.md: "Outlook limits per app and mailbox: 4 concurrent
// requests … One mailbox being throttled does not affect others."
func TestThrottleConcurrency(t *testing.T) {
	s, _ := newTestServer(t, Options{Users: []string{testUser, otherUser}})
	admitted := make(chan string, 16)
	hook := func(mb string) { admitted <- mb }
	s.throttle.admitted.Store(&hook)

	// Four requests whose bodies have not arrived hold the four slots.
	writers := make([]*io.PipeWriter, DefaultConcurrency)
	done := make(chan int, DefaultConcurrency)
	for i := range writers {
		pr, pw := io.Pipe()
		writers[i] = pw
		req, _ := http.NewRequest("POST", api(s, "/me/messages"), pr)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+testToken)
		go func() {
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				done <- -1
				return
			}
			res.Body.Close()
			done <- res.StatusCode
		}()
	}
	for range writers {
		<-admitted
	}
	wantThrottled(t, do(t, "GET", api(s, "/me"), nil, nil), "1")
	// Another mailbox is unaffected.
	wantStatus(t, do(t, "GET", api(s, "/users/"+otherUser), nil, nil), http.StatusOK)
	<-admitted

	for _, w := range writers {
		io.Copy(w, strings.NewReader(`{"subject":"held"}`))
		w.Close()
	}
	for range writers {
		if st := <-done; st != http.StatusCreated {
			t.Errorf("held request ended with %d", st)
		}
	}
	wantStatus(t, do(t, "GET", api(s, "/me"), nil, nil), http.StatusOK)
	if got := s.Stats().Throttled; got != 1 {
		t.Errorf("Stats.Throttled = %d, want 1", got)
	}
}

// "10,000 requests per 10 minutes" (here 3 per minute), with Retry-After
// counting down to the end of the window.
func TestThrottleRequestRate(t *testing.T) {
	s, clock := newTestServer(t, Options{Users: []string{testUser, otherUser}, Limits: Limits{Requests: 3, RequestWindow: time.Minute}})
	for i := 0; i < 3; i++ {
		wantStatus(t, do(t, "GET", api(s, "/me"), nil, nil), http.StatusOK)
	}
	wantThrottled(t, do(t, "GET", api(s, "/me"), nil, nil), "60")
	wantStatus(t, do(t, "GET", api(s, "/users/"+otherUser), nil, nil), http.StatusOK)
	clock.Advance(30 * time.Second)
	wantThrottled(t, do(t, "GET", api(s, "/me/messages"), nil, nil), "30")
	clock.Advance(30 * time.Second)
	wantStatus(t, do(t, "GET", api(s, "/me"), nil, nil), http.StatusOK)
}

// "150 MB uploaded (POST/PUT/PATCH) per 5 minutes" (here 1 MB), counting
// upload-origin PUTs against the session's mailbox.
func TestThrottleUploadVolume(t *testing.T) {
	s, clock := newTestServer(t, Options{Users: []string{testUser, otherUser}, Limits: Limits{UploadBytes: 1 * mb}})
	item := "/me/messages/" + createItem(t, s, testUser, "messages", "x")
	other := "/users/" + otherUser + "/messages/" + createItem(t, s, otherUser, "messages", "x")
	chunk := testFile(600 << 10)
	wantStatus(t, postSmall(t, s, item, "#microsoft.graph.fileAttachment", "a", chunk), http.StatusCreated)
	wantThrottled(t, postSmall(t, s, item, "#microsoft.graph.fileAttachment", "b", chunk), "300")
	wantStatus(t, postSmall(t, s, other, "#microsoft.graph.fileAttachment", "b", chunk), http.StatusCreated)
	clock.Advance(5 * time.Minute)
	wantStatus(t, postSmall(t, s, item, "#microsoft.graph.fileAttachment", "b", chunk), http.StatusCreated)

	// Upload-origin PUTs count too.
	s2, _ := newTestServer(t, Options{Limits: Limits{UploadBytes: 3*mb + 1024, MessageBytes: 150 * mb}})
	_, u := openOutlook(t, s2, 4*mb)
	data := testFile(4 * mb)
	wantStatus(t, putRange(t, u, data, 0, 3*mb-1, 4*mb, nil), http.StatusOK)
	wantThrottled(t, putRange(t, u, data, 3*mb, 4*mb-1, 4*mb, nil), "300")
}

func TestThrottleOff(t *testing.T) {
	s, _ := newTestServer(t, Options{Limits: Limits{Off: true, Requests: 1}})
	for i := 0; i < 5; i++ {
		wantStatus(t, do(t, "GET", api(s, "/me"), nil, nil), http.StatusOK)
	}
}
