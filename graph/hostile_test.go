package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/attachform/attachform/item"
)

// A small hostile Graph: an httptest server on 127.0.0.1 whose handler
// each test writes to misbehave in one way. Every test states the bound
// its run must end within, checks the message names what misbehaved,
// and that the bearer token never reaches another host.

const hostileToken = "hostile-test-token"

// hostileBounds are the limits the hostile tests run under: small, so
// that every misbehaviour is caught within a second or two.
var hostileBounds = Bounds{
	IdleTimeout:    300 * time.Millisecond,
	AttemptCap:     500 * time.Millisecond,
	MinRate:        1 << 20,
	MaxPages:       20,
	MaxAnswer:      64 << 10,
	MaxListPage:    64 << 10,
	MaxBatchAnswer: 256 << 10,
}

type hostile struct {
	t      *testing.T
	srv    *httptest.Server
	client *Client
	cred   *staticCredential

	mu    sync.Mutex
	reqs  []*http.Request // as received (bodies not kept)
	waits []time.Duration // waits the retry policy decided on (none taken)
}

// newHostile starts h as Graph and a client pointed at it with a bearer
// token, the hostile bounds, two retries and waits recorded, not slept.
func newHostile(t *testing.T, h http.HandlerFunc, mods ...func(*Options)) *hostile {
	t.Helper()
	x := &hostile{t: t, cred: &staticCredential{token: hostileToken}}
	x.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x.mu.Lock()
		x.reqs = append(x.reqs, r.Clone(context.Background()))
		x.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(x.srv.Close)
	opts := Options{
		Endpoint:   x.srv.URL,
		Credential: x.cred,
		Bounds:     hostileBounds,
		Retry: RetryOptions{MaxRetries: 2, Wait: func(d time.Duration) time.Duration {
			x.mu.Lock()
			x.waits = append(x.waits, d)
			x.mu.Unlock()
			return 0
		}},
	}
	for _, m := range mods {
		m(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	x.client = c
	return x
}

func (x *hostile) requests() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.reqs)
}

func (x *hostile) recordedWaits() []time.Duration {
	x.mu.Lock()
	defer x.mu.Unlock()
	return append([]time.Duration(nil), x.waits...)
}

// other is another host: it records what reaches it, and must see no token.
type other struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []string // "METHOD path auth=..."
	body int64    // bytes of request bodies received
}

func newOther(t *testing.T) *other {
	o := &other{}
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		o.mu.Lock()
		o.reqs = append(o.reqs, r.Method+" "+r.URL.Path+" auth="+r.Header.Get("Authorization"))
		o.body += n
		o.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"value":[]}`)
	}))
	t.Cleanup(o.srv.Close)
	return o
}

func (o *other) seen() ([]string, int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.reqs...), o.body
}

// within fails the test when f takes longer than bound, and returns f's
// error.
func within(t *testing.T, bound time.Duration, f func() error) error {
	t.Helper()
	start := time.Now()
	err := f()
	if took := time.Since(start); took > bound {
		t.Fatalf("took %v, more than the %v bound (error: %v)", took, bound, err)
	}
	return err
}

// wantErr checks err against a sentinel and the words its message must
// hold, and that it holds no token.
func wantErr(t *testing.T, err, sentinel error, words ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want %v", sentinel)
	}
	if !errors.Is(err, sentinel) {
		t.Errorf("error %q does not match %v", err, sentinel)
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
	if leaks := Leaks(err.Error(), hostileToken); len(leaks) > 0 {
		t.Errorf("error leaks %q", leaks)
	}
}

var hostileItem = item.Ref{Mailbox: "megan@contoso.example", Kind: item.Message, ID: "AAMkAD="}

// A server that takes the request and never answers: each attempt ends
// at the idle timeout, and the request gives up after SilentAttempts,
// naming the host and what it waited for.
func TestHostileNeverAnswers(t *testing.T) {
	x := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	// 3 attempts of 300ms each.
	err := within(t, 3*time.Second, func() error {
		_, err := x.client.ListAttachments(context.Background(), hostileItem)
		return err
	})
	wantErr(t, err, ErrNoAnswer, "Graph (127.0.0.1:", "did not answer for 300ms, 3 attempts: list attachments, waiting for the answer")
	if !errors.Is(err, ErrTimeout) {
		t.Errorf("%v: want ErrTimeout too", err)
	}
	if n := x.requests(); n != 3 {
		t.Errorf("%d attempts, want 3 (the first and two retries)", n)
	}
}

// A request that is not idempotent whose answer never comes is not resent:
// the outcome is unknown.
func TestHostileNeverAnswersPost(t *testing.T) {
	x := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	})
	err := within(t, 2*time.Second, func() error {
		_, err := x.client.AddSmall(context.Background(), hostileItem, NewAttachment{Name: "a.txt", Size: 5}, strings.NewReader("hello"))
		return err
	})
	wantErr(t, err, ErrAmbiguous, "add attachment")
	if !errors.Is(err, ErrTimeout) {
		t.Errorf("%v: want ErrTimeout too", err)
	}
	if n := x.requests(); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}

// A 200 whose body never ends is cut at the list page's cap.
func TestHostileBodyNeverEnds(t *testing.T) {
	x := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"value":[`)
		chunk := bytes.Repeat([]byte(`{"id":"x","name":"n"},`), 512)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	err := within(t, 3*time.Second, func() error {
		_, err := x.client.ListAttachments(context.Background(), hostileItem)
		return err
	})
	wantErr(t, err, ErrAnswerTooLarge, "list attachments", "64 KiB", "a page of a listing")
}

