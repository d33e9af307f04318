package emulator

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// pathEscapeKey escapes an id for an OData key the way Graph's contexts do
// ('=' as %3D, '@' as %40).
func pathEscapeKey(s string) string {
	return strings.NewReplacer("=", "%3D", "@", "%40").Replace(url.PathEscape(s))
}

// serveUpload serves the upload origin, Outlook's pre-authenticated upload
// URLs: /api/v2.0/Users('{user}@{tenant}')/{Messages|Events}('{item}')/AttachmentSessions('{id}')?authtoken=…
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	if e := s.upload(w, r); e != nil {
		s.writeErr(w, e)
	}
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request) *apiErr {
	// seeds/002: "Do not specify an Authorization request header. The PUT
	// query uses a pre-authenticated URL".
	if _, ok := r.Header["Authorization"]; ok {
		return newErr(http.StatusUnauthorized, "InvalidAuthenticationToken",
			"An upload URL is pre-authenticated: requests to it must not carry an Authorization header.")
	}
	segs, err := splitPath(r.URL.EscapedPath())
	if err != nil || len(segs) != 8 || segs[0] != "api" || segs[1] != "v2.0" ||
		!strings.EqualFold(segs[2], "Users") || !strings.EqualFold(segs[6], "AttachmentSessions") {
		return errNotFound("upload URL")
	}
	st := s.store
	st.mu.Lock()
	ss := st.liveSession(segs[7], s.clock.Now())
	var tenantOK bool
	if ss != nil {
		tenantOK = ss.Kind.outlook() && segs[3] == ss.MailboxID+"@"+st.meta.TenantID && strings.EqualFold(segs[4], ss.Kind.def().uploadSet) && segs[5] == ss.URLItemID
	}
	st.mu.Unlock()
	if ss == nil || !tenantOK {
		return errNotFound("upload session")
	}
	token := r.URL.Query().Get("authtoken")
	if subtle.ConstantTimeCompare([]byte(token), []byte(ss.Token)) != 1 {
		return newErr(http.StatusUnauthorized, "InvalidAuthenticationToken", "The authtoken of this upload URL is missing or invalid.")
	}
	release, e := s.throttle.enter(ss.MailboxID, uploadCharge(r))
	if e != nil {
		return e
	}
	defer release()
	if e := spendLatency(r); e != nil {
		return e
	}
	switch r.Method {
	case http.MethodPut:
		return s.putRange(w, r, ss)
	case http.MethodGet:
		return s.getSession(w, ss)
	case http.MethodDelete:
		return s.cancelSession(w, ss)
	}
	return errMethod(r.Method)
}

func rangeErr(status int, inner, msg string, ss *session) *apiErr {
	return &apiErr{Status: status, Code: "invalidRange", Inner: inner, Msg: msg, Next: ss.nextRanges()}
}

// putRange receives one byte range of a session (seeds/002 step 2 and 3,
// seeds/004 step 2 and 3).
func (s *Server) putRange(w http.ResponseWriter, r *http.Request, ss *session) *apiErr {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/octet-stream" {
		return newErr(http.StatusUnsupportedMediaType, "UnsupportedMediaType", "Upload ranges need 'Content-Type: application/octet-stream' (got "+quoteOrNone(r.Header.Get("Content-Type"))+").")
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return newErr(http.StatusUnsupportedMediaType, "UnsupportedMediaType", "Upload ranges are raw bytes: Content-Encoding '"+ce+"' is not accepted.")
	}
	if r.ContentLength < 0 {
		return newErr(http.StatusLengthRequired, "LengthRequired", "Upload ranges need a Content-Length.")
	}
	start, end, total, err := parseContentRange(r.Header.Get("Content-Range"))
	st := s.store
	st.mu.Lock()
	// Checks that read the session happen under the lock; the body is read
	// without it.
	e := func() *apiErr {
		if err != nil {
			return rangeErr(http.StatusBadRequest, "invalidContentRange", "Invalid Content-Range '"+r.Header.Get("Content-Range")+"': "+err.Error()+".", ss)
		}
		if st.sessions[ss.ID] != ss {
			return errNotFound("upload session")
		}
		if ss.busy {
			return newErr(http.StatusConflict, "conflict", "Another range of this upload session is being received: send ranges one at a time.")
		}
		n := end - start + 1
		switch {
		case total != ss.Total:
			return rangeErr(http.StatusBadRequest, "invalidTotal", "The total "+strconv.FormatInt(total, 10)+" differs from the session's size "+strconv.FormatInt(ss.Total, 10)+".", ss)
		case n != r.ContentLength:
			return rangeErr(http.StatusBadRequest, "fragmentLengthMismatch", "Content-Length "+strconv.FormatInt(r.ContentLength, 10)+" does not match the range's "+strconv.FormatInt(n, 10)+" bytes.", ss)
		case ss.Kind == kindTask && n > todoMaxRange:
			return errTooLarge()
		case start < ss.Received:
			return rangeErr(http.StatusRequestedRangeNotSatisfiable, "fragmentOverlap", "The range overlaps bytes already received; continue at the next expected range.", ss)
		case start > ss.Received:
			return rangeErr(http.StatusRequestedRangeNotSatisfiable, "fragmentOutOfOrder", "Ranges must be uploaded in order; continue at the next expected range.", ss)
		}
		if ss.Kind.outlook() {
			_, it := st.sessionItem(ss)
			if it == nil {
				st.dropSession(ss)
				return errNotFound("the session's item")
			}
			if e := s.checkRoom(it, end+1); e != nil {
				// The message would outgrow the mailbox's maximum: the
				// session fails part-way and is gone.
				st.dropSession(ss)
				st.save() //nolint:errcheck // the failure being reported matters more
				return e
			}
		}
		ss.busy = true
		return nil
	}()
	st.mu.Unlock()
	if e != nil {
		return e
	}

	werr := s.receive(ss, r, start, end-start+1)

	st.mu.Lock()
	ss.busy = false
	if st.sessions[ss.ID] != ss {
		// Cancelled (or its item deleted) while the range came in.
		st.dropSession(ss)
		st.mu.Unlock()
		return errNotFound("upload session")
	}
	if werr != nil {
		st.mu.Unlock()
		var mbe *http.MaxBytesError
		if errors.As(werr, &mbe) {
			return errTooLarge()
		}
		return errBadRequest("Reading the range failed: " + werr.Error())
	}
	ss.Received = end + 1
	if ss.Received < ss.Total {
		b := s.sessionStatus(ss)
		st.mu.Unlock()
		// seeds/002: "A successful upload returns HTTP 200 OK and an uploadSession object".
		writeRawJSON(w, http.StatusOK, b)
		return nil
	}
	loc, e := s.completeSession(ss)
	st.mu.Unlock()
	if e != nil {
		return e
	}
	// seeds/002: "the final PUT operation returns HTTP 201 Created and a
	// Location header"; the example answer has "Content-Length: 0".
	w.Header().Set("Location", loc)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusCreated)
	return nil
}

