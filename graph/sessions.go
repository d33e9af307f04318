package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/attachform/attachform/item"
	"io"
	"net/http"
	"strings"
	"time"
)

// CreateUploadSession opens an upload session for a, of a.Size bytes.
// Outlook needs at least 3 MB (else ErrSessionTooSmall) and at most 150 MB;
// To Do takes any size up to 25 MB. The upload URL is checked before it is
// returned: one that Upload would refuse is refused here (ErrUnsafeURL).
//
// Unlike adding an attachment, creating a session is resent after a lost
// answer: an unused session adds nothing to the item and expires by itself,
// and Graph offers no way to find the lost one.
func (c *Client) CreateUploadSession(ctx context.Context, it item.Ref, a NewAttachment) (*UploadSession, error) {
	p, err := itemPath(it)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opCreateSession, err)
	}
	if a.Name == "" || a.Size < 0 {
		return nil, fmt.Errorf("%s: the attachment needs a name and a size", opCreateSession)
	}
	type outlookItem struct {
		AttachmentType string `json:"attachmentType"`
		Name           string `json:"name"`
		Size           int64  `json:"size"`
		ContentType    string `json:"contentType,omitempty"`
		IsInline       bool   `json:"isInline,omitempty"`
		ContentID      string `json:"contentId,omitempty"`
	}
	type todoInfo struct {
		AttachmentType string `json:"attachmentType"`
		Name           string `json:"name"`
		Size           int64  `json:"size"`
		ContentType    string `json:"contentType,omitempty"`
	}
	// Outlook's parameter is PascalCase (AttachmentItem), To Do's
	// camelCase (attachmentInfo); only Outlook's has inline properties.
	var v any
	switch t := it.Kind.Traits(); {
	case t.SessionParameter == "":
		return nil, fmt.Errorf("%s: item kind %q takes no upload sessions", opCreateSession, it.Kind)
	case t.Inline:
		v = map[string]outlookItem{t.SessionParameter: {"file", a.Name, a.Size, a.ContentType, a.Inline, a.ContentID}}
	default:
		v = map[string]todoInfo{t.SessionParameter: {"file", a.Name, a.Size, a.ContentType}}
	}
	body, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opCreateSession, err)
	}
	resp, err := c.send(ctx, &call{
		meta:   meta{op: opCreateSession, mailbox: it.Mailbox, idempotent: true, auth: true},
		method: http.MethodPost,
		url:    c.apiURL(p + "/attachments/createUploadSession"),
		header: http.Header{"Content-Type": {"application/json"}},
		body:   func() (io.Reader, error) { return bytes.NewReader(body), nil },
		length: int64(len(body)),
	})
	if err != nil {
		return nil, err
	}
	raw, err := c.readAnswer(opCreateSession, resp, http.StatusCreated, http.StatusOK)
	if err != nil {
		return nil, err
	}
	s, err := parseSession(raw, a.Size)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opCreateSession, err)
	}
	if _, err := c.checkUploadURL(it.Kind, s.URL); err != nil {
		return nil, fmt.Errorf("%s: %w", opCreateSession, err)
	}
	s.Item = it
	return s, nil
}

// parseSession reads createUploadSession's answer for a file of size
// bytes: the upload URL (required), its expiry and the first byte
// expected.
func parseSession(raw []byte, size int64) (*UploadSession, error) {
	var sj struct {
		UploadURL  string `json:"uploadUrl"`
		Expiration string `json:"expirationDateTime"`
	}
	if err := json.Unmarshal(raw, &sj); err != nil || sj.UploadURL == "" {
		return nil, errors.New("no uploadUrl in Graph's answer")
	}
	s := &UploadSession{URL: sj.UploadURL}
	if t, err := time.Parse(time.RFC3339Nano, sj.Expiration); err == nil {
		s.Expires = t
	}
	// The first range is always "0-"; a missing or odd one changes nothing.
	if next, err := parseNextRanges(raw); err == nil && next <= size {
		s.Next = next
	}
	return s, nil
}

