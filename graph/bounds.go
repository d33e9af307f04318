package graph

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/attachform/attachform/internal/bytesize"
)

// Defaults of Bounds. Every one is documented in README.md ("Hostile
// input"), and each has a test with a hostile server (hostile_test.go).
const (
	// DefaultIdleTimeout is how long an attempt waits while no byte moves,
	// either way (connecting, sending, waiting for the answer, reading
	// it), before it fails and the retry policy takes over (see idle.go).
	DefaultIdleTimeout = time.Minute
	// DefaultAttemptCap and DefaultMinRate are the safety cap on an
	// attempt that keeps moving: it ends after DefaultAttemptCap plus its
	// request's size at DefaultMinRate, and its answer's body gets as
	// long again plus its size. Only a server trickling an endless answer
	// reaches it: a 3.75 MiB range on a 1 KiB/s link still gets its hour.
	DefaultAttemptCap = 30 * time.Minute
	DefaultMinRate    = 1 << 10 // bytes per second
	// DefaultMaxRetryAfter is the longest Retry-After honoured: a longer
	// one ends the change at once instead of waiting (Graph's own budget
	// waits are seconds to minutes).
	DefaultMaxRetryAfter = 15 * time.Minute
	// DefaultMaxPages bounds the pages of one listing. With Graph's page
	// sizes that is far more attachments than an item can hold and
	// 100,000 lookup results.
	DefaultMaxPages = 1000
	// DefaultMaxAnswer caps one JSON object (an attachment, an upload
	// session, a range's answer): Graph's are under a kilobyte.
	DefaultMaxAnswer = 1 << 20
	// DefaultMaxListPage caps one page of a listing.
	DefaultMaxListPage = 4 << 20
	// DefaultMaxBatchAnswer caps a $batch answer: 20 listings.
	DefaultMaxBatchAnswer = 16 << 20
)

// Bounds limit how long the client waits on a server and how much of an
// answer it reads, so that a misbehaving Graph, or a proxy in between,
// ends a run with a clear error instead of hanging it or exhausting its
// memory. Zero fields take the defaults above; tests lower them.
type Bounds struct {
	// IdleTimeout: an attempt in which no byte moved, either way, for
	// this long fails with ErrTimeout (and is retried by the policy);
	// SilentAttempts of them in a row end the request with ErrNoAnswer.
	IdleTimeout time.Duration
	// AttemptCap and MinRate (bytes per second) are the safety cap on an
	// attempt that keeps moving: AttemptCap plus its request body's size
	// at MinRate, and for its answer's body AttemptCap plus its size (its
	// Content-Length, else its cap) at MinRate.
	AttemptCap time.Duration
	MinRate    int64
	// MaxRetryAfter: a Retry-After (seconds or HTTP date) above it ends
	// the change at once with an error wrapping ErrWaitTooLong.
	MaxRetryAfter time.Duration
	// MaxPages: a listing that names a next page more often fails with
	// ErrMisbehaving.
	MaxPages int
	// Answer caps in bytes: an answer above its cap fails with
	// ErrAnswerTooLarge before or as soon as it is exceeded. Attachment
	// content ($value) is capped by its item kind's largest file; of an
	// error answer, the first 64 KiB are read and the rest ignored.
	MaxAnswer      int64
	MaxListPage    int64
	MaxBatchAnswer int64
}

