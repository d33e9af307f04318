package graph

import (
	"context"
	"errors"
	"fmt"
	"github.com/attachform/attachform/item"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attachform/attachform/emulator"
)

// addN puts n small attachments on it.
func (e *env) addN(it item.Ref, n int) []string {
	e.t.Helper()
	var ids []string
	for i := range n {
		a, err := e.client.AddSmall(context.Background(), it, NewAttachment{Name: fmt.Sprintf("f%d.txt", i), Size: 1}, strings.NewReader("x"))
		if err != nil {
			e.t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	slices.Sort(ids)
	return ids
}

func ids(list []Attachment) []string {
	var out []string
	for _, a := range list {
		out = append(out, a.ID)
	}
	slices.Sort(out)
	return out
}

func batchPosts(reqs []seen) int {
	n := 0
	for _, r := range reqs {
		if r.method == "POST" && strings.HasSuffix(r.path, "/$batch") {
			n++
		}
	}
	return n
}

// 25 items of every kind in one mailbox and one in another: two $batch
// requests (20, then 5 + 1: mailboxes share a batch), every listing right.
func TestListAttachmentsBatch(t *testing.T) {
	e := newEnv(t)
	want := map[item.Ref][]string{}
	var items []item.Ref
	for i := range 25 {
		it := e.item(allKinds[i%3], fmt.Sprint("batch ", i))
		want[it] = e.addN(it, i%3)
		items = append(items, it)
	}
	demo, err := e.client.FindMessages(context.Background(), emulator.DemoMailbox, "subject eq '"+emulator.DemoMessageSubject+"'")
	if err != nil || len(demo) != 1 {
		t.Fatalf("demo message: %v, %v", demo, err)
	}
	other := item.Ref{Mailbox: emulator.DemoMailbox, Kind: item.Message, ID: demo[0].ID}
	want[other] = e.addN(other, 2)
	items = append(items, other, items[0]) // a duplicate is listed once
	e.rec.take()

	got, err := e.client.ListAttachmentsBatch(context.Background(), items)
	if err != nil {
		t.Fatalf("ListAttachmentsBatch: %v", err)
	}
	if len(got) != len(want) {
		t.Errorf("%d items listed, want %d", len(got), len(want))
	}
	for it, w := range want {
		if g := ids(got[it]); !slices.Equal(g, w) {
			t.Errorf("%s: %v, want %v", it, g, w)
		}
	}
	reqs := e.rec.take()
	if n := batchPosts(reqs); n != 2 || len(reqs) != 2 {
		t.Errorf("%d requests, %d of them $batch; want 2 $batch only", len(reqs), n)
	}
	if st := e.srv.Stats(); st.Requests.Batched < 26 {
		t.Errorf("emulator saw %d batched requests", st.Requests.Batched)
	}
}

// One item gone: the others are still listed, the gone one is reported.
func TestListAttachmentsBatchPartialFailure(t *testing.T) {
	e := newEnv(t)
	a := e.item(item.Message, "kept")
	b := e.item(item.Event, "gone")
	e.addN(a, 1)
	e.raw("DELETE", "/users/"+testUser+"/events/"+b.ID, nil, true)
	got, err := e.client.ListAttachmentsBatch(context.Background(), []item.Ref{a, b})
	var be *BatchError
	if !errors.As(err, &be) || len(be.Errs) != 1 || !errors.Is(be.Errs[b], ErrNotFound) || !errors.Is(err, ErrNotFound) {
		t.Fatalf("ListAttachmentsBatch error = %v, want a BatchError with %s not found", err, b)
	}
	if _, ok := got[b]; ok {
		t.Error("the gone item has a listing")
	}
	if len(got[a]) != 1 {
		t.Errorf("kept item: %+v", got[a])
	}
	if !strings.Contains(err.Error(), "1 of the batched items failed") || !strings.Contains(err.Error(), "ErrorItemNotFound") {
		t.Errorf("error text %q", err)
	}
}

// Graph throttles the requests inside a batch one by one. Those answered 429
// go again, in a new batch, after their Retry-After; the rest are kept.
func TestListAttachmentsBatchInnerThrottling(t *testing.T) {
	e := newEnv(t, func(eo *emulator.Options, _ *Options) {
		eo.Limits = emulator.Limits{Requests: 10, RequestWindow: time.Minute}
	})
	var items []item.Ref
	want := map[item.Ref][]string{}
	for i := range 15 {
		it := e.item(item.Message, fmt.Sprint("throttled ", i))
		want[it] = e.addN(it, 1)
		items = append(items, it)
	}
	e.clock.Advance(time.Minute) // a fresh window: 10 requests, then 429s
	e.rec.take()
	throttledBefore := e.srv.Stats().Throttled
	// The five 429s answer one request: the mailbox's concurrency halves
	// once (4 → 2), not once per inner request.
	var windows []int
	e.rec.setBefore(func(int, *http.Request) { windows = append(windows, e.client.limits.concurrency(testUser)) })
	got, err := e.client.ListAttachmentsBatch(context.Background(), items)
	if err != nil {
		t.Fatalf("ListAttachmentsBatch: %v", err)
	}
	for it, w := range want {
		if g := ids(got[it]); !slices.Equal(g, w) {
			t.Errorf("%s: %v, want %v", it, g, w)
		}
	}
	if n := batchPosts(e.rec.take()); n != 2 {
		t.Errorf("%d $batch requests, want 2 (the throttled five sent again)", n)
	}
	if n := e.srv.Stats().Throttled - throttledBefore; n != 5 {
		t.Errorf("emulator throttled %d inner requests, want 5", n)
	}
	if waits := e.recordedWaits(); len(waits) == 0 || slices.Max(waits) < time.Second {
		t.Errorf("waits = %v, want the inner Retry-After honoured", waits)
	}
	if !slices.Equal(windows, []int{4, 2}) {
		t.Errorf("concurrency at each $batch = %v, want [4 2] (halved once)", windows)
	}
}

func TestListAttachmentsBatchEmpty(t *testing.T) {
	e := newEnv(t)
	e.rec.take()
	got, err := e.client.ListAttachmentsBatch(context.Background(), nil)
	if err != nil || len(got) != 0 || len(e.rec.take()) != 0 {
		t.Errorf("empty batch = %v, %v", got, err)
	}
}

// innerLog records, through the emulator's Faults.Only, which items' inner
// requests each $batch carried, and aims 503s at chosen items in the first
// batch only.
type innerLog struct {
	mu      sync.Mutex
	round   int            // $batch POSTs sent so far
	index   map[string]int // item id → its index in the test
	faulted map[int]bool   // answered 503 in round 1
	seen    map[int][]int  // round → items whose listing it carried
}

func (l *innerLog) only(r *http.Request) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.round == 0 || !strings.HasSuffix(r.URL.Path, "/attachments") {
		return false // setting up, or the outer POST
	}
	segs := strings.Split(r.URL.Path, "/")
	i, ok := l.index[segs[len(segs)-2]]
	if !ok {
		return false
	}
	l.seen[l.round] = append(l.seen[l.round], i)
	return l.round == 1 && l.faulted[i]
}

func (l *innerLog) carried(round int) []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Sorted(slices.Values(l.seen[round]))
}

