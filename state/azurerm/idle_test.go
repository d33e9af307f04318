package azurerm

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/attachform/attachform/internal/azurite"
	"github.com/attachform/attachform/state"
	"github.com/attachform/attachform/state/backend"
)

// silentServer accepts connections and reads requests; answer decides what
// it writes back before going silent (nothing: it never answers). It
// counts the requests it read.
func silentServer(t *testing.T, answer string) (endpoint string, requests *atomic.Int32) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	requests = new(atomic.Int32)
	done := make(chan struct{})
	t.Cleanup(func() { close(done); l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
					return
				}
				requests.Add(1)
				_, _ = c.Write([]byte(answer))
				<-done
			}()
		}
	}()
	return "http://" + l.Addr().String() + "/" + azurite.Account, requests
}

func silentBackend(t *testing.T, endpoint string) *Backend {
	t.Helper()
	b, err := open(backend.Options{
		Settings: map[string]string{"endpoint": endpoint, "container_name": "state", "key": "k.json", "idle_timeout": "1s"},
		Getenv:   func(k string) string { return map[string]string{EnvAccessKey: azurite.Key}[k] },
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.(*Backend)
}

// A store that accepts the connection and never answers: each call gives
// up after three silent attempts of the idle time, saying which host it
// waited for and for what; a wait observer hears that it waits.
func TestASilentStoreEndsEveryCall(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, answer, waited string
	}{
		{"no answer", "", "the answer to"},
		{"headers then silence", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nETag: \"x\"\r\nContent-Type: application/json\r\n\r\n{\"vers", "the rest of the answer to GET"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			endpoint, requests := silentServer(t, tc.answer)
			b := silentBackend(t, endpoint)
			host := strings.TrimPrefix(strings.Split(endpoint, "/"+azurite.Account)[0], "http://")
			var heard atomic.Int32
			ctx := state.WithWaitObserver(context.Background(), func(silent time.Duration) {
				if silent > 0 {
					heard.Add(1)
				}
			})
			start := time.Now()
			_, err := b.Read(ctx)
			if !errors.Is(err, ErrNoAnswer) || !strings.Contains(err.Error(), host) || !strings.Contains(err.Error(), tc.waited) || !strings.Contains(err.Error(), "3 attempts") {
				t.Fatalf("Read from a silent store = %v; want ErrNoAnswer naming %s, %q and 3 attempts", err, host, tc.waited)
			}
			if n := requests.Load(); n != 3 {
				t.Errorf("the silent store was asked %d times; want 3", n)
			}
			if took := time.Since(start); took > 20*time.Second {
				t.Errorf("Read took %s", took)
			}
			if heard.Load() == 0 {
				t.Error("the wait observer never heard that the store was silent")
			}
			if tc.answer != "" {
				return
			}
			requests.Store(0)
			s := state.New()
			if err := state.Persist(ctx, b, s, "test"); !errors.Is(err, ErrNoAnswer) || !strings.Contains(err.Error(), "write state") {
				t.Fatalf("Write to a silent store = %v; want ErrNoAnswer", err)
			}
			if n := requests.Load(); n != 3 {
				t.Errorf("the silent store was asked %d times to write; want 3", n)
			}
		})
	}
}

// A store that answers slowly but keeps bytes moving is never cut: a state
// whose first 16 bytes are trickled a byte every fifth of the idle time
// (over three idle times in all) is read whole at the first attempt.
func TestASlowButMovingAnswerIsNotCut(t *testing.T) {
	t.Parallel()
	var buf strings.Builder
	s := state.New()
	if err := state.Encode(&buf, s); err != nil {
		t.Fatal(err)
	}
	body := buf.String()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var requests atomic.Int32
	const idle = time.Second
	if len(body) < 16 {
		t.Fatalf("the state's JSON is %d bytes; the test trickles the first 16", len(body))
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
					return
				}
				requests.Add(1)
				fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nETag: \"x\"\r\nContent-Type: application/json\r\n\r\n", len(body))
				for i := 0; i < len(body); i++ {
					if _, err := c.Write([]byte{body[i]}); err != nil {
						return
					}
					if i < 16 {
						time.Sleep(idle / 5) // the server's pace, not a wait for the client
					}
				}
			}()
		}
	}()
	b := silentBackend(t, "http://"+l.Addr().String()+"/"+azurite.Account)
	got, err := b.Read(context.Background())
	if err != nil || got == nil || got.Lineage != s.Lineage {
		t.Fatalf("Read of a slow but moving answer = %+v, %v; want the state", got, err)
	}
	if n := requests.Load(); n != 1 {
		t.Errorf("the state was asked for %d times; want once (no attempt cut)", n)
	}
}