// Upload sends r's bytes [s.Next, size) through the session, one range at a
// time and in order, each read straight from r (nothing is buffered whole),
// and returns the new attachment's id. s.Next follows every range the
// server confirms, and progress (if not nil) is called with it, so an
// interrupted upload resumes from s.Next. A non-nil error from progress
// stops the upload before its next range, and Upload returns that error:
// the session stays open for a later run to resume.
//
// The next offset always comes from the server's answer, never from what was
// sent. When an answer is lost, the client asks the server where the session
// stands (its status, or the 416 a resent range earns) before going on; it
// never sends a range twice blindly. If the lost answer was the final
// range's and the session is gone, the attachment was most likely created
// under an id nobody saw: the error wraps ErrAmbiguous, so look for it on the
// item. An expired session gives ErrSessionExpired.
func (c *Client) Upload(ctx context.Context, s *UploadSession, r io.ReaderAt, size int64, progress func(confirmed int64) error) (string, error) {
	if s == nil {
		return "", fmt.Errorf("%s: no session", opUploadRange)
	}
	if _, err := c.checkUploadURL(s.Item.Kind, s.URL); err != nil {
		return "", fmt.Errorf("%s: %w", opUploadRange, err)
	}
	if size <= 0 {
		return "", fmt.Errorf("%s: an upload session needs at least one byte", opUploadRange)
	}
	if s.Next < 0 || s.Next > size {
		return "", fmt.Errorf("%s: next offset %d is outside the file's %d bytes", opUploadRange, s.Next, size)
	}
	put := s.URL
	if suffix := s.Item.Kind.Traits().RangeSuffix; suffix != "" {
		put = withPathSuffix(s.URL, suffix)
	}
	w := newUploadWatch(s, size, c.rangeSize, progress)
	for {
		if s.Next >= size {
			return "", fmt.Errorf("%s: %w: Graph holds every byte but never answered with the attachment's location; look for it on the item", opUploadRange, ErrAmbiguous)
		}
		if c.expired(s) {
			return "", expiredError(opUploadRange, s)
		}
		if err := w.put(); err != nil {
			return "", err
		}
		start := s.Next
		// Near the end of the mailbox's upload window a shorter range
		// uses what is left of it, instead of idling until the next
		// window; those shorter ranges are extra PUTs, not a sign of
		// a session going nowhere.
		n := min(c.rangeSize, size-start)
		if fitted := c.limits.fit(s.Item.Mailbox, n, rangeUnit); fitted < n {
			n = fitted
			w.budget++
		}
		end := start + n - 1
		ans, err := c.putRange(ctx, s, put, r, start, end, size)
		var next int64
		switch {
		case err != nil:
			if err := c.afterLostAnswer(ctx, w, start, end, err); err != nil {
				return "", err
			}
			continue
		case ans.status == http.StatusCreated:
			return c.finished(w, put, ans)
		case ans.status == http.StatusRequestedRangeNotSatisfiable:
			if next, err = parseNextRanges(ans.body); err != nil {
				if next, err = c.SessionStatus(ctx, s); err != nil {
					return "", fmt.Errorf("%w; reading the session's status failed too: %v", ans.err, err)
				}
			}
		default:
			if next, err = parseNextRanges(ans.body); err != nil {
				return "", fmt.Errorf("%s: reading Graph's answer: %w", opUploadRange, err)
			}
		}
		if err := w.advance(start, next); err != nil {
			return "", err
		}
	}
}

// afterLostAnswer finds out where the session stands when the answer to
// the range [start, end] was lost (err), moving the session on; nil means
// go on sending. It never resends blindly: with no status to be had, the
// range is resent and the server's answer (200, or 416 with the range it
// expects) says where it stands.
func (c *Client) afterLostAnswer(ctx context.Context, w *uploadWatch, start, end int64, err error) error {
	if !errors.Is(err, ErrAmbiguous) || ctx.Err() != nil {
		return err
	}
	next, serr := c.SessionStatus(ctx, w.s)
	switch {
	case serr == nil:
		return w.advance(start, next)
	case errors.Is(serr, ErrNotFound) && end == w.size-1:
		// Gone or expired (an expired session matches ErrNotFound too):
		// either way the final range may have made the attachment.
		return fmt.Errorf("%s: %w: the answer to the final range was lost and the session is gone, so the attachment was most likely created; look for it on the item (%v)", opUploadRange, ErrAmbiguous, err)
	case errors.Is(serr, ErrNotFound), errors.Is(serr, ErrNoAnswer), ctx.Err() != nil:
		return serr
	}
	if w.stalls++; w.stalls > maxStalls {
		return fmt.Errorf("%s: %w; reading the session's status failed too: %v", opUploadRange, err, serr)
	}
	return nil
}

// finished believes a 201's Location only on Graph's hosts, and returns the
// attachment id it names.
func (c *Client) finished(w *uploadWatch, put string, ans *rangeAnswer) (string, error) {
	if err := c.checkLocation(put, ans.location); err != nil && strings.TrimSpace(ans.location) != "" {
		return "", fmt.Errorf("%s: %w: the upload finished, but Graph's answer is not believed (%w); look for the attachment on the item", opUploadRange, ErrAmbiguous, err)
	}
	id, err := parseLocation(ans.location)
	if err != nil {
		return "", fmt.Errorf("%s: %w: the upload finished but its attachment id is unknown (%v); look for it on the item", opUploadRange, ErrAmbiguous, err)
	}
	w.s.Next = w.size
	_ = w.progress(w.size) // done: nothing is left to stop
	return id, nil
}

