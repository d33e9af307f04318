package azurerm

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/attachform/attachform/internal/azurite"
	"github.com/attachform/attachform/state"
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
	b, err := open(state.OpenOptions{
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
	for _, tc := range []struct {
		name, answer, waited string
	}{
		{"no answer", "", "the answer to"},
		{"headers then silence", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nETag: \"x\"\r\nContent-Type: application/json\r\n\r\n{\"vers", "the rest of the answer to GET"},
	} {
		t.Run(tc.name, func(t *testing.T) {
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
