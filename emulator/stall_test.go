package emulator

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// The stall hook leaves a request silent: unanswered (no effect), its
// answer cut after the headers and half its body (the request took
// effect), or its body read half-way (no effect); the client's own
// deadline ends each, and the emulator closes though one is still held.
func TestStallLeavesRequestsSilent(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	item, u := openOutlook(t, s, 3*mb)
	var kind atomic.Int32 // a StallKind
	if err := s.SetFaults(Faults{Stall: func(*http.Request) StallKind { return StallKind(kind.Load()) }}); err != nil {
		t.Fatal(err)
	}
	send := func(method, url, contentRange string, body []byte) (*http.Response, []byte, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, method, url, bytesBody(body))
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("Content-Type", "application/json")
		if contentRange != "" {
			req.Header.Set("Content-Type", "application/octet-stream")
			req.Header.Set("Content-Range", contentRange)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer res.Body.Close()
		got, err := io.ReadAll(res.Body)
		return res, got, err
	}

	kind.Store(int32(StallUnanswered))
	if _, _, err := send("POST", api(s, "/me/messages"), "", []byte(`{"subject":"unanswered"}`)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("unanswered: %v, want the client's deadline", err)
	}
	kind.Store(int32(StallMidAnswer))
	res, got, err := send("POST", api(s, "/me/messages"), "", []byte(`{"subject":"answer cut"}`))
	if res == nil || res.StatusCode != http.StatusCreated || len(got) == 0 || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("mid-answer: %v, %d bytes, %v; want a 201 cut by the client's deadline", res, len(got), err)
	}
	kind.Store(int32(StallMidRequest))
	data := testFile(3 * mb)
	if _, _, err := send("PUT", u, "bytes 0-3145727/3145728", data); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("mid-request: %v, want the client's deadline", err)
	}
	kind.Store(int32(NoStall))
	st := s.Stats()
	// The request held mid-body is counted when it ends, at Close.
	if st.Items != 2 || st.Attachments != 0 || st.Requests.ByStatus["stalled"] < 1 {
		t.Errorf("items %d (want 2: the draft and the one whose answer was cut), attachments %d (want 0), stats %+v", st.Items, st.Attachments, st.Requests.ByStatus)
	}
	r := do(t, "GET", api(s, item+"/attachments"), nil, nil)
	if n := len(r.json(t)["value"].([]any)); n != 0 {
		t.Errorf("the range cut half-way made an attachment (%d)", n)
	}
}
