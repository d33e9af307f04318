package graph

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/hashicorp/go-cleanhttp"
)

// sendBuffer is the socket send buffer asked for (Linux doubles it).
const sendBuffer = 256 << 10

// newTransport is the pooled transport the client uses when it is given
// none, tuned for an idle timeout of idle.
func newTransport(idle time.Duration) *http.Transport {
	t := cleanhttp.DefaultPooledTransport()
	// Upload ranges are megabytes each: bigger socket buffers than the
	// 4 KiB default cut system calls several times over.
	t.WriteBufferSize = 64 << 10
	t.ReadBufferSize = 64 << 10
	// Never ask for compressed answers: $value's Content-Length must be
	// the real byte count.
	t.DisableCompression = true
	// A server that took a request and never answers must not hang an
	// apply: every attempt has a deadline on progress (see idle.go), so
	// the transport sets none of its own beyond cleanhttp's for dialling
	// (30 s) and the TLS handshake (10 s). Progress is seen as bytes
	// handed to the socket, so its send buffer is kept small: what the
	// kernel holds unsent drains within the idle timeout on any link
	// faster than about 10 KB/s, while 512 KiB in flight still carries
	// megabytes a second, more than a mailbox's upload budget allows.
	dial := t.DialContext
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetWriteBuffer(sendBuffer)
		}
		return conn, err
	}
	// Graph speaks HTTP/2, where an attempt the idle deadline ends resets
	// only its own stream: the connection stays in the pool, and the retry
	// would go out on it again, into the same silence. A ping after half
	// an idle timeout without a frame, unanswered for the other half,
	// closes a dead connection, so the retry dials afresh.
	half := idle / 2
	t.HTTP2 = &http.HTTP2Config{SendPingTimeout: half, PingTimeout: half, WriteByteTimeout: idle}
	return t
}
