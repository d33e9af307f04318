package graph

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"time"
)

// meta travels in a request's context so that the transport, the retry
// policy and the redirect policy, which only see *http.Request, know what
// the request is.
type meta struct {
	op         string // for logs and errors, e.g. "list attachments"
	mailbox    string // whose limits the request counts against
	idempotent bool   // safe to resend after its answer was lost
	auth       bool   // wants the bearer token (still only on the Graph origin)
	session    bool   // the URL is an upload-session URL: a credential
	body       *bodyState
	answer     answerKind  // what a successful answer is, for its cap and deadline
	maxAnswer  int64       // raises the kind's cap: answerContent's is the kind's largest file, a small POST's the attachment it echoes
	header     http.Header // extra headers of a GET made with getJSON (a directory page's ConsistencyLevel)
	watch      *callWatch  // set by the first attempt: what outlives one attempt
	silent     int         // attempts in a row ended by the idle timeout (attempts are sequential)
	attempts   int         // attempts sent so far, against the policy's budget (ReadContent sends a call again)
}

type metaKey struct{}

func withMeta(ctx context.Context, m *meta) context.Context {
	return context.WithValue(ctx, metaKey{}, m)
}

func metaFrom(ctx context.Context) *meta {
	if m, ok := ctx.Value(metaKey{}).(*meta); ok {
		return m
	}
	return &meta{op: "request"}
}

// transport is the per-attempt layer under the retry policy: it attaches the
// token (Graph origin only), waits for the mailbox's limiter, records
// whether the request reached the wire, feeds throttling back to the
// limiter, and logs one redacted line per attempt.
type transport struct {
	c    *Client
	base http.RoundTripper
}

// attemptError is a failure of one attempt below HTTP: sent says whether the
// request may have reached the server, which decides if resending is safe.
type attemptError struct {
	sent bool
	err  error
	// silent: nothing moved for the idle timeout (quiet), while doing.
	silent bool
	quiet  time.Duration
	doing  string
}

func (e *attemptError) Error() string { return e.err.Error() }
func (e *attemptError) Unwrap() error { return e.err }

// preSendError is a failure before anything was attempted (no token, a
// cancelled wait for the limiter): never retried by the policy.
type preSendError struct{ err error }