// A 200 that trickles its body a byte at a time for ever ends at the
// safety cap (the cap's base plus the answer's cap at the slowest rate),
// though bytes keep moving.
func TestHostileTrickle(t *testing.T) {
	x := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"value":[`)
		w.(http.Flusher).Flush()
		for r.Context().Err() == nil {
			if _, err := w.Write([]byte(" ")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			time.Sleep(20 * time.Millisecond)
		}
	})
	err := within(t, 3*time.Second, func() error {
		_, err := x.client.ListAttachments(context.Background(), hostileItem)
		return err
	})
	wantErr(t, err, ErrTimeout, "list attachments", "did not arrive in full")
}

// A declared Content-Length above the cap is refused before the body is
// read; so is attachment content larger than any file of the kind.
func TestHostileDeclaredTooLarge(t *testing.T) {
	x := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.FormatInt(3<<30, 10))
		w.WriteHeader(http.StatusOK)
		w.Write(make([]byte, 1<<10))
	})
	err := within(t, 2*time.Second, func() error {
		_, err := x.client.GetAttachment(context.Background(), hostileItem, "att")
		return err
	})
	wantErr(t, err, ErrAnswerTooLarge, "get attachment", "declares 3 GiB")

	todo := item.Ref{Mailbox: "megan@contoso.example", Kind: item.TodoTask, ListID: "l", ID: "t"}
	rc, err := x.client.Content(context.Background(), todo, "att")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	_, err = io.ReadAll(rc)
	wantErr(t, err, ErrAnswerTooLarge, "read attachment content", "attachment content")
}

// An attempt's idle timeout is the same whatever its size; only the
// safety cap grows with it: a 4 MiB range gets 4 MiB at 1 KiB/s more.
func TestIdleTimeoutNotSizedToRequest(t *testing.T) {
	c, err := New(Options{Endpoint: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	_, small := c.armWatchdog(context.Background(), nil, 200)
	_, large := c.armWatchdog(context.Background(), nil, 4<<20)
	small.stop()
	large.stop()
	if small.idle != DefaultIdleTimeout || large.idle != DefaultIdleTimeout {
		t.Errorf("idle timeouts %v and %v, want %v for both", small.idle, large.idle, DefaultIdleTimeout)
	}
	if got, want := time.Duration(small.limitAt.Load()), DefaultAttemptCap+200*time.Second/1024; got != want {
		t.Errorf("a 200-byte request's cap is %v, want %v", got, want)
	}
	if got, want := time.Duration(large.limitAt.Load()), DefaultAttemptCap+4096*time.Second; got != want {
		t.Errorf("a 4 MiB request's cap is %v, want %v", got, want)
	}
}

// Retry-After as an HTTP date far in the future, or as seconds far above
// the maximum, ends the request at once: nothing is waited, nothing is
// sent again, and the message says when to run again.
func TestHostileRetryAfterTooLong(t *testing.T) {
	for _, ra := range []string{
		time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC).Format(http.TimeFormat),
		"86400",
		"1e12",
	} {
		t.Run(ra, func(t *testing.T) {
			x := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", ra)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusTooManyRequests)
				io.WriteString(w, `{"error":{"code":"ApplicationThrottled","message":"Too many requests"}}`)
			})
			err := within(t, time.Second, func() error {
				_, err := x.client.ListAttachments(context.Background(), hostileItem)
				return err
			})
			wantErr(t, err, ErrWaitTooLong, "list attachments", "Retry-After", "15m", "max_retry_after", "Run again after")
			if !errors.Is(err, ErrThrottled) {
				t.Errorf("%v: want ErrThrottled too", err)
			}
			if n := x.requests(); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
			if w := x.recordedWaits(); len(w) != 0 {
				t.Errorf("waited %v", w)
			}
		})
	}
}

// The mailbox is not paused for a Retry-After that is not honoured: the
// next request of the same mailbox goes at once.
func TestHostileRetryAfterTooLongDoesNotPauseMailbox(t *testing.T) {
	var n atomic.Int32
	x := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "999999")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		io.WriteString(w, `{"value":[]}`)
	})
	if _, err := x.client.ListAttachments(context.Background(), hostileItem); !errors.Is(err, ErrWaitTooLong) {
		t.Fatalf("first: %v", err)
	}
	err := within(t, time.Second, func() error {
		_, err := x.client.ListAttachments(context.Background(), hostileItem)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A Retry-After within the maximum is honoured (the wait is decided and,
// being long, notified); the maximum is configurable.
func TestRetryAfterWithinMaximum(t *testing.T) {
	var notices []Wait
	var n atomic.Int32
	h := func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 1 {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		io.WriteString(w, `{"value":[]}`)
	}
	x := newHostile(t, h, func(o *Options) {
		o.Retry.Notify = func(w Wait) { notices = append(notices, w) }
	})
	if _, err := x.client.ListAttachments(context.Background(), hostileItem); err != nil {
		t.Fatal(err)
	}
	// The retry policy's wait, and the mailbox's pause (the limiter maps
	// its pauses through the same hook).
	w := x.recordedWaits()
	if len(w) == 0 {
		t.Error("no wait decided")
	}
	for _, d := range w {
		if d != 2*time.Minute {
			t.Errorf("waits %v, want 2m each", w)
		}
	}
	if len(notices) != 1 || notices[0].For != 2*time.Minute || notices[0].Op != opList || notices[0].Mailbox != hostileItem.Mailbox {
		t.Errorf("notices %+v", notices)
	}

	// A lower maximum refuses the same wait.
	n.Store(0)
	y := newHostile(t, h, func(o *Options) { o.Bounds.MaxRetryAfter = time.Minute })
	_, err := y.client.ListAttachments(context.Background(), hostileItem)
	wantErr(t, err, ErrWaitTooLong, "Retry-After 2m", "the 1m attachform waits")
}

// A Retry-After date is read against the answer's own Date, so a skewed
// clock does not stretch the wait.
func TestRetryAfterDateAgainstAnswerDate(t *testing.T) {
	date := time.Date(2030, 5, 1, 12, 0, 0, 0, time.UTC)
	h := http.Header{"Date": {date.Format(http.TimeFormat)}, "Retry-After": {date.Add(30 * time.Second).Format(http.TimeFormat)}}
	if d, ok := retryAfter(h, time.Now()); !ok || d != 30*time.Second {
		t.Errorf("retryAfter = %v, %v; want 30s", d, ok)
	}
}

// A $batch answer of 3 GB is refused at its cap: neither read whole nor
// held in memory.
func TestHostileHugeBatch(t *testing.T) {
	for _, declared := range []bool{true, false} {
		t.Run(fmt.Sprintf("declared=%v", declared), func(t *testing.T) {
			x := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				if declared {
					w.Header().Set("Content-Length", strconv.FormatInt(3<<30, 10))
				}
				io.WriteString(w, `{"responses":[`)
				pad := bytes.Repeat([]byte(" "), 64<<10)
				for sent := 0; sent < 3<<30 && r.Context().Err() == nil; sent += len(pad) {
					if _, err := w.Write(pad); err != nil {
						return
					}
				}
			})
			items := []item.Ref{hostileItem, {Mailbox: hostileItem.Mailbox, Kind: item.Event, ID: "EV="}}
			var got map[item.Ref][]Attachment
			err := within(t, 3*time.Second, func() error {
				var err error
				got, err = x.client.ListAttachmentsBatch(context.Background(), items)
				return err
			})
			wantErr(t, err, ErrAnswerTooLarge, "batch", "256 KiB", "a $batch answer")
			if len(got) != 0 {
				t.Errorf("listings %v from a refused answer", got)
			}
		})
	}
}

// An inner answer of a $batch whose Retry-After is too long fails that
// item at once, without a second round.
func TestHostileBatchInnerRetryAfter(t *testing.T) {
	x := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, `{"responses":[{"id":"0","status":429,"headers":{"Retry-After":"`+
			time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC).Format(http.TimeFormat)+`"},"body":{"error":{"code":"TooManyRequests"}}}]}`)
	})
	err := within(t, time.Second, func() error {
		_, err := x.client.ListAttachmentsBatch(context.Background(), []item.Ref{hostileItem})
		return err
	})
	wantErr(t, err, ErrWaitTooLong, "Retry-After")
	if n := x.requests(); n != 1 {
		t.Errorf("%d batches sent, want 1", n)
	}
}

// An upload session whose nextExpectedRanges goes back and forth ends
// with a clear error after a bounded number of PUTs.
func TestHostileRangesBackAndForth(t *testing.T) {
	var puts atomic.Int32
	const size, rangeSize = 10 << 10, 1 << 10
	x := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		io.Copy(io.Discard, r.Body)
		var start, end, total int64
		fmt.Sscanf(r.Header.Get("Content-Range"), "bytes %d-%d/%d", &start, &end, &total)
		next := end + 1
		if puts.Add(1)%2 == 0 {
			next = 0 // back to the start
		}
		fmt.Fprintf(w, `{"nextExpectedRanges":["%d-"]}`, next)
	}, func(o *Options) { o.RangeSize = rangeSize })
	s := &UploadSession{Item: hostileItem, URL: x.srv.URL + "/api/v2.0/AttachmentSessions('s')?authtoken=abc", Expires: time.Now().Add(time.Hour)}
	err := within(t, 3*time.Second, func() error {
		_, err := x.client.Upload(context.Background(), s, bytes.NewReader(make([]byte, size)), size, nil)
		return err
	})
	wantErr(t, err, ErrMisbehaving, "upload range", "went back", "cancel it and start a new one")
	if n := puts.Load(); n > 2*(size/rangeSize)+8 {
		t.Errorf("%d PUTs, more than the bound %d", n, 2*(size/rangeSize)+8)
	}
}

// A session that stays put, answering the same range forever, or moves
// a byte at a time, runs out of its PUT budget.
func TestHostileRangesCrawl(t *testing.T) {
	var puts atomic.Int32
	const size, rangeSize = 8 << 10, 1 << 10
	x := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		var start int64
		fmt.Sscanf(r.Header.Get("Content-Range"), "bytes %d-", &start)
		puts.Add(1)
		fmt.Fprintf(w, `{"nextExpectedRanges":["%d-"]}`, start+1)
	}, func(o *Options) { o.RangeSize = rangeSize })
	s := &UploadSession{Item: hostileItem, URL: x.srv.URL + "/up?authtoken=abc", Expires: time.Now().Add(time.Hour)}
	err := within(t, 3*time.Second, func() error {
		_, err := x.client.Upload(context.Background(), s, bytes.NewReader(make([]byte, size)), size, nil)
		return err
	})
	wantErr(t, err, ErrMisbehaving, "upload range", "ranges sent")
	if n := puts.Load(); n != 2*(size/rangeSize)+8 {
		t.Errorf("%d PUTs, want the budget %d", n, 2*(size/rangeSize)+8)
	}
}

