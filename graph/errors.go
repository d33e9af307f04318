package graph

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/attachform/attachform/item"
)

// Sentinels for errors.Is. Every error the client returns for a Graph answer
// is an *Error that matches the sentinels its status and code imply; errors
// decided by the client itself wrap the sentinel with fmt.Errorf.
var (
	// ErrNotFound: the item, attachment or upload session does not exist
	// (any 404). DeleteAttachment and CancelSession report "already gone"
	// with it.
	ErrNotFound = errors.New("not found")
	// ErrThrottled: Graph still answered 429 after the retry policy gave up.
	ErrThrottled = errors.New("throttled by Graph")
	// ErrSessionTooSmall: Outlook refuses upload sessions under 3 MB.
	ErrSessionTooSmall = errors.New("file too small for an Outlook upload session")
	// ErrMessageTooLarge: the item would exceed the mailbox's maximum
	// message size.
	ErrMessageTooLarge = errors.New("item would exceed the mailbox's maximum message size")
	// ErrAccessDenied: Graph answered 403.
	ErrAccessDenied = errors.New("access denied")
	// ErrUnauthenticated: Graph answered 401: no token, or a refused one.
	ErrUnauthenticated = errors.New("not authenticated")
	// ErrSessionExpired: the upload session's expiry has passed; it cannot
	// be resumed. Such errors match ErrNotFound too when Graph no longer
	// knows the session.
	ErrSessionExpired = errors.New("upload session expired")
	// ErrAmbiguous: the request was sent but its answer was lost (connection
	// dropped, or a gateway timeout for a request that is not idempotent),
	// so it may or may not have taken effect. The client never resends such
	// a request blindly. After AddSmall, look at the item's attachments
	// (ListAttachments, Content) and adopt a matching one before adding
	// again. After Upload, the final range may have completed the
	// attachment although its id is unknown: look for it the same way.
	ErrAmbiguous = errors.New("outcome unknown: the answer was lost after the request was sent")
	// ErrUnsafeURL: a URL was refused before anything was sent to it
	// (upload URL off its cloud's hosts, plain http, a paging link to
	// another host, a redirect that would leak a credential).
	ErrUnsafeURL = errors.New("refused unsafe URL")
)

// Error is an error answer from Graph. Its text is redacted and ends with
// what to do about it when that is known.
type Error struct {
	Op         string // what the client was doing, e.g. "create upload session"
	Status     int    // HTTP status
	Code       string // Graph's error code: branch on it, never on Message
	InnerCode  string // innerError.code when Graph sent one (e.g. fragmentOverlap)
	Message    string
	RequestID  string
	RetryAfter time.Duration // from the Retry-After header, 0 when absent
	Hint       string        // advice for the user; empty when there is none

	// also holds sentinels that only the context decides (an expired
	// session, an ambiguous gateway timeout).
	also []error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	b.WriteString("Graph answered ")
	b.WriteString(strconv.Itoa(e.Status))
	if t := http.StatusText(e.Status); t != "" {
		b.WriteString(" ")
		b.WriteString(t)
	}
	if e.Code != "" {
		b.WriteString(" (")
		b.WriteString(e.Code)
		if e.InnerCode != "" {
			b.WriteString("/")
			b.WriteString(e.InnerCode)
		}
		b.WriteString(")")
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(strings.TrimRight(e.Message, ". "))
	}
	if e.RequestID != "" {
		b.WriteString(" [request-id ")
		b.WriteString(e.RequestID)
		b.WriteString("]")
	}
	if e.Hint != "" {
		b.WriteString(". ")
		b.WriteString(e.Hint)
	}
	return Redact(b.String())
}

// Is matches the sentinels the status and code imply.
func (e *Error) Is(target error) bool {
	if slices.Contains(e.also, target) {
		return true
	}
	switch target {
	case ErrNotFound:
		return e.Status == http.StatusNotFound || e.Status == http.StatusGone
	case ErrThrottled:
		return e.Status == http.StatusTooManyRequests
	case ErrAccessDenied:
		return e.Status == http.StatusForbidden || strings.EqualFold(e.Code, "ErrorAccessDenied")
	case ErrUnauthenticated:
		return e.Status == http.StatusUnauthorized
	case ErrSessionTooSmall:
		return strings.EqualFold(e.Code, "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize")
	case ErrMessageTooLarge:
		return strings.EqualFold(e.Code, "ErrorMessageSizeExceeded")
	}
	return false
}

// errorBodyLimit bounds how much of an error answer is read: Graph's are a
// few hundred bytes; a proxy's HTML page need not be read whole.
const errorBodyLimit = 64 << 10

// responseError turns a non-success answer into an *Error, reading (a
// bounded part of) and closing its body.
func responseError(op string, resp *http.Response) *Error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyLimit))
	resp.Body.Close()
	e := decodeError(resp.StatusCode, resp.Header, body)
	e.Op = op
	e.Hint = hintFor(op, e)
	return e
}

// graphErrorBody is Graph's error JSON. encoding/json matches keys without
// regard to case, which is what we want: casing varies between Graph's
// services.
type graphErrorBody struct {
	Error *struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError *struct {
			Code      string `json:"code"`
			RequestID string `json:"request-id"`
		} `json:"innerError"`
	} `json:"error"`
}

