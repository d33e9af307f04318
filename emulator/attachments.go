package emulator

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

// fileAttachments is what a kind's file attachments are: their type and
// the properties they have (selecting anything else is a 400, as on
// Graph), and the largest file the kind takes.
type fileAttachments struct {
	odataType string // "#microsoft.graph.fileAttachment"
	props     []string
	max       int64
	// maxWords says max in a fixture's diagnostic: "an Outlook item
	// takes files up to 150 MB".
	maxWords string
}

// Outlook's fileAttachment and To Do's taskFileAttachment (which has no
// isInline, contentId or contentLocation).
var (
	outlookFiles = fileAttachments{
		odataType: "#microsoft.graph.fileAttachment",
		props:     []string{"id", "name", "contentType", "size", "isInline", "lastModifiedDateTime", "contentId", "contentLocation", "contentBytes"},
		max:       outlookMaxAttachment, maxWords: "an Outlook item takes files up to 150 MB",
	}
	todoFiles = fileAttachments{
		odataType: "#microsoft.graph.taskFileAttachment",
		props:     []string{"id", "name", "contentType", "size", "lastModifiedDateTime", "contentBytes"},
		max:       todoMaxAttachment, maxWords: "a To Do task takes files up to 25 MB",
	}
)

// fileAttachmentType is the type of a file attachment on an item of kind k.
func fileAttachmentType(k kind) string { return k.def().files.odataType }

// attachmentMeta renders an attachment without contentBytes.
func attachmentMeta(k kind, a *attachment) map[string]any {
	if a.Type != attachFile {
		return otherAttachmentMeta(a)
	}
	v := map[string]any{
		"@odata.type":             fileAttachmentType(k),
		"@odata.mediaContentType": a.ContentType,
		"id":                      a.ID,
		"lastModifiedDateTime":    graphTime(a.Modified),
		"name":                    a.Name,
		"contentType":             a.ContentType,
		"size":                    reportedSize(a.Bytes),
	}
	if k.outlook() {
		v["isInline"] = a.IsInline
		v["contentId"] = nil
		if a.ContentID != "" {
			v["contentId"] = a.ContentID
		}
		v["contentLocation"] = nil
	}
	return v
}

func checkSelect(k kind, sel []string) *apiErr {
	props, typ := k.def().files.props, strings.TrimPrefix(fileAttachmentType(k), "#")
	for _, f := range sel {
		ok := false
		for _, p := range props {
			ok = ok || strings.EqualFold(p, f)
		}
		if !ok {
			return errBadRequest("Could not find a property named '" + f + "' on type '" + typ + "'.")
		}
	}
	return nil
}

func selects(sel []string, prop string) bool {
	if sel == nil {
		return true
	}
	for _, f := range sel {
		if strings.EqualFold(f, prop) {
			return true
		}
	}
	return false
}

func (s *Server) attachmentsContext(c *rq, it *item) string {
	return s.graphOrigin + "/" + c.version + "/$metadata#users('" + c.mb.UPN + "')/" + string(it.Kind) + "s('" + c.idOf(it) + "')/attachments"
}

// routeAttachments serves {item}/attachments[...].
func (s *Server) routeAttachments(c *rq, it *item, segs []string) *apiErr {
	if len(segs) == 0 {
		switch c.r.Method {
		case http.MethodGet:
			return s.listAttachments(c, it)
		case http.MethodPost:
			return s.postAttachment(c, it)
		}
		return errMethod(c.r.Method)
	}
	if strings.EqualFold(segs[0], "createUploadSession") || strings.EqualFold(segs[0], "microsoft.graph.createUploadSession") {
		if len(segs) != 1 {
			return errSegment(segs[1])
		}
		if c.r.Method != http.MethodPost {
			return errMethod(c.r.Method)
		}
		return s.createSession(c, it)
	}
	id := segs[0]
	if !wellFormedID(id) {
		return errMalformedID(id)
	}
	s.store.mu.Lock()
	_, a := it.findAttachment(id)
	s.store.mu.Unlock()
	if a == nil {
		return errNotFound("attachment " + id)
	}
	if len(segs) == 1 {
		switch c.r.Method {
		case http.MethodGet:
			return s.getAttachment(c, it, a)
		case http.MethodDelete:
			return s.deleteAttachment(c, it, a)
		}
		// Attachments cannot be edited: any change is delete and create.
		return errMethod(c.r.Method)
	}
	if len(segs) == 2 && segs[1] == "$value" {
		if c.r.Method != http.MethodGet {
			return errMethod(c.r.Method)
		}
		return s.getAttachmentValue(c, it, a)
	}
	return errSegment(segs[1])
}