// An endless @odata.nextLink chain is cut at MaxPages; a chain that comes
// back to a page already read is refused at once.
func TestHostileEndlessPaging(t *testing.T) {
	x := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("page"))
		fmt.Fprintf(w, `{"value":[],"@odata.nextLink":"%s/v1.0/next?page=%d"}`, "http://"+r.Host, n+1)
	})
	err := within(t, 3*time.Second, func() error {
		_, err := x.client.ListAttachments(context.Background(), hostileItem)
		return err
	})
	wantErr(t, err, ErrMisbehaving, "list attachments", "after 20 pages", "@odata.nextLink")
	if n := x.requests(); n != 20 {
		t.Errorf("%d pages read, want 20", n)
	}

	y := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		next := "b"
		if r.URL.Query().Get("p") == "b" {
			next = "c"
		}
		fmt.Fprintf(w, `{"value":[],"@odata.nextLink":"http://%s/v1.0/x?p=%s"}`, r.Host, next)
	})
	_, err = y.client.FindMessages(context.Background(), "m@x", "subject eq 'a'")
	wantErr(t, err, ErrMisbehaving, "find items", "already read", "circle")
	if n := y.requests(); n != 3 {
		t.Errorf("%d pages read, want 3 (first, b, c)", n)
	}
}

