package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-cleanhttp"
)

// The idle deadline with real sockets: the waits are inherent (a server
// that says nothing), so the idle timeout is tiny instead of faked.
const testIdle = 150 * time.Millisecond

func withIdle(d time.Duration) func(*Options) {
	return func(o *Options) {
		o.Bounds.IdleTimeout = d
		o.Bounds.AttemptCap = time.Minute // never what ends these tests
	}
}

// A server that answers the headers, then goes silent mid-body: each
// attempt ends after the idle timeout, is retried (a listing is safe to
// read again), and the request gives up after SilentAttempts, saying what
// it waited for.
func TestIdleSilentMidBody(t *testing.T) {
	x := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"value":[`)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}, withIdle(testIdle))
	err := within(t, 3*time.Second, func() error {
		_, err := x.client.ListAttachments(context.Background(), hostileItem)
		return err
	})
	wantErr(t, err, ErrNoAnswer, "Graph (127.0.0.1:", "did not answer for 150ms, 3 attempts: list attachments, reading the answer (10 bytes came)", "idle_timeout")
	if n := x.requests(); n != SilentAttempts {
		t.Errorf("%d attempts, want %d", n, SilentAttempts)
	}
}

// A server that takes part of an upload range and goes silent: the range
// is not resent blindly; the session's status is asked, which the silent
// server does not answer either, and the upload ends naming the host,
// never the upload URL (a credential).
func TestIdleSilentMidUpload(t *testing.T) {
	var puts, gets atomic.Int32
	// A handler that leaves a body unread never learns that its client
	// left: the test ends it.
	over := make(chan struct{})
	x := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			puts.Add(1)
			io.CopyN(io.Discard, r.Body, 1<<10)
		} else {
			gets.Add(1)
		}
		select {
		case <-r.Context().Done():
		case <-over:
		}
	}, withIdle(testIdle))
	t.Cleanup(func() { close(over) }) // before the server closes
	const size = 256 << 10
	s := &UploadSession{Item: hostileItem, URL: x.srv.URL + "/up/secret-session?authtoken=abc", Expires: time.Now().Add(time.Hour)}
	err := within(t, 3*time.Second, func() error {
		_, err := x.client.Upload(context.Background(), s, bytes.NewReader(make([]byte, size)), size, nil)
		return err
	})
	wantErr(t, err, ErrNoAnswer, "Graph (127.0.0.1:", "did not answer for 150ms, 3 attempts")
	for _, secret := range []string{"authtoken", "secret-session"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q shows the upload URL", err)
		}
	}
	if p, g := puts.Load(), gets.Load(); p != 1 || g != SilentAttempts {
		t.Errorf("%d PUTs and %d status GETs, want 1 and %d", p, g, SilentAttempts)
	}
	if s.Next != 0 {
		t.Errorf("the session's next byte is %d; nothing was confirmed", s.Next)
	}
}

// Once a request gave up on a silent host, the client sends it nothing
// more (an apply ends instead of waiting on every change in turn), until
// the host answers a request still in flight.
func TestIdleGiveUpStopsTheHost(t *testing.T) {
	x := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}, withIdle(testIdle))
	_, err := x.client.ListAttachments(context.Background(), hostileItem)
	wantErr(t, err, ErrNoAnswer, "3 attempts")
	sent := x.requests()
	err = within(t, testIdle/2, func() error {
		_, err := x.client.GetAttachment(context.Background(), hostileItem, "att")
		return err
	})
	wantErr(t, err, ErrNoAnswer, "Graph (127.0.0.1:", "has not answered", "a request already gave up on it: get attachment not sent")
	if n := x.requests(); n != sent {
		t.Errorf("%d requests sent to a host given up on", n-sent)
	}
}

// A host given up on is waited on again once it answers anything, or
// once the hold has passed.
func TestHostWatchReopensOnAnswer(t *testing.T) {
	var h hostWatch
	if _, given := h.given(time.Hour); given {
		t.Fatal("given up before anything happened")
	}
	h.heard.Store(time.Now().UnixNano())
	h.gaveUp.Store(h.heard.Load() + 1)
	if since, given := h.given(time.Hour); !given || since.IsZero() {
		t.Fatalf("not given up after a give-up (%v, %v)", since, given)
	}
	if _, given := h.given(0); given {
		t.Fatal("still given up once the hold passed")
	}
	h.heard.Store(h.gaveUp.Load() + 1)
	if _, given := h.given(time.Hour); given {
		t.Fatal("still given up after the host answered")
	}
}

// A slow answer whose bytes keep coming is never cut, however long it
// takes in all: here over twice the idle timeout, a byte every 15ms.
func TestIdleSlowButMovingAnswerIsNotCut(t *testing.T) {
	const idle = 500 * time.Millisecond
	body := `{"value":[` + strings.Repeat(" ", 70) + `]}`
	x := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		for i := range len(body) {
			if _, err := io.WriteString(w, body[i:i+1]); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			time.Sleep(15 * time.Millisecond) // a server trickling its answer
		}
	}, withIdle(idle))
	start := time.Now()
	if _, err := x.client.ListAttachments(context.Background(), hostileItem); err != nil {
		t.Fatalf("a slow answer that kept moving was cut: %v", err)
	}
	if took := time.Since(start); took < 2*idle {
		t.Fatalf("the answer took %v: no longer than the idle timeout, so the test proves nothing", took)
	}
	if n := x.requests(); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}

// A slow upload whose bytes keep going is never cut either: on a slow
// link (a connection that takes 4 KiB every 10ms) the range takes several
// idle timeouts in all.
func TestIdleSlowButMovingUploadIsNotCut(t *testing.T) {
	const idle = 500 * time.Millisecond
	const size = 512 << 10
	x := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		got, _ := io.Copy(io.Discard, r.Body)
		w.Header().Set("Location", fmt.Sprintf("http://%s/v1.0/users('u')/messages('m')/attachments('att-%d')", r.Host, got))
		w.WriteHeader(http.StatusCreated)
	}, withIdle(idle), func(o *Options) { o.Transport = slowLink(4<<10, 10*time.Millisecond) })
	s := &UploadSession{Item: hostileItem, URL: x.srv.URL + "/up?authtoken=abc", Expires: time.Now().Add(time.Hour)}
	start := time.Now()
	id, err := x.client.Upload(context.Background(), s, bytes.NewReader(make([]byte, size)), size, nil)
	if err != nil {
		t.Fatalf("a slow upload that kept moving was cut: %v", err)
	}
	if took := time.Since(start); took < 2*idle {
		t.Fatalf("the upload took %v: no longer than the idle timeout, so the test proves nothing", took)
	}
	if id != fmt.Sprintf("att-%d", size) {
		t.Errorf("id %q: the server did not get the whole range", id)
	}
}

// The caller learns that a request waits for Graph once nothing has moved
// for a sixth of the idle timeout, since when, and that it hears again.
func TestIdleSilenceIsObserved(t *testing.T) {
	const idle = 600 * time.Millisecond
	x := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		time.Sleep(idle / 3) // silent past the notice, not past the timeout
		io.WriteString(w, `{"value":[]}`)
	}, withIdle(idle))
	var mu sync.Mutex
	var seen []Silence
	ctx := WithSilenceObserver(context.Background(), func(s Silence) {
		mu.Lock()
		seen = append(seen, s)
		mu.Unlock()
	})
	start := time.Now()
	if _, err := x.client.ListAttachments(ctx, hostileItem); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || seen[0].Since.IsZero() || seen[0].Since.Before(start) || !seen[1].Since.IsZero() || !strings.HasPrefix(seen[0].Host, "127.0.0.1:") {
		t.Errorf("observed %+v; want a silence since the request began, then its end", seen)
	}
}

func TestErrNoAnswerIsErrTimeout(t *testing.T) {
	err := error(&noAnswerError{host: "graph.microsoft.com", op: "list attachments", quiet: time.Minute, attempts: 3, doing: "waiting for the answer"})
	if !errors.Is(err, ErrNoAnswer) || !errors.Is(err, ErrTimeout) {
		t.Errorf("%v does not match ErrNoAnswer and ErrTimeout", err)
	}
	if want := "Graph (graph.microsoft.com) did not answer for 60s, 3 attempts: list attachments, waiting for the answer."; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("message %q, want it to start %q", err, want)
	}
}

// slowLink is a transport whose connections send a chunk of bytes per
// tick, as a slow uplink does: writes block meanwhile, so the request's
// body is taken a little at a time.
func slowLink(chunk int, tick time.Duration) http.RoundTripper {
	t := cleanhttp.DefaultTransport()
	dial := t.DialContext
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &slowConn{Conn: c, chunk: chunk, tick: tick}, nil
	}
	return t
}

type slowConn struct {
	net.Conn
	chunk int
	tick  time.Duration
}

func (c *slowConn) Write(p []byte) (int, error) {
	var sent int
	for len(p) > 0 {
		n, err := c.Conn.Write(p[:min(c.chunk, len(p))])
		sent += n
		if err != nil {
			return sent, err
		}
		p = p[n:]
		time.Sleep(c.tick)
	}
	return sent, nil
}

// Attachment content streams to its reader under the same watchdog: a
// download that stops mid-body fails the read after the idle timeout,
// saying how much came, while a reader that is slow itself (busy writing
// elsewhere) is not Graph's silence.
func TestIdleSilentMidDownload(t *testing.T) {
	x := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.Write(make([]byte, 40))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}, withIdle(testIdle))
	rc, err := x.client.Content(context.Background(), hostileItem, "att")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	time.Sleep(2 * testIdle) // the reader is busy: no one waits on Graph yet
	buf := make([]byte, 100)
	n, err := io.ReadFull(rc, buf)
	if n != 40 {
		t.Errorf("read %d bytes, want the 40 that came", n)
	}
	wantErr(t, err, ErrTimeout, "read attachment content", "nothing moved for 150ms reading the answer (40 bytes came)")
}
