package graph

import (
	"context"
	"github.com/attachform/attachform/item"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/attachform/attachform/emulator"
)

// graph-protocol.md: "Outlook limits per app and mailbox: 4 concurrent
// requests … The engine bounds both total and per-mailbox concurrency."
// On a slow emulator (latency spent inside the mailbox's concurrency slot,
// as Graph's processing time is) twelve concurrent requests to one mailbox
// overlap: a client without a per-mailbox limit meets 429s, and this
// client, which holds at most four in flight per mailbox, meets none.
func TestSlowEmulatorThrottlesOnlyUnboundedClients(t *testing.T) {
	const n = 12
	e := newEnv(t)
	it := e.item(item.Message, "slow")
	if err := e.srv.SetFaults(emulator.Faults{Latency: 300 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	list := e.srv.URL() + "/v1.0/users/" + url.PathEscape(it.Mailbox) + "/messages/" + url.PathEscape(it.ID) + "/attachments?$select=id,name"

	// A plain net/http client, no per-mailbox limit: everything at once.
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodGet, list, nil)
			req.Header.Set("Authorization", "Bearer "+LoopbackToken)
			req.Header.Set("Prefer", `IdType="ImmutableId"`)
			resp, err := hc.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	throttled := 0
	for _, st := range statuses {
		if st == http.StatusTooManyRequests {
			throttled++
		}
	}
	if throttled == 0 {
		t.Fatalf("an unbounded client met no 429 (answers %v): the emulator's latency does not hold the mailbox's slots", statuses)
	}
	before := e.srv.Stats().Throttled

	// attachform's client, the same twelve at once.
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = e.client.ListAttachments(context.Background(), it)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Errorf("ListAttachments: %v", err)
		}
	}
	if got := e.srv.Stats().Throttled - before; got != 0 {
		t.Errorf("attachform's client met %d 429s from the slow emulator, want none", got)
	}
	if w := e.recordedWaits(); len(w) != 0 {
		t.Errorf("attachform's client waited %v: it was refused somewhere", w)
	}
}