// A redirect loop on a GET ends after a few redirects with a message
// that says so; on a write nothing is followed at all.
func TestHostileRedirectLoop(t *testing.T) {
	x := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		http.Redirect(w, r, r.URL.String(), http.StatusTemporaryRedirect)
	})
	err := within(t, 2*time.Second, func() error {
		_, err := x.client.ListAttachments(context.Background(), hostileItem)
		return err
	})
	wantErr(t, err, ErrMisbehaving, "list attachments", "redirect loop", "stopped after 5 redirects")
	if strings.Contains(err.Error(), "EOF") {
		t.Errorf("unhelpful error %q", err)
	}
	if n := x.requests(); n != 6 {
		t.Errorf("%d requests, want 6 (the GET and 5 redirects)", n)
	}

	before := x.requests()
	_, err = x.client.ListAttachmentsBatch(context.Background(), []item.Ref{hostileItem})
	wantErr(t, err, ErrUnsafeURL, "batch", "307", "follows no redirect")
	if n := x.requests() - before; n != 1 {
		t.Errorf("%d requests for the batch, want 1", n)
	}
}

// A 307 on the small POST would send the file's content to another host:
// nothing is sent there, and nothing is recorded as created.
func TestHostileRedirectedPost(t *testing.T) {
	o := newOther(t)
	x := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		http.Redirect(w, r, o.srv.URL+"/steal", http.StatusTemporaryRedirect)
	})
	var att Attachment
	err := within(t, time.Second, func() error {
		var err error
		att, err = x.client.AddSmall(context.Background(), hostileItem, NewAttachment{Name: "secret.txt", Size: 6}, strings.NewReader("secret"))
		return err
	})
	wantErr(t, err, ErrUnsafeURL, "add attachment", "307", "follows no redirect")
	if errors.Is(err, ErrAmbiguous) {
		t.Errorf("%v: a refused redirect is not ambiguous: Graph did not take the request", err)
	}
	if att.ID != "" {
		t.Errorf("attachment %+v from a redirect", att)
	}
	if reqs, n := o.seen(); len(reqs) != 0 || n != 0 {
		t.Errorf("the other host received %v (%d bytes)", reqs, n)
	}
	// Deletes and session PUTs are writes too.
	err = x.client.DeleteAttachment(context.Background(), hostileItem, "a")
	wantErr(t, err, ErrUnsafeURL, "delete attachment", "follows no redirect")
	if reqs, _ := o.seen(); len(reqs) != 0 {
		t.Errorf("the other host received %v", reqs)
	}
}