// uploadWatch moves a session's next byte to what Graph says it expects,
// and ends an upload that does not move forward. Every PUT counts against
// a budget: each range left twice over, and a few more for answers lost.
// A session that goes back and forth (the server's next expected byte
// falling below one it had confirmed) runs out of it, or out of its few
// allowed regressions, sooner; one that stays put runs out of stalls.
type uploadWatch struct {
	s        *UploadSession
	size     int64
	progress func(confirmed int64) error

	left, budget, puts  int64 // left: the bytes still to send when the upload began
	highest             int64 // the furthest byte Graph ever expected
	regressions, stalls int
}

// maxStalls is how many PUTs in a row may leave a session where it was.
const maxStalls = 3

func newUploadWatch(s *UploadSession, size, rangeSize int64, progress func(int64) error) *uploadWatch {
	if progress == nil {
		progress = func(int64) error { return nil }
	}
	ranges := (size - s.Next + rangeSize - 1) / rangeSize
	return &uploadWatch{s: s, size: size, progress: progress, left: size - s.Next, budget: 2*ranges + 8, highest: s.Next}
}

// put counts a PUT about to be sent against the budget.
func (w *uploadWatch) put() error {
	if w.puts++; w.puts > w.budget {
		return fmt.Errorf("%s: %w: %d ranges sent for the %d bytes that were left and Graph still expects byte %d; the session is not moving forward: cancel it and start a new one",
			opUploadRange, ErrMisbehaving, w.puts-1, w.left, w.s.Next)
	}
	return nil
}

// advance moves the session to next, the byte Graph expects after a range
// that started at from, and reports progress when it moved forward.
func (w *uploadWatch) advance(from, next int64) error {
	if next > w.size {
		return fmt.Errorf("%s: %w: Graph expects byte %d of a %d-byte file", opUploadRange, ErrMisbehaving, next, w.size)
	}
	if next < w.highest {
		if w.regressions++; w.regressions > maxRegressions {
			return fmt.Errorf("%s: %w: the session went back %d times (Graph expected byte %d after confirming up to byte %d); it is not moving forward: cancel it and start a new one", opUploadRange, ErrMisbehaving, w.regressions, next, w.highest)
		}
	}
	w.highest = max(w.highest, next)
	if next > from {
		w.stalls = 0
	} else if w.stalls++; w.stalls > maxStalls {
		return fmt.Errorf("%s: %w: the session is not advancing (Graph keeps expecting byte %d); cancel it and start a new one", opUploadRange, ErrMisbehaving, next)
	}
	w.s.Next = next
	if next > from {
		return w.progress(next)
	}
	return nil
}

// maxRegressions is how often an upload session may go back (the
// server's next expected byte below one it had confirmed) before the
// upload gives up on it.
const maxRegressions = 2

// rangeAnswer is a PUT's useful answer: 200/202 (more expected), 201 (done)
// or 416 (not the range the server expects; err holds it as an *Error).
type rangeAnswer struct {
	status   int
	location string
	body     []byte
	err      *Error
}

// putRange sends bytes [start, end] of size as one PUT, the body read
// straight from r. Outlook's pre-authenticated URL gets no Authorization,
// To Do's gets the token.
func (c *Client) putRange(ctx context.Context, s *UploadSession, put string, r io.ReaderAt, start, end, size int64) (*rangeAnswer, error) {
	n := end - start + 1
	// The body state tells the retry policy when a failure was our own
	// reader's (a source that changed, a stop): that is not resent.
	body := repeatableBody(func() io.Reader { return io.NewSectionReader(r, start, n) })
	m := c.sessionMeta(opUploadRange, s, false)
	m.body = body
	resp, err := c.send(ctx, &call{
		meta:   m,
		method: http.MethodPut,
		url:    put,
		header: http.Header{
			"Content-Type":  {"application/octet-stream"},
			"Content-Range": {fmt.Sprintf("bytes %d-%d/%d", start, end, size)},
		},
		body:   body.open,
		length: n,
	})
	if err != nil {
		return nil, err
	}
	switch resp.StatusCode {
	case http.StatusOK, http.StatusAccepted, http.StatusCreated:
		// No body is required: the final 201 has none.
		body, err := readCapped(resp.Body, errorBodyLimit)
		resp.Body.Close()
		if err != nil && resp.StatusCode != http.StatusCreated {
			return nil, fmt.Errorf("%s: reading Graph's answer: %w", opUploadRange, err)
		}
		return &rangeAnswer{status: resp.StatusCode, location: resp.Header.Get("Location"), body: body}, nil
	case http.StatusRequestedRangeNotSatisfiable:
		body, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyLimit))
		resp.Body.Close()
		e := decodeError(resp.StatusCode, resp.Header, body)
		e.Op = opUploadRange
		return &rangeAnswer{status: resp.StatusCode, body: body, err: e}, nil
	}
	return nil, sessionError(responseError(opUploadRange, resp), s, c.now())
}

