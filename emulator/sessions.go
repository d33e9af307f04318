package emulator

import (
	"encoding/json"
	"net/http"
	"os"
	"strconv"
	"time"
)

// session is an open upload session.
type session struct {
	ID          string    `json:"id"`
	Token       string    `json:"token,omitempty"` // Outlook's authtoken; a credential, never logged
	MailboxID   string    `json:"mailbox"`
	Kind        kind      `json:"kind"`
	ItemID      string    `json:"item"`    // the item's immutable id (Outlook) or task id
	URLItemID   string    `json:"urlItem"` // the item id as written in the upload URL
	ListID      string    `json:"list,omitempty"`
	Version     string    `json:"version"`
	Name        string    `json:"name"`
	ContentType string    `json:"contentType"`
	IsInline    bool      `json:"isInline,omitempty"`
	ContentID   string    `json:"contentId,omitempty"`
	Total       int64     `json:"total"`
	Expires     time.Time `json:"expires"`
	Blob        string    `json:"blob,omitempty"`

	Received int64  `json:"-"` // persisted as the .part file's length
	buf      []byte // in-memory content, allocated once at the first range
	busy     bool   // a range is being received
}

// Sizes from the documentation. MB here is 2^20 bytes.
const (
	mb                   = 1 << 20
	outlookMinSession    = 3 * mb   // seeds/002: "create an upload session to attach a file smaller than 3 MB" fails
	outlookMaxAttachment = 150 * mb // seeds/002: "attach files up to 150 MB"
	todoMaxAttachment    = 25 * mb  // seeds/004: "可将高达 25 MB 的文件附加到 todoTask"
	todoMaxRange         = 4 * mb   // seeds/004: "任何大于 4 MB 的请求都将失败" (any request over 4 MB fails)
)

// nextRanges renders nextExpectedRanges as Graph does: "0-" before the first
// byte, then the bare next offset (seeds/002: "nextExpectedRanges":["2097152"]).
func (ss *session) nextRanges() []string {
	if ss.Received == 0 {
		return []string{"0-"}
	}
	return []string{strconv.FormatInt(ss.Received, 10)}
}

