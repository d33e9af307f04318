package graph

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// A connection that goes dead under HTTP/2 (a proxy that keeps the socket
// open and forwards nothing) must not take the retry with it: the health
// ping closes it, and the next request dials afresh. Without the ping the
// pool hands the dead connection out again and the request hangs.
func TestDeadHTTP2ConnectionIsNotReused(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	proxy := newSilencingProxy(t, srv.Listener.Addr().String())

	tr := newTransport(400 * time.Millisecond)
	tr.TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}
	get := func(d time.Duration) (*http.Response, error) {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", "https://"+proxy.addr()+"/", nil)
		resp, err := hc.Do(req)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		return resp, err
	}

	resp, err := get(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if resp.ProtoMajor != 2 {
		t.Fatalf("the test needs HTTP/2, got %s", resp.Proto)
	}
	proxy.silence()
	_, _ = get(time.Second) // the attempt the idle deadline would end
	if _, err := get(10 * time.Second); err != nil {
		t.Fatalf("the request after a dead connection: %v (the pool reused it)", err)
	}
	if n := proxy.dials(); n < 2 {
		t.Errorf("%d connections to the server, want a second one after the first went dead", n)
	}
}

// silencingProxy forwards TCP to a server until silence, after which the
// connections it holds stay open and carry nothing; new ones forward.
type silencingProxy struct {
	ln      net.Listener
	mu      sync.Mutex
	dead    chan struct{} // closed by silence for the connections before it
	accepts int
}

func newSilencingProxy(t *testing.T, backend string) *silencingProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &silencingProxy{ln: ln, dead: make(chan struct{})}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b, err := net.Dial("tcp", backend)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.accepts++
			dead := p.dead
			p.mu.Unlock()
			t.Cleanup(func() { c.Close(); b.Close() })
			go pipeUntil(c, b, dead)
			go pipeUntil(b, c, dead)
		}
	}()
	return p
}

func (p *silencingProxy) addr() string { return p.ln.Addr().String() }

func (p *silencingProxy) dials() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepts
}

func (p *silencingProxy) silence() {
	p.mu.Lock()
	defer p.mu.Unlock()
	close(p.dead)
	p.dead = make(chan struct{})
}

// pipeUntil copies src to dst until dead is closed, then reads and drops
// what src sends, as a black hole would.
func pipeUntil(dst, src net.Conn, dead chan struct{}) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if err != nil {
			return
		}
		select {
		case <-dead:
			continue
		default:
		}
		if _, err := dst.Write(buf[:n]); err != nil {
			return
		}
	}
}