// SessionStatus asks the server which byte it expects next (GET on the
// upload URL). Outlook does not document this request; when it fails
// otherwise than "not found", Upload falls back to resending a range and
// reading the 416. A session the server no longer knows gives ErrNotFound,
// and ErrSessionExpired too once its expiry has passed.
func (c *Client) SessionStatus(ctx context.Context, s *UploadSession) (int64, error) {
	if s == nil {
		return 0, fmt.Errorf("%s: no session", opSessionStatus)
	}
	if _, err := c.checkUploadURL(s.Item.Kind, s.URL); err != nil {
		return 0, fmt.Errorf("%s: %w", opSessionStatus, err)
	}
	if c.expired(s) {
		return 0, expiredError(opSessionStatus, s)
	}
	resp, err := c.send(ctx, &call{meta: c.sessionMeta(opSessionStatus, s, true), method: http.MethodGet, url: s.URL})
	if err != nil {
		return 0, err
	}
	raw, err := c.readAnswer(opSessionStatus, resp, http.StatusOK)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return 0, sessionError(e, s, c.now())
		}
		return 0, err
	}
	next, err := parseNextRanges(raw)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", opSessionStatus, err)
	}
	return next, nil
}

// CancelSession deletes the session (DELETE on the upload URL; Outlook's
// without Authorization). A session already gone or expired gives an error
// matching ErrNotFound, which callers may treat as done.
func (c *Client) CancelSession(ctx context.Context, s *UploadSession) error {
	if s == nil {
		return fmt.Errorf("%s: no session", opCancelSession)
	}
	if _, err := c.checkUploadURL(s.Item.Kind, s.URL); err != nil {
		return fmt.Errorf("%s: %w", opCancelSession, err)
	}
	m := c.sessionMeta(opCancelSession, s, true)
	resp, err := c.send(ctx, &call{meta: m, method: http.MethodDelete, url: s.URL})
	if err != nil {
		return err
	}
	if err := c.decodeJSON(&m, resp, nil, http.StatusNoContent, http.StatusOK); err != nil {
		var e *Error
		if errors.As(err, &e) {
			return sessionError(e, s, c.now())
		}
		return err
	}
	return nil
}

// sessionMeta describes a request to an upload URL: it is a credential
// (never logged, never redirected), and only To Do's get the bearer token.
func (c *Client) sessionMeta(op string, s *UploadSession, idempotent bool) meta {
	return meta{op: op, mailbox: s.Item.Mailbox, idempotent: idempotent, auth: !s.Item.Kind.Traits().PreAuthenticatedUploadURL, session: true}
}

func (c *Client) expired(s *UploadSession) bool {
	return !s.Expires.IsZero() && !c.now().Before(s.Expires)
}

// expiredError is an expired session noticed by the client's own clock,
// before asking the server; it matches ErrSessionExpired and ErrNotFound,
// as the server's answer would.
func expiredError(op string, s *UploadSession) error {
	return &sessionExpiredError{op: op, at: s.Expires}
}

type sessionExpiredError struct {
	op string
	at time.Time
}

func (e *sessionExpiredError) Error() string {
	return fmt.Sprintf("%s: the upload session expired at %s; start a new one", e.op, e.at.UTC().Format(time.RFC3339))
}

func (e *sessionExpiredError) Is(target error) bool {
	return target == ErrSessionExpired || target == ErrNotFound
}

// withPathSuffix appends suffix to u's path, e.g. To Do's PUT target
// {uploadUrl}/content.
func withPathSuffix(u, suffix string) string {
	rest := ""
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u, rest = u[:i], u[i:]
	}
	return strings.TrimRight(u, "/") + suffix + rest
}

// readAnswer reads a JSON answer with one of the ok statuses, at most
// Bounds.MaxAnswer of it (more is an error, never a truncated answer).
func (c *Client) readAnswer(op string, resp *http.Response, ok ...int) ([]byte, error) {
	for _, st := range ok {
		if resp.StatusCode == st {
			defer resp.Body.Close()
			raw, err := readCapped(resp.Body, c.bounds.MaxAnswer)
			if err != nil {
				return nil, fmt.Errorf("%s: reading Graph's answer: %w", op, err)
			}
			return raw, nil
		}
	}
	return nil, responseError(op, resp)
}