func (s *Server) listAttachments(c *rq, it *item) *apiErr {
	q, e := parseQuery(c.r, []string{"$select", "$filter", "$top", "$skip"}, "")
	if e != nil {
		return e
	}
	if e := checkSelect(it.Kind, q.sel); e != nil {
		return e
	}
	// Outlook returns every attachment's contentBytes unless $select leaves
	// them out; To Do never puts them in a list.
	withBytes := it.Kind.outlook() && selects(q.sel, "contentBytes")
	st := s.store
	st.mu.Lock()
	from, to, more := q.page(len(it.Attachments))
	page := append([]*attachment(nil), it.Attachments[from:to]...)
	metas := make([]map[string]any, len(page))
	for i, a := range page {
		metas[i] = project(attachmentMeta(it.Kind, a), q.sel)
	}
	ctx := s.attachmentsContext(c, it)
	var bodies []io.ReadCloser
	if withBytes {
		for _, a := range page {
			if a.Type != attachFile {
				bodies = append(bodies, nil) // only a fileAttachment has contentBytes
				continue
			}
			rc, err := st.openContent(a)
			if err != nil {
				st.mu.Unlock()
				closeAll(bodies)
				return s.internal(err)
			}
			bodies = append(bodies, rc)
		}
	}
	st.mu.Unlock()
	defer closeAll(bodies)

	var parts []jsonPart
	head := map[string]any{"@odata.context": ctx}
	if more {
		head["@odata.nextLink"] = s.nextLink(c.r, to)
	}
	hb, _ := json.Marshal(head)
	parts = append(parts, jsonPart{raw: append(hb[:len(hb)-1], []byte(`,"value":[`)...)})
	for i, m := range metas {
		if i > 0 {
			parts = append(parts, jsonPart{raw: []byte(",")})
		}
		if withBytes && bodies[i] != nil {
			parts = append(parts, objectWithBytes(m, bodies[i], page[i].Bytes)...)
		} else {
			b, _ := json.Marshal(m)
			parts = append(parts, jsonPart{raw: b})
		}
	}
	parts = append(parts, jsonPart{raw: []byte("]}")})
	writeParts(c.w, http.StatusOK, parts)
	return nil
}

func (s *Server) getAttachment(c *rq, it *item, a *attachment) *apiErr {
	q, e := parseQuery(c.r, []string{"$select"}, "")
	if e != nil {
		return e
	}
	if e := checkSelect(it.Kind, q.sel); e != nil {
		return e
	}
	st := s.store
	st.mu.Lock()
	m := project(attachmentMeta(it.Kind, a), q.sel)
	m["@odata.context"] = s.attachmentsContext(c, it) + "/$entity"
	var body io.ReadCloser
	var err error
	if selects(q.sel, "contentBytes") && a.Type == attachFile {
		body, err = st.openContent(a)
	}
	st.mu.Unlock()
	if err != nil {
		return s.internal(err)
	}
	if body == nil {
		writeJSON(c.w, http.StatusOK, m)
		return nil
	}
	defer body.Close()
	writeParts(c.w, http.StatusOK, objectWithBytes(m, body, a.Bytes))
	return nil
}