// Issue 3: "inner requests throttled individually"; graph-protocol.md: "Each
// inner request is throttled on its own … retry those items yourself".
// Inner 503s (injected, Retry-After: 1), alone or beside an inner 429 from
// the mailbox's limits (Retry-After: the rest of its 60 s window): only the
// refused items go again, in one new batch, after the longest Retry-After.
func TestListAttachmentsBatchInner503(t *testing.T) {
	for _, tc := range []struct {
		name      string
		limits    emulator.Limits
		faulted   []int // items answered 503 in the first batch
		retried   []int // items in the second batch
		throttled int64 // inner 429s from the mailbox's limits
		waits     []time.Duration
	}{
		{"503s", emulator.Limits{}, []int{1, 4, 6}, []int{1, 4, 6}, 0, []time.Duration{time.Second}},
		// item.Ref 0's 503 leaves it out of the window: items 1-6 take the six
		// requests, item 7 is throttled. One wait for both, the longest;
		// the mailbox's limiter pauses for the same 429 (its wait is
		// recorded too).
		{"503 beside a 429", emulator.Limits{Requests: 6, RequestWindow: time.Minute}, []int{0}, []int{0, 7}, 1, []time.Duration{time.Minute, time.Minute}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := &innerLog{index: map[string]int{}, faulted: map[int]bool{}, seen: map[int][]int{}}
			e := newEnv(t, func(eo *emulator.Options, _ *Options) {
				eo.Limits = tc.limits
				eo.Faults = emulator.Faults{Rate503: 1, Only: log.only}
			})
			var items []item.Ref
			want := map[item.Ref][]string{}
			for i := range 8 {
				it := e.item(allKinds[i%3], fmt.Sprint("inner 503 ", i))
				want[it] = e.addN(it, 1)
				items = append(items, it)
				log.index[it.ID] = i
			}
			for _, i := range tc.faulted {
				log.faulted[i] = true
			}
			e.clock.Advance(time.Minute) // a fresh window for the limits
			e.rec.take()
			e.rec.setBefore(func(_ int, req *http.Request) {
				if strings.HasSuffix(req.URL.Path, "/$batch") {
					log.mu.Lock()
					log.round++
					log.mu.Unlock()
				}
			})
			before, setupWaits := e.srv.Stats(), len(e.recordedWaits())

			got, err := e.client.ListAttachmentsBatch(context.Background(), items)
			if err != nil {
				t.Fatalf("ListAttachmentsBatch: %v", err)
			}
			for it, w := range want {
				if g := ids(got[it]); !slices.Equal(g, w) {
					t.Errorf("%s: %v, want %v", it, g, w)
				}
			}
			if reqs := e.rec.take(); batchPosts(reqs) != 2 || len(reqs) != 2 {
				t.Errorf("%d requests, %d of them $batch; want 2 $batch only", len(reqs), batchPosts(reqs))
			}
			if got := log.carried(1); !slices.Equal(got, []int{0, 1, 2, 3, 4, 5, 6, 7}) {
				t.Errorf("first batch carried items %v, want all 8", got)
			}
			if got := log.carried(2); !slices.Equal(got, tc.retried) {
				t.Errorf("second batch carried items %v, want only the refused %v", got, tc.retried)
			}
			after := e.srv.Stats()
			if n := after.Faults.Unavailable - before.Faults.Unavailable; n != int64(len(tc.faulted)) {
				t.Errorf("emulator injected %d inner 503s, want %d", n, len(tc.faulted))
			}
			if n := after.Throttled - before.Throttled; n != tc.throttled {
				t.Errorf("emulator throttled %d inner requests, want %d", n, tc.throttled)
			}
			if waits := e.recordedWaits()[setupWaits:]; !slices.Equal(waits, tc.waits) {
				t.Errorf("waits = %v, want %v: once per round, the longest Retry-After", waits, tc.waits)
			}
		})
	}
}