// The final 201 of an upload whose Location names another host is not
// believed: no id is returned, and the error says to look on the item.
func TestHostileLocationElsewhere(t *testing.T) {
	for _, loc := range []string{
		"https://evil.example/api/v2.0/Users('u')/Messages('m')/Attachments('STOLEN')",
		"http://127.0.0.1:9/api/v2.0/Users('u')/Messages('m')/Attachments('STOLEN')", // a third loopback origin
		"//evil.example/x/Attachments('STOLEN')",
	} {
		t.Run(loc, func(t *testing.T) {
			x := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				w.Header().Set("Location", loc)
				w.WriteHeader(http.StatusCreated)
			})
			s := &UploadSession{Item: hostileItem, URL: x.srv.URL + "/up?authtoken=abc", Expires: time.Now().Add(time.Hour)}
			var id string
			err := within(t, time.Second, func() error {
				var err error
				id, err = x.client.Upload(context.Background(), s, strings.NewReader("content"), 7, nil)
				return err
			})
			wantErr(t, err, ErrAmbiguous, "upload range", "not believed", "look for the attachment on the item")
			if !errors.Is(err, ErrUnsafeURL) {
				t.Errorf("%v: want ErrUnsafeURL too", err)
			}
			if id != "" {
				t.Errorf("id %q believed", id)
			}
		})
	}
	// The Location on the emulator's own origin is believed.
	x := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Location", "http://"+r.Host+"/api/v2.0/Users('u')/Messages('m')/Attachments('GOOD')")
		w.WriteHeader(http.StatusCreated)
	})
	s := &UploadSession{Item: hostileItem, URL: x.srv.URL + "/up?authtoken=abc", Expires: time.Now().Add(time.Hour)}
	if id, err := x.client.Upload(context.Background(), s, strings.NewReader("content"), 7, nil); err != nil || id != "GOOD" {
		t.Errorf("Upload = %q, %v; want GOOD", id, err)
	}
}