// getAttachmentValue streams the raw bytes with their own content type;
// an item attachment's are its item in MIME, and a reference attachment
// has none (see valueOf).
func (s *Server) getAttachmentValue(c *rq, it *item, a *attachment) *apiErr {
	contentType, e := valueOf(a)
	if e != nil {
		return e
	}
	s.store.mu.Lock()
	body, err := s.store.openContent(a)
	s.store.mu.Unlock()
	if err != nil {
		return s.internal(err)
	}
	defer body.Close()
	h := c.w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.FormatInt(a.Bytes, 10))
	c.w.WriteHeader(http.StatusOK)
	io.Copy(c.w, body) //nolint:errcheck // the client went away
	return nil
}

func (s *Server) deleteAttachment(c *rq, it *item, a *attachment) *apiErr {
	st := s.store
	st.mu.Lock()
	i, cur := it.findAttachment(a.ID)
	if cur == nil {
		st.mu.Unlock()
		return errNotFound("attachment " + a.ID)
	}
	it.Attachments = append(it.Attachments[:i], it.Attachments[i+1:]...)
	it.Modified = s.clock.Now()
	err := st.save()
	if err == nil {
		st.dropContent(a)
	}
	st.mu.Unlock()
	if err != nil {
		return s.internal(err)
	}
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// postBody is a small attachment POST. Fields are raw so that a missing
// @odata.type can be told from an empty one and unknown ones refused.
type postBody map[string]json.RawMessage

func (s *Server) postAttachment(c *rq, it *item) *apiErr {
	var body postBody
	if e := readJSON(c, &body); e != nil {
		return e
	}
	if body == nil {
		return errBadRequest("The request body must be a JSON object.")
	}
	want := fileAttachmentType(it.Kind)
	rawType, ok := body["@odata.type"]
	if !ok {
		return newErr(http.StatusUnprocessableEntity, "UnprocessableType", "Cannot process input of abstract type 'Microsoft.OutlookServices.Attachment'")
	}
	var typ string
	if json.Unmarshal(rawType, &typ) == nil && it.Kind.outlook() {
		switch "#" + strings.TrimPrefix(typ, "#") {
		case typeItemAttachment:
			return s.postItemAttachment(c, it, body)
		case typeReferenceAttachment:
			return errBadRequest("A referenceAttachment cannot be added through v1.0: its resource has no property naming the cloud file it links to (Graph v1.0 referenceAttachment lists only Get and Delete). Outlook clients create them when a user shares a cloud file.")
		}
	}
	if json.Unmarshal(rawType, &typ) != nil || "#"+strings.TrimPrefix(typ, "#") != want {
		return newErr(http.StatusUnprocessableEntity, "UnprocessableType", "Type '"+typ+"' cannot be posted to this item's attachments (the emulator takes "+want+").")
	}
	allowed := it.Kind.def().files.props
	var a attachment
	var content []byte
	for k, raw := range body {
		if k == "@odata.type" {
			continue
		}
		known := false
		for _, p := range allowed {
			known = known || p == k
		}
		if !known {
			return errBadRequest("Could not find a property named '" + k + "' on type '" + strings.TrimPrefix(want, "#") + "'.")
		}
		var err error
		switch k {
		case "name":
			err = json.Unmarshal(raw, &a.Name)
		case "contentType":
			err = unmarshalNullable(raw, &a.ContentType)
		case "isInline":
			err = json.Unmarshal(raw, &a.IsInline)
		case "contentId":
			err = unmarshalNullable(raw, &a.ContentID)
		case "contentBytes":
			var b64 string
			if err = json.Unmarshal(raw, &b64); err == nil {
				content, err = base64.StdEncoding.DecodeString(b64)
			}
		}
		if err != nil {
			return errBadRequest("Invalid value for property '" + k + "': " + err.Error())
		}
	}
	if a.Name == "" {
		return errBadRequest("The attachment needs a name.")
	}
	if _, ok := body["contentBytes"]; !ok {
		return errBadRequest("The attachment needs contentBytes.")
	}
	a.Bytes = int64(len(content))
	a.ContentType = defaultContentType(a.ContentType, a.Name, content)

	st := s.store
	st.mu.Lock()
	if e := s.checkRoom(it, a.Bytes); e != nil {
		st.mu.Unlock()
		return e
	}
	a.ID = st.newID(prefixREST)
	a.Modified = s.clock.Now()
	if err := st.storeContent(&a, content); err != nil {
		st.mu.Unlock()
		return s.internal(err)
	}
	it.Attachments = append(it.Attachments, &a)
	it.Modified = a.Modified
	err := st.save()
	m := attachmentMeta(it.Kind, &a)
	m["@odata.context"] = s.attachmentsContext(c, it) + "/$entity"
	st.mu.Unlock()
	if err != nil {
		return s.internal(err)
	}
	writeParts(c.w, http.StatusCreated, objectWithBytes(m, io.NopCloser(bytes.NewReader(content)), a.Bytes))
	return nil
}

// checkRoom enforces the per-attachment maximum and, on Outlook items, the
// mailbox's maximum message size: the content bytes of the item's
// attachments plus the new one's. Content bytes, not Graph's inflated size:
// with the limit at its 150 MB maximum a 150 MB file must fit, as
// documented ("attach files up to 150 MB"). Caller holds the lock.
func (s *Server) checkRoom(it *item, n int64) *apiErr {
	if max := it.Kind.def().files.max; n > max {
		return errTooBig(n, max)
	}
	if !it.Kind.outlook() {
		return nil
	}
	if it.attachmentBytes()+n > s.limits.MessageBytes {
		return newErr(http.StatusRequestEntityTooLarge, "ErrorMessageSizeExceeded",
			"The message exceeds the maximum supported size of "+strconv.FormatInt(s.limits.MessageBytes, 10)+" bytes.")
	}
	return nil
}

func errTooBig(n, max int64) *apiErr {
	return newErr(http.StatusBadRequest, "ErrorAttachmentSizeShouldNotBeGreaterThanMaximumSize",
		"The attachment size "+strconv.FormatInt(n, 10)+" exceeds the maximum of "+strconv.FormatInt(max, 10)+" bytes.")
}

func unmarshalNullable(raw json.RawMessage, dst *string) error {
	if string(raw) == "null" {
		*dst = ""
		return nil
	}
	return json.Unmarshal(raw, dst)
}

// defaultContentType: a client that names no content type gets one from
// the file name's extension, else sniffed from the first bytes. seeds/002
// uploads "flower" without a content type and reads back "image/jpeg".
func defaultContentType(ct, name string, head []byte) string {
	if ct != "" {
		return ct
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return http.DetectContentType(head)
}

// jsonPart is a piece of a JSON answer: raw bytes, or n bytes of content to
// be written as base64, streamed so a 150 MB attachment never sits in
// memory twice.
type jsonPart struct {
	raw  []byte
	body io.Reader
	n    int64
}

func (p jsonPart) len() int64 {
	if p.body != nil {
		return int64(base64.StdEncoding.EncodedLen(int(p.n)))
	}
	return int64(len(p.raw))
}

func objectWithBytes(m map[string]any, body io.Reader, n int64) []jsonPart {
	b, _ := json.Marshal(m)
	return []jsonPart{
		{raw: append(b[:len(b)-1], []byte(`,"contentBytes":"`)...)},
		{body: body, n: n},
		{raw: []byte(`"}`)},
	}
}

func writeParts(w http.ResponseWriter, status int, parts []jsonPart) {
	var total int64
	for _, p := range parts {
		total += p.len()
	}
	h := w.Header()
	h.Set("Content-Type", jsonContentType)
	h.Set("Content-Length", strconv.FormatInt(total, 10))
	w.WriteHeader(status)
	for _, p := range parts {
		if p.body == nil {
			if _, err := w.Write(p.raw); err != nil {
				return
			}
			continue
		}
		enc := base64.NewEncoder(base64.StdEncoding, w)
		if _, err := io.CopyN(enc, p.body, p.n); err != nil {
			return
		}
		if err := enc.Close(); err != nil {
			return
		}
	}
}

func closeAll(rcs []io.ReadCloser) {
	for _, rc := range rcs {
		if rc != nil {
			rc.Close()
		}
	}
}
