package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// content100 is the attachment the content tests serve: 100 bytes that
// differ from one offset to the next.
var content100 = func() []byte {
	b := make([]byte, 100)
	for i := range b {
		b[i] = byte(i*7 + 1)
	}
	return b
}()

// stopMidBody answers content100's headers and first 40 bytes, then
// sends nothing more until the client leaves.
func stopMidBody(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Length", "100")
	w.Write(content100[:40])
	w.(http.Flusher).Flush()
	<-r.Context().Done()
}

// cutMidBody answers content100's headers and first 40 bytes, then closes
// the connection.
func cutMidBody(w http.ResponseWriter, r *http.Request) {
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nContent-Type: application/octet-stream\r\n\r\n")
	buf.Write(content100[:40])
	buf.Flush()
	conn.Close()
}

// collect is a reader of content that starts over on every call, as
// ReadContent's readers must; calls counts them.
type collect struct {
	got   bytes.Buffer
	calls int
}

func (c *collect) read(r io.Reader) error {
	c.calls++
	c.got.Reset()
	_, err := io.Copy(&c.got, r)
	return err
}

// An answer that stops midway, once, is read again from its first byte,
// as a JSON answer would be: the reader gets the whole content on the
// second attempt.
func TestReadContentRestartsAnAnswerThatStopped(t *testing.T) {
	for name, stop := range map[string]http.HandlerFunc{"silent": stopMidBody, "cut": cutMidBody} {
		t.Run(name, func(t *testing.T) {
			var n atomic.Int32
			x := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					stop(w, r)
					return
				}
				w.Write(content100)
			}, withIdle(testIdle))
			var c collect
			err := within(t, 3*time.Second, func() error {
				return x.client.ReadContent(context.Background(), hostileItem, "att", c.read)
			})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(c.got.Bytes(), content100) {
				t.Errorf("read %d bytes %x, want the 100 served", c.got.Len(), c.got.Bytes())
			}
			if got := x.requests(); got != 2 || c.calls != 2 {
				t.Errorf("%d requests and %d reads, want 2 of each", got, c.calls)
			}
			if w := x.recordedWaits(); len(w) != 1 {
				t.Errorf("waits %v: want the policy's one backoff before the second attempt", w)
			}
		})
	}
}

// An answer that always goes silent midway ends as any silent request
// does: after SilentAttempts attempts, naming the host and what it waited
// for, and the host's next request is not sent.
func TestReadContentGivesUpOnASilentHost(t *testing.T) {
	x := newHostile(t, stopMidBody, withIdle(testIdle))
	var c collect
	err := within(t, 3*time.Second, func() error {
		return x.client.ReadContent(context.Background(), hostileItem, "att", c.read)
	})
	wantErr(t, err, ErrNoAnswer, "Graph (127.0.0.1:", "did not answer for 150ms, 3 attempts: read attachment content, reading the answer (40 bytes came)", "idle_timeout")
	if got := x.requests(); got != SilentAttempts || c.calls != SilentAttempts {
		t.Errorf("%d requests and %d reads, want %d of each", got, c.calls, SilentAttempts)
	}
	_, err = x.client.GetAttachment(context.Background(), hostileItem, "att")
	wantErr(t, err, ErrNoAnswer, "a request already gave up on it")
	if got := x.requests(); got != SilentAttempts {
		t.Errorf("%d requests sent to a host given up on", got-SilentAttempts)
	}
}

// A connection cut midway every time is sent again only within the
// policy's budget (MaxRetries 2 here: three attempts in all), and the
// error is the reader's.
func TestReadContentAttemptsAreBudgeted(t *testing.T) {
	x := newHostile(t, cutMidBody)
	var c collect
	err := x.client.ReadContent(context.Background(), hostileItem, "att", c.read)
	if err == nil || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("error %v; want the short answer's", err)
	}
	if got := x.requests(); got != 3 || c.calls != 3 {
		t.Errorf("%d requests and %d reads, want 3 of each", got, c.calls)
	}
}

// The reader's own failure (its disk, a file that exists), an answer over
// the kind's largest file and a refusal end the read at once.
func TestReadContentEndsOnFailuresNoAttemptMends(t *testing.T) {
	disk := errors.New("no space left on device")
	cases := map[string]struct {
		serve func(w http.ResponseWriter, r *http.Request)
		read  func(io.Reader) error
		want  string
	}{
		"reader": {
			serve: func(w http.ResponseWriter, r *http.Request) { w.Write(content100) },
			read: func(r io.Reader) error {
				io.CopyN(io.Discard, r, 10)
				return disk
			},
			want: disk.Error(),
		},
		"too large": {
			serve: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", fmt.Sprint(hostileItem.Kind.Traits().MaxBytes+1))
			},
			read: func(r io.Reader) error { _, err := io.Copy(io.Discard, r); return err },
			want: "too large",
		},
		"refused": {
			serve: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusNotFound)
				io.WriteString(w, `{"error":{"code":"ErrorItemNotFound","message":"gone"}}`)
			},
			read: func(io.Reader) error { t.Error("a refusal was given to the reader"); return nil },
			want: "ErrorItemNotFound",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			x := newHostile(t, tc.serve)
			err := x.client.ReadContent(context.Background(), hostileItem, "att", tc.read)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v; want one saying %q", err, tc.want)
			}
			if got := x.requests(); got != 1 {
				t.Errorf("%d requests, want 1", got)
			}
		})
	}
}