// The bearer token never reaches another host: not through a paging
// link, not through a redirect of a GET (followed, without it), not
// through a To Do upload URL elsewhere.
func TestHostileTokenStaysHome(t *testing.T) {
	o := newOther(t)
	x := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/attachments"):
			fmt.Fprintf(w, `{"value":[],"@odata.nextLink":"%s/v1.0/page2"}`, o.srv.URL)
		case strings.HasSuffix(r.URL.Path, "/createUploadSession"):
			fmt.Fprintf(w, `{"uploadUrl":"%s/v1.0/users/u/todo/lists/l/tasks/t/attachmentSessions/s","expirationDateTime":"2099-01-01T00:00:00Z","nextExpectedRanges":["0-"]}`, o.srv.URL)
		default:
			http.Redirect(w, r, o.srv.URL+"/elsewhere", http.StatusFound)
		}
	})
	ctx := context.Background()
	_, err := x.client.ListAttachments(ctx, hostileItem)
	wantErr(t, err, ErrUnsafeURL, "paging link", "token goes only to Graph")

	todo := item.Ref{Mailbox: "megan@contoso.example", Kind: item.TodoTask, ListID: "l", ID: "t"}
	_, err = x.client.CreateUploadSession(ctx, todo, NewAttachment{Name: "a.bin", Size: 10})
	wantErr(t, err, ErrUnsafeURL, "create upload session", "token is only sent to Graph")

	if reqs, _ := o.seen(); len(reqs) != 0 {
		t.Errorf("the other host received %v", reqs)
	}
	// A GET redirected elsewhere is followed, without the token.
	_, _ = x.client.GetAttachment(ctx, hostileItem, "a")
	reqs, _ := o.seen()
	if len(reqs) != 1 || !strings.HasSuffix(reqs[0], "auth=") {
		t.Errorf("the other host received %v; want one GET without Authorization", reqs)
	}
	// And Graph itself got the token on every request.
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, r := range x.reqs {
		if r.Header.Get("Authorization") != "Bearer "+hostileToken {
			t.Errorf("%s %s reached Graph without its token", r.Method, r.URL.Path)
		}
	}
}

// An upload URL on a host Graph does not document for the cloud is
// refused before a byte is sent; so is one on a third loopback origin
// when the endpoint is the emulator and its upload origin is known.
func TestHostileUploadURLElsewhere(t *testing.T) {
	o := newOther(t)
	var uploadURL atomic.Value
	x := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{"uploadUrl": uploadURL.Load(), "expirationDateTime": "2099-01-01T00:00:00Z", "nextExpectedRanges": []string{"0-"}})
	}, func(opt *Options) { opt.UploadOrigin = "http://127.0.0.1:1" })
	for _, u := range []string{"https://evil.example/up?authtoken=x", o.srv.URL + "/up?authtoken=x"} {
		uploadURL.Store(u)
		_, err := x.client.CreateUploadSession(context.Background(), hostileItem, NewAttachment{Name: "big.bin", Size: 4 << 20})
		wantErr(t, err, ErrUnsafeURL, "create upload session", "emulator")
	}
	if reqs, _ := o.seen(); len(reqs) != 0 {
		t.Errorf("the other host received %v", reqs)
	}
	// The configured upload origin is accepted.
	uploadURL.Store("http://127.0.0.1:1/up?authtoken=x")
	if _, err := x.client.CreateUploadSession(context.Background(), hostileItem, NewAttachment{Name: "big.bin", Size: 4 << 20}); err != nil {
		t.Errorf("the emulator's upload origin: %v", err)
	}
	if _, err := New(Options{Endpoint: "https://graph.microsoft.com", Credential: &staticCredential{token: "t"}, UploadOrigin: "http://127.0.0.1:1"}); err == nil {
		t.Error("an upload origin with a remote endpoint was accepted")
	}
}
