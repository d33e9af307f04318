package content

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/item"
)

// Hashing a live attachment (planning's adoption check, apply's look
// before uploading again) is read again from the first byte when Graph
// goes silent midway: the digest is of the whole content, not of what
// came before the silence nor of it twice; a Graph that always goes
// silent ends with ErrNoAnswer, and the attachment is not taken as read.
func TestHashReadsAgainAfterASilence(t *testing.T) {
	body := strings.Repeat("handbook, chapter one. ", 2000)
	want, wantN, _ := SHA256(strings.NewReader(body))
	for _, tc := range []struct {
		name   string
		stalls int32
		gets   int32
	}{{"once", 1, 2}, {"always", 1 << 20, graph.SilentAttempts}} {
		t.Run(tc.name, func(t *testing.T) {
			var gets atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !strings.HasSuffix(r.URL.Path, "/$value") {
					http.NotFound(w, r)
					return
				}
				if gets.Add(1) > tc.stalls {
					w.Write([]byte(body))
					return
				}
				w.Header().Set("Content-Length", strconv.Itoa(len(body)))
				w.Write([]byte(body[:len(body)/3]))
				w.(http.Flusher).Flush()
				<-r.Context().Done()
			}))
			defer srv.Close()
			client, err := graph.New(graph.Options{
				Endpoint: srv.URL,
				// A silent server's waits are inherent: the idle timeout is tiny.
				Bounds: graph.Bounds{IdleTimeout: 150 * time.Millisecond, AttemptCap: time.Minute},
				Retry:  graph.RetryOptions{Wait: func(time.Duration) time.Duration { return 0 }},
			})
			if err != nil {
				t.Fatal(err)
			}
			it := item.Ref{Mailbox: "alice@contoso.example", Kind: item.Message, ID: "AAMkAD="}
			digest, n, err := Hash(context.Background(), client, it, "att")
			if got := gets.Load(); got != tc.gets {
				t.Errorf("%d downloads, want %d", got, tc.gets)
			}
			if tc.name == "always" {
				if !errors.Is(err, graph.ErrNoAnswer) || digest != "" || n != 0 {
					t.Fatalf("Hash = %q, %d, %v; want nothing and ErrNoAnswer", digest, n, err)
				}
				return
			}
			if err != nil || digest != want || n != wantN {
				t.Fatalf("Hash = %q, %d, %v; want %q, %d", digest, n, err, want, wantN)
			}
		})
	}
}