func (b Bounds) withDefaults() Bounds {
	if b.IdleTimeout <= 0 {
		b.IdleTimeout = DefaultIdleTimeout
	}
	if b.AttemptCap <= 0 {
		b.AttemptCap = DefaultAttemptCap
	}
	if b.MinRate <= 0 {
		b.MinRate = DefaultMinRate
	}
	if b.MaxRetryAfter <= 0 {
		b.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if b.MaxPages <= 0 {
		b.MaxPages = DefaultMaxPages
	}
	if b.MaxAnswer <= 0 {
		b.MaxAnswer = DefaultMaxAnswer
	}
	if b.MaxListPage <= 0 {
		b.MaxListPage = DefaultMaxListPage
	}
	if b.MaxBatchAnswer <= 0 {
		b.MaxBatchAnswer = DefaultMaxBatchAnswer
	}
	return b
}

// transferTime is how long n bytes may take at the slowest rate waited for.
func (b Bounds) transferTime(n int64) time.Duration {
	if n <= 0 {
		return 0
	}
	secs := float64(n) / float64(b.MinRate)
	if secs > float64(24*time.Hour/time.Second) {
		return 24 * time.Hour
	}
	return time.Duration(secs * float64(time.Second))
}

// Sentinels of a misbehaving server; every such error says which request
// and what went wrong.
var (
	// ErrTimeout: an attempt in which nothing moved for the idle timeout,
	// or an answer still coming when the safety cap ended it.
	ErrTimeout = errors.New("no answer from Graph in time")
	// ErrAnswerTooLarge: an answer larger than its kind's cap.
	ErrAnswerTooLarge = errors.New("answer from Graph too large")
	// ErrWaitTooLong: Graph asked (Retry-After) for a wait longer than the
	// client's maximum; the change ends without waiting.
	ErrWaitTooLong = errors.New("asked by Graph to wait longer than this run waits")
	// ErrMisbehaving: an answer the protocol rules out: a paging chain that
	// never ends or goes in a circle, an upload session that goes back
	// and forth, a redirect loop.
	ErrMisbehaving = errors.New("misbehaving Graph (or a proxy in between)")
)

// answerKind names what a request's answer is, for its cap and its
// deadline.
type answerKind int

const (
	answerObject  answerKind = iota // one JSON object, or no body
	answerPage                      // a page of a listing
	answerBatch                     // a $batch answer
	answerContent                   // attachment bytes ($value), capped by meta.maxAnswer
)

func (k answerKind) String() string {
	switch k {
	case answerPage:
		return "a page of a listing"
	case answerBatch:
		return "a $batch answer"
	case answerContent:
		return "attachment content"
	}
	return "an answer"
}

// answerCap is the most the client reads of a successful answer of m's kind.
func (c *Client) answerCap(m *meta) int64 {
	switch m.answer {
	case answerPage:
		return c.bounds.MaxListPage
	case answerBatch:
		return c.bounds.MaxBatchAnswer
	case answerContent:
		if m.maxAnswer > 0 {
			return m.maxAnswer
		}
	}
	if m.maxAnswer > 0 {
		return max(m.maxAnswer, c.bounds.MaxAnswer)
	}
	return c.bounds.MaxAnswer
}

// boundedBody is an answer's body under its attempt's watchdog and its
// cap. It reads at most max bytes: past that, or when nothing moved for
// the idle timeout, reads fail with an error that names the request and
// what went wrong.
type boundedBody struct {
	io.ReadCloser
	op       string
	kind     answerKind
	dl       *watchdog
	max      int64 // -1: no cap (an error answer; its reader bounds itself)
	read     int64
	declared int64 // Content-Length, -1 unknown
	once     sync.Once
	err      error
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.max >= 0 && b.declared > b.max {
		b.err = b.tooLarge(fmt.Sprintf("declares %s, more", bytesize.Format(b.declared)))
		return 0, b.err
	}
	if b.max >= 0 && int64(len(p)) > b.max-b.read+1 {
		p = p[:b.max-b.read+1]
	}
	b.dl.reading.Add(1)
	b.dl.moved(false) // the idle clock runs from here: the wait is Graph's
	n, err := b.ReadCloser.Read(p)
	b.dl.reading.Add(-1)
	if n > 0 {
		b.dl.moved(true)
	}
	b.read += int64(n)
	if b.max >= 0 && b.read > b.max {
		b.err = b.tooLarge("is larger")
		return 0, b.err
	}
	if err != nil && !errors.Is(err, io.EOF) {
		if terr := b.dl.timedOut(b.read); terr != nil {
			b.err = fmt.Errorf("%s: %w", b.op, terr)
			return n, b.err
		}
	}
	return n, err
}

func (b *boundedBody) tooLarge(what string) error {
	return fmt.Errorf("%s: %w: it %s than %s, the most attachform reads of %s; a server or proxy is misbehaving",
		b.op, ErrAnswerTooLarge, what, bytesize.Format(b.max), b.kind)
}

func (b *boundedBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.dl.stop)
	return err
}

// readCapped reads a whole answer body: the transport's boundedBody fails
// past the cap, and this belt stops at it even without one (a body from a
// test's transport).
func readCapped(r io.Reader, max int64) ([]byte, error) {
	if wb, ok := r.(*wholeBody); ok && wb.Len() == len(wb.raw) {
		if int64(len(wb.raw)) > max {
			return nil, fmt.Errorf("%w: it is larger than %s", ErrAnswerTooLarge, bytesize.Format(max))
		}
		_, _ = wb.Seek(0, io.SeekEnd) // read, as if through Read
		return wb.raw, nil
	}
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err == nil && int64(len(b)) > max {
		return nil, fmt.Errorf("%w: it is larger than %s", ErrAnswerTooLarge, bytesize.Format(max))
	}
	return b, err
}

// retryAfter reads an answer's Retry-After, in seconds or as an HTTP date;
// a date is taken relative to the answer's own Date header when it has
// one, so that a skewed clock on either side does not change the wait.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if h == nil {
		return 0, false
	}
	if date, err := http.ParseTime(h.Get("Date")); err == nil {
		now = date
	}
	return parseRetryAfter(h.Get("Retry-After"), now)
}

// waitTooLong says why a request ends instead of waiting: Graph asked
// for longer than the client waits. It is the message of a waitError,
// which wraps ErrWaitTooLong.
func (c *Client) waitTooLong(op string, status int, d time.Duration) string {
	return fmt.Sprintf("%s: Graph answered %s with Retry-After %s (until %s), longer than the %s attachform waits at most (graph { max_retry_after }); Graph did nothing with this request. Run again after that time, or raise max_retry_after if a run should wait that long",
		op, statusText(status), roundWait(d), time.Now().Add(d).UTC().Format(time.RFC3339), roundWait(c.bounds.MaxRetryAfter))
}

// roundWait writes a wait for people: "90s", "15m", "2h30m", "3 days".
func roundWait(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d >= 2*365*day:
		return fmt.Sprintf("%d years", d/(365*day))
	case d >= 2*day:
		return fmt.Sprintf("%d days", d/day)
	case d >= time.Minute:
		d = d.Round(time.Second)
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// throttleStatus reports whether status is one whose Retry-After the retry
// policy waits for.
func throttleStatus(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable
}

// statusText is "429 Too Many Requests".
func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return strconv.Itoa(code) + " " + t
	}
	return strconv.Itoa(code)
}