func (e *preSendError) Error() string { return e.err.Error() }
func (e *preSendError) Unwrap() error { return e.err }

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	c := t.c
	m := metaFrom(req.Context())
	req = req.Clone(req.Context())
	// Whatever set it, Authorization only ever goes out with a token we
	// attach here, for the Graph origin, to a request that asks for it.
	req.Header.Del("Authorization")
	if m.auth && origin(req.URL) == c.origin {
		tok, err := c.tokens.get(req.Context())
		if err != nil {
			return nil, &preSendError{err}
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	// What the mailbox's upload budget counts: the bodies of requests
	// that write to it. A $batch's body only describes its inner GETs; it
	// counts as a request of the mailbox, not as bytes uploaded to it
	// (counting it would open the client's upload window before Graph's,
	// and close it before Graph's too).
	var upload int64
	if (req.Method == http.MethodPost || req.Method == http.MethodPut || req.Method == http.MethodPatch) && m.op != opBatch {
		upload = max(req.ContentLength, 0)
	}
	// A host another request gave up on is not waited on again, until
	// it answers one still in flight.
	host := c.hosts.get(req.URL.Host)
	if since, given := host.given(c.holdSilent()); given {
		return nil, &preSendError{&noAnswerError{host: req.URL.Host, op: m.op, since: since}}
	}
	release, err := c.limits.acquire(req.Context(), m.mailbox, upload)
	if err != nil {
		return nil, &preSendError{err}
	}
	if m.watch == nil {
		m.watch = newCallWatch(req.Context(), req.URL.Host, host)
	}
	m.attempts++
	var wrote atomic.Bool
	ctx, wd := c.armWatchdog(req.Context(), m.watch, upload)
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		ConnectDone:          func(string, string, error) { wd.moved(false) },
		TLSHandshakeDone:     func(tls.ConnectionState, error) { wd.moved(false) },
		GotConn:              func(httptrace.GotConnInfo) { wd.step.Store(stepSending); wd.moved(false) },
		WroteHeaders:         func() { wrote.Store(true); wd.moved(false) },
		WroteRequest:         func(httptrace.WroteRequestInfo) { wd.step.Store(stepWaiting); wd.moved(false) },
		GotFirstResponseByte: func() { wd.moved(true) },
	})
	if req.Body != nil && req.Body != http.NoBody {
		req.Body = &movingBody{ReadCloser: req.Body, w: wd}
	}
	if get := req.GetBody; get != nil {
		// net/http resends a body by itself on a stale pooled connection.
		req.GetBody = func() (io.ReadCloser, error) {
			b, err := get()
			if err != nil || b == nil || b == http.NoBody {
				return b, err
			}
			return &movingBody{ReadCloser: b, w: wd}, nil
		}
	}
	start := time.Now()
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	took := time.Since(start)
	if err != nil {
		wd.stop()
		release()
		ae := &attemptError{sent: wrote.Load(), err: err}
		if req.Context().Err() == nil {
			if terr := wd.timedOut(0); terr != nil {
				ae.err = terr
				ae.silent, ae.quiet, ae.doing = wd.fired.Load() == fireIdle, wd.idle, wd.doing(0)
			}
		}
		c.log.Trace("graph request failed", "op", m.op, "method", req.Method, "url", logURL(req, m), "sent", ae.sent, "ms", took.Milliseconds(), "error", Redact(ae.err.Error()))
		return nil, ae
	}
	if throttleStatus(resp.StatusCode) {
		ra, ok := retryAfter(resp.Header, time.Now())
		if ok && ra > c.bounds.MaxRetryAfter {
			// The change ends without waiting (see send); the mailbox's
			// other requests must not wait that long either.
			ra = 0
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			if window, cut := c.limits.throttled(m.mailbox, start, ra); cut {
				c.log.Debug("mailbox throttled", "mailbox", m.mailbox, "retry_after", ra, "concurrency", window)
			}
		}
	} else if resp.StatusCode < 300 {
		c.limits.succeeded(m.mailbox)
	}
	c.log.Trace("graph request", "op", m.op, "method", req.Method, "url", logURL(req, m), "status", resp.StatusCode, "ms", took.Milliseconds(), "request_id", resp.Header.Get("request-id"))
	// The body stays under the watchdog, with the safety cap sized to what
	// it may hold, and its cap: only a successful answer is believed in
	// full; of an error, the first errorBodyLimit bytes are read.
	limit := int64(-1)
	expect := int64(errorBodyLimit)
	if resp.StatusCode < 300 {
		limit = c.answerCap(m)
		expect = limit
	}
	if resp.ContentLength >= 0 {
		expect = min(expect, resp.ContentLength)
	}
	wd.answered(c.bounds, expect)
	body := &boundedBody{
		ReadCloser: &releasingBody{ReadCloser: resp.Body, release: release},
		op:         m.op, kind: m.answer, dl: wd, max: limit, declared: resp.ContentLength,
	}
	if m.answer == answerContent && resp.StatusCode < 300 {
		// Attachment content streams to its reader. Its silences in a
		// row end only with a whole answer, as a JSON answer's do: one
		// that stops midway is read again (ReadContent).
		resp.Body = body
		return resp, nil
	}
	// Every other answer is read whole here, as part of the attempt: one
	// that stops coming fails the attempt, which the retry policy then
	// resends (or, for a request that changed something, reports as
	// ErrAmbiguous), instead of failing the caller's read.
	read := limit
	if read < 0 {
		read = errorBodyLimit
	}
	var buf bytes.Buffer
	if resp.ContentLength >= 0 {
		buf.Grow(int(min(resp.ContentLength, read)) + bytes.MinRead)
	}
	_, rerr := buf.ReadFrom(io.LimitReader(body, read+1))
	body.Close()
	raw := buf.Bytes()
	switch {
	case rerr != nil && errors.Is(rerr, ErrTimeout):
		ae := &attemptError{sent: true, err: wd.timedOut(body.read)} // without the op: send's errors add it
		ae.silent, ae.quiet, ae.doing = wd.fired.Load() == fireIdle, wd.idle, wd.doing(body.read)
		return nil, ae
	case rerr != nil && errors.Is(rerr, ErrAnswerTooLarge):
		resp.Body = &failingBody{err: rerr} // the caller reports it
	case rerr != nil:
		return nil, &attemptError{sent: true, err: rerr}
	default:
		m.silent = 0 // a whole answer: the silences before it were not in a row
		if limit < 0 && int64(len(raw)) > errorBodyLimit {
			raw = raw[:errorBodyLimit]
		}
		resp.Body = &wholeBody{Reader: bytes.NewReader(raw), raw: raw}
	}
	return resp, nil
}

// wholeBody is an answer read whole by the transport; readCapped takes
// its bytes as they are instead of copying them again.
type wholeBody struct {
	*bytes.Reader
	raw []byte
}

func (b *wholeBody) Close() error { return nil }

// failingBody is an answer whose reading failed in the transport.
type failingBody struct{ err error }

func (b *failingBody) Read([]byte) (int, error) { return 0, b.err }
func (b *failingBody) Close() error             { return nil }

// logURL is what a log line may show of a request's URL: nothing of an
// upload-session URL, the redacted path and query of the rest.
func logURL(req *http.Request, m *meta) string {
	if m.session {
		return "<upload URL>"
	}
	return Redact(req.URL.RequestURI())
}

// releasingBody gives the mailbox's concurrency slot back when the answer
// has been read: a streamed $value holds its slot until closed, as Graph
// counts it until then.
type releasingBody struct {
	io.ReadCloser
	once    sync.Once
	release func()
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}