// copyBufs serve persistent stores' range writes.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// receive reads n bytes of r's body into the session at offset start: into
// the session's single buffer in memory, or appended to its .part file.
func (s *Server) receive(ss *session, r *http.Request, start, n int64) error {
	body := io.LimitReader(r.Body, n)
	if s.store.dir == "" {
		if ss.buf == nil {
			// One allocation for the whole file: a 150 MB session costs
			// one copy of its bytes, handed to the attachment at the end.
			ss.buf = make([]byte, ss.Total)
		}
		if _, err := io.ReadFull(body, ss.buf[start:start+n]); err != nil {
			return err
		}
		return nil
	}
	f, err := os.OpenFile(s.store.blobs.path(ss.Blob+".part"), os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Truncate(start); err != nil {
		return err
	}
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		return err
	}
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	written, err := io.CopyBuffer(f, body, *bp)
	if err == nil && written != n {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		f.Truncate(start) //nolint:errcheck // the next range rewrites from start anyway
		return err
	}
	return nil
}

// completeSession turns a finished session into an attachment and returns
// its Location. Caller holds the lock.
func (s *Server) completeSession(ss *session) (string, *apiErr) {
	st := s.store
	mb, it := st.sessionItem(ss)
	if it == nil {
		st.dropSession(ss)
		return "", errNotFound("the session's item")
	}
	if e := s.checkRoom(it, ss.Total); e != nil {
		st.dropSession(ss)
		st.save() //nolint:errcheck // the failure being reported matters more
		return "", e
	}
	now := s.clock.Now()
	ct, err := s.sessionContentType(ss)
	if err != nil {
		return "", s.internal(err)
	}
	a := &attachment{
		ID:          st.newID(prefixREST),
		Name:        ss.Name,
		ContentType: ct,
		Bytes:       ss.Total,
		IsInline:    ss.IsInline,
		ContentID:   ss.ContentID,
		Modified:    now,
	}
	if st.dir == "" {
		a.data = ss.buf
	} else {
		part := st.blobs.path(ss.Blob + ".part")
		if err := syncFile(part); err != nil {
			return "", s.internal(err)
		}
		if err := os.Rename(part, st.blobs.path(ss.Blob)); err != nil {
			return "", s.internal(err)
		}
		a.Blob = ss.Blob
	}
	ss.buf = nil
	delete(st.sessions, ss.ID)
	it.Attachments = append(it.Attachments, a)
	it.Modified = now
	if err := st.save(); err != nil {
		return "", s.internal(err)
	}
	if ss.Kind == kindTask {
		// seeds/004: "Location: https://graph.microsoft.com/beta/users/…/todo/lists/…/tasks/…/Attachments/{id}"
		return s.graphOrigin + "/" + ss.Version + "/users/" + mb.ID + "/todo/lists/" + ss.ListID + "/tasks/" + ss.ItemID + "/Attachments/" + a.ID, nil
	}
	// seeds/002: "Location: https://outlook.office.com/api/v2.0/Users('…')/Messages('…')/Attachments('{id}')"
	return s.uploadOrigin + s.outlookItemPath(ss) + "/Attachments('" + a.ID + "')", nil
}

// sessionContentType is the declared content type, else one from the name
// or the first bytes. Caller holds the lock.
func (s *Server) sessionContentType(ss *session) (string, error) {
	if ss.ContentType != "" {
		return ss.ContentType, nil
	}
	head := ss.buf[:min(len(ss.buf), 512)]
	if s.store.dir != "" {
		f, err := os.Open(s.store.blobs.path(ss.Blob + ".part"))
		if err != nil {
			return "", err
		}
		defer f.Close()
		b := make([]byte, 512)
		n, err := io.ReadFull(f, b)
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			return "", err
		}
		head = b[:n]
	}
	return defaultContentType("", ss.Name, head), nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