func expiryString(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0000000Z") }

// liveSession returns the session with id unless it has expired; an expired
// session is forgotten on the spot. Caller holds the lock.
func (st *store) liveSession(id string, now time.Time) *session {
	ss := st.sessions[id]
	if ss == nil {
		return nil
	}
	if !now.Before(ss.Expires) && !ss.busy {
		st.dropSession(ss)
		return nil
	}
	return ss
}

// dropSession forgets a session and its bytes. Caller holds the lock.
// A busy session keeps its bytes until its range handler, which is writing
// into them, finishes and drops it again.
func (st *store) dropSession(ss *session) {
	delete(st.sessions, ss.ID)
	if ss.busy {
		return
	}
	ss.buf = nil
	if st.dir != "" && ss.Blob != "" {
		os.Remove(st.blobs.path(ss.Blob + ".part"))
	}
}

func (st *store) purgeExpired(now time.Time) {
	for _, ss := range st.sessions {
		if !now.Before(ss.Expires) && !ss.busy {
			st.dropSession(ss)
		}
	}
}

// dropSessionsOf forgets the sessions of an item being deleted.
func (st *store) dropSessionsOf(it *item) {
	for _, ss := range st.sessions {
		if ss.ItemID == it.ImmutableID || ss.ItemID == it.ID {
			st.dropSession(ss)
		}
	}
}

// sessionItem finds the item a session targets, wherever it is now.
func (st *store) sessionItem(ss *session) (*mailbox, *item) {
	mb := st.findMailbox(ss.MailboxID)
	if mb == nil {
		return nil, nil
	}
	if ss.Kind == kindTask {
		if l := mb.findList(ss.ListID); l != nil {
			return mb, l.findTask(ss.ItemID)
		}
		return mb, nil
	}
	return mb, mb.findItem(ss.Kind, ss.ItemID)
}

// createSession serves {item}/attachments/createUploadSession. The
// parameter is spelled as documented per kind: Outlook's "AttachmentItem"
// (seeds/002), To Do's "attachmentInfo" (seeds/004).
func (s *Server) createSession(c *rq, it *item) *apiErr {
	if e := sharedMailboxDenied(c, it.Kind); e != nil {
		return e
	}
	param := "AttachmentItem"
	if it.Kind == kindTask {
		param = "attachmentInfo"
	}
	var body map[string]json.RawMessage
	if e := readJSON(c, &body); e != nil {
		return e
	}
	raw, ok := body[param]
	if !ok || len(body) != 1 {
		return errBadRequest("createUploadSession takes exactly one parameter, '" + param + "'.")
	}
	var info struct {
		ODataType      string  `json:"@odata.type"`
		AttachmentType string  `json:"attachmentType"`
		Name           string  `json:"name"`
		Size           *int64  `json:"size"`
		ContentType    *string `json:"contentType"`
		IsInline       *bool   `json:"isInline"`
		ContentID      *string `json:"contentId"`
	}
	dec := json.NewDecoder(bytesReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&info); err != nil {
		return errBadRequest("Invalid '" + param + "': " + err.Error())
	}
	switch {
	case info.AttachmentType != "file":
		return errBadRequest("'" + param + "' needs attachmentType \"file\".")
	case info.Name == "":
		return errBadRequest("'" + param + "' needs a name.")
	case info.Size == nil || *info.Size <= 0:
		return errBadRequest("'" + param + "' needs the size of the file in bytes.")
	case it.Kind == kindTask && (info.IsInline != nil || info.ContentID != nil):
		return errBadRequest("attachmentInfo has no isInline or contentId.")
	}
	n := *info.Size
	if it.Kind.outlook() && n < outlookMinSession {
		return newErr(http.StatusBadRequest, "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize",
			"The attachment size "+strconv.FormatInt(n, 10)+" is less than the minimum size of "+strconv.Itoa(outlookMinSession)+" bytes for an upload session.")
	}
	ss := &session{
		MailboxID: c.mb.ID,
		Kind:      it.Kind,
		Version:   c.version,
		Name:      info.Name,
		Total:     n,
		Expires:   s.clock.Now().Add(s.lifetime),
	}
	if info.ContentType != nil {
		ss.ContentType = *info.ContentType
	}
	if info.IsInline != nil {
		ss.IsInline = *info.IsInline
	}
	if info.ContentID != nil {
		ss.ContentID = *info.ContentID
	}

	// The declared size alone must fit; what is already on the item is
	// counted range by range, so a session can fail part-way.
	if e := s.checkRoom(&item{Kind: it.Kind}, n); e != nil {
		return e
	}
	st := s.store
	st.mu.Lock()
	ss.ID = secretID(prefixREST)
	if it.Kind == kindTask {
		ss.ItemID, ss.URLItemID, ss.ListID = it.ID, it.ID, it.ListID
	} else {
		ss.ItemID, ss.URLItemID = it.ImmutableID, c.idOf(it)
		ss.Token = newToken()
	}
	if st.dir != "" {
		ss.Blob = st.newBlobKey()
	}
	st.sessions[ss.ID] = ss
	err := st.save()
	if err != nil {
		delete(st.sessions, ss.ID)
	}
	uploadURL := s.uploadURL(ss, c.mb)
	st.mu.Unlock()
	if err != nil {
		return s.internal(err)
	}
	status := http.StatusCreated // seeds/002: "A successful operation returns HTTP 201 Created"
	if it.Kind == kindTask {
		status = http.StatusOK // seeds/004: "HTTP/1.1 200 OK"
	}
	writeJSON(c.w, status, map[string]any{
		"@odata.context":     s.graphOrigin + "/" + c.version + "/$metadata#microsoft.graph.uploadSession",
		"uploadUrl":          uploadURL,
		"expirationDateTime": expiryString(ss.Expires),
		"nextExpectedRanges": ss.nextRanges(),
	})
	return nil
}

// uploadURL is where a session's ranges go. Outlook's is on the upload
// origin and carries its token (seeds/002: ".../Messages('…')/AttachmentSessions('…')?authtoken=…");
// To Do's is on the Graph origin and ranges go to its /content (seeds/004).
func (s *Server) uploadURL(ss *session, mb *mailbox) string {
	if ss.Kind == kindTask {
		return s.graphOrigin + "/" + ss.Version + "/users/" + mb.ID + "/todo/lists/" + ss.ListID + "/tasks/" + ss.ItemID + "/attachmentSessions/" + ss.ID
	}
	return s.uploadOrigin + s.outlookItemPath(ss) + "/AttachmentSessions('" + ss.ID + "')?authtoken=" + ss.Token
}

func (s *Server) outlookItemPath(ss *session) string {
	return "/api/v2.0/Users('" + ss.MailboxID + "@" + s.store.meta.TenantID + "')/" + ss.Kind.def().uploadSet + "('" + ss.URLItemID + "')"
}

// sessionStatus is the 200 answer to a range and to a GET on the upload
// URL, in each kind's documented casing: Outlook "ExpirationDateTime" +
// "nextExpectedRanges" with an @odata.context (seeds/002), To Do
// "ExpirationDateTime" + "NextExpectedRanges" (seeds/004).
func (s *Server) sessionStatus(ss *session) []byte {
	var b []byte
	if ss.Kind == kindTask {
		b, _ = json.Marshal(struct {
			Exp  string   `json:"ExpirationDateTime"`
			Next []string `json:"NextExpectedRanges"`
		}{expiryString(ss.Expires), ss.nextRanges()})
		return b
	}
	b, _ = json.Marshal(struct {
		Ctx  string   `json:"@odata.context"`
		Exp  string   `json:"ExpirationDateTime"`
		Next []string `json:"nextExpectedRanges"`
	}{s.uploadOrigin + "/api/v2.0/$metadata#Users('" + ss.MailboxID + "%40" + s.store.meta.TenantID + "')/" + ss.Kind.def().uploadSet + "('" + pathEscapeKey(ss.URLItemID) + "')/AttachmentSessions/$entity", expiryString(ss.Expires), ss.nextRanges()})
	return b
}

// routeTaskSession serves a To Do upload URL:
// .../tasks/{id}/attachmentSessions/{id}[/content].
func (s *Server) routeTaskSession(c *rq, t *item, segs []string) *apiErr {
	if len(segs) == 0 || len(segs) > 2 {
		return errSegment("attachmentSessions")
	}
	if len(segs) == 2 && segs[1] != "content" {
		return errSegment(segs[1])
	}
	st := s.store
	st.mu.Lock()
	ss := st.liveSession(segs[0], s.clock.Now())
	if ss != nil && (ss.Kind != kindTask || ss.ItemID != t.ID) {
		ss = nil
	}
	st.mu.Unlock()
	if ss == nil {
		return errNotFound("upload session")
	}
	if len(segs) == 2 {
		if c.r.Method != http.MethodPut {
			return errMethod(c.r.Method)
		}
		return s.putRange(c.w, c.r, ss)
	}
	switch c.r.Method {
	case http.MethodGet:
		return s.getSession(c.w, ss)
	case http.MethodDelete:
		return s.cancelSession(c.w, ss)
	}
	// A PUT here instead of {uploadUrl}/content is the mistake SDKs made.
	return errMethod(c.r.Method)
}

func (s *Server) getSession(w http.ResponseWriter, ss *session) *apiErr {
	s.store.mu.Lock()
	b := s.sessionStatus(ss)
	s.store.mu.Unlock()
	writeRawJSON(w, http.StatusOK, b)
	return nil
}

func (s *Server) cancelSession(w http.ResponseWriter, ss *session) *apiErr {
	st := s.store
	st.mu.Lock()
	st.dropSession(ss)
	err := st.save()
	st.mu.Unlock()
	if err != nil {
		return s.internal(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