// decodeError builds an *Error from a status, headers and body of any shape:
// Graph's JSON, another service's text or HTML, or nothing. It never fails.
func decodeError(status int, h http.Header, body []byte) *Error {
	e := &Error{Status: status}
	var ge graphErrorBody
	if json.Unmarshal(body, &ge) == nil && ge.Error != nil {
		e.Code = clean(ge.Error.Code, 100)
		e.Message = clean(ge.Error.Message, 500)
		if ie := ge.Error.InnerError; ie != nil {
			e.InnerCode = clean(ie.Code, 100)
			e.RequestID = clean(ie.RequestID, 100)
		}
	} else if len(body) > 0 {
		e.Message = clean(string(body), 300)
	}
	if e.RequestID == "" && h != nil {
		e.RequestID = clean(h.Get("request-id"), 100)
	}
	if h != nil {
		if d, ok := parseRetryAfter(h.Get("Retry-After"), time.Now()); ok {
			e.RetryAfter = d
		}
	}
	return e
}

// clean makes untrusted text fit for one line of an error message: valid
// UTF-8, no control characters, whitespace collapsed, at most max runes.
func clean(s string, max int) string {
	var b strings.Builder
	space := false
	n := 0
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsSpace(r) || unicode.IsControl(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
			n++
		}
		space = false
		if n >= max {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// parseRetryAfter reads Retry-After in either of its forms, seconds or an
// HTTP date (relative to now). Any length is read, however long: whether
// to wait that long is the caller's decision (Bounds.MaxRetryAfter).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s < 0 || s != s { // negative, NaN
			return 0, false
		}
		return time.Duration(min(s, maxRetryAfterSeconds) * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// maxRetryAfterSeconds keeps a huge Retry-After from overflowing a
// Duration: 100 years is as good as forever.
const maxRetryAfterSeconds = 100 * 365 * 24 * 3600

// hintFor says what the user can do about e, when we know.
func hintFor(op string, e *Error) string {
	switch {
	case e.Is(ErrSessionTooSmall):
		return "Outlook upload sessions need a file of at least 3 MB; send smaller files with one POST"
	case e.Is(ErrMessageTooLarge):
		return "the item would grow past the mailbox's maximum message size (Exchange Online default 35 MB; an administrator can raise it up to 150 MB with Set-Mailbox -MaxSendSize/-MaxReceiveSize), or remove other attachments first"
	case e.Status == http.StatusForbidden && op == opCreateSession:
		return sessionAccessHint(item.Definitions())
	case e.Status == http.StatusForbidden && (op == opFindGroup || op == opReadMembers):
		return "reading a group and its members needs the permission GroupMember.Read.All (least privilege; Group.Read.All or Directory.Read.All also do), granted with admin consent for an application"
	case e.Status == http.StatusForbidden && op == opFindUsers:
		return "querying users needs the permission User.Read.All (least privilege; Directory.Read.All also does), granted with admin consent for an application"
	case e.Status == http.StatusForbidden && op == opFind:
		return readAccessHint(item.Definitions()) + "; " +
			"if an application access policy (New-ApplicationAccessPolicy) limits the app to some mailboxes, this one is outside it: add it to the policy's group, or leave it out of the manifests (Test-ApplicationAccessPolicy checks one)"
	case e.Status == http.StatusNotFound && op == opFind && (e.Code == "ErrorInvalidUser" || e.Code == "ResourceNotFound"):
		return "there is no such user in the tenant: check the address, or take the person out of the list or group the manifests read"
	case e.Status == http.StatusNotFound && op == opFind && e.Code == "MailboxNotEnabledForRESTAPI":
		return "the user has no Exchange Online mailbox (no license, or an on-premises mailbox): leave it out of the manifests or give it a mailbox"
	case e.Status == http.StatusForbidden:
		return writeAccessHint(item.Definitions())
	case e.Status == http.StatusUnauthorized:
		return "the token was missing or refused: check tenant_id, client_id and the credential, and that the app registration is in the same cloud as the endpoint"
	case e.Status == http.StatusTooManyRequests:
		return "Graph is throttling this mailbox; run again later or with a lower -parallelism"
	case e.Status == http.StatusRequestEntityTooLarge || strings.Contains(strings.ToLower(e.Message), "maximum request length"):
		return "Graph caps a request at 4 MB: files of 3 MB or more must go through an upload session"
	}
	return ""
}

// sessionError marks an answer about an upload session as expiry when the
// session's expiry has passed and the server no longer honours it; an
// expired session is also "not found" for callers that only ask whether it
// is gone.
func sessionError(e *Error, s *UploadSession, now time.Time) *Error {
	if s != nil && !s.Expires.IsZero() && !now.Before(s.Expires) && (e.Status == http.StatusNotFound || e.Status == http.StatusGone || e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden) {
		e.also = append(e.also, ErrSessionExpired, ErrNotFound)
		e.Hint = fmt.Sprintf("the upload session expired at %s; start a new one", s.Expires.UTC().Format(time.RFC3339))
	}
	return e
}
