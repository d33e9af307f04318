package emulator

// Conformance: the request and response examples of the documentation in
// shared/seeds/, replayed. Each test quotes the line it checks.

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

const flowSize = 3483322 // seeds/002: "size": 3483322

// TestSeedOutlookLargeAttachment replays seeds/002 (and its translations
// 000, 003) for a message and for an event: create the session, upload
// ranges 0-2097151 and 2097152-3483321, read the attachment back.
func TestSeedOutlookLargeAttachment(t *testing.T) {
	for _, tc := range []struct{ coll, urlColl string }{
		{"messages", "Messages"}, // "Example: Create an upload session for a message"
		{"events", "Events"},     // "Example: Create an upload session for an event"
	} {
		t.Run(tc.coll, func(t *testing.T) {
			s, _ := newTestServer(t, Options{})
			id := createItem(t, s, testUser, tc.coll, "flower show")
			item := itemPath(testUser, tc.coll, id)
			data := testFile(flowSize)

			// "A successful operation returns HTTP 201 Created and a new uploadSession instance"
			r := createSession(t, s, item, "AttachmentItem", map[string]any{"attachmentType": "file", "name": "flower", "size": flowSize})
			wantStatus(t, r, http.StatusCreated)
			checkJSONContentType(t, r)
			sess := r.json(t)
			if got := sess["@odata.context"]; got != s.URL()+"/v1.0/$metadata#microsoft.graph.uploadSession" {
				t.Errorf("@odata.context = %v", got)
			}
			// "the nextExpectedRanges property, which indicates the initial upload starting location should be byte 0"
			if got := sess["nextExpectedRanges"]; !equalJSON(got, []any{"0-"}) {
				t.Errorf("nextExpectedRanges = %v, want [0-]", got)
			}
			uploadURL := sess["uploadUrl"].(string)
			// "…/Messages('AAMkADI5MAAIT3drCAAA=')/AttachmentSessions('AAMkADI5MAAIT3k0tAAA=')?authtoken=eyJ…"
			pat := regexp.MustCompile(`^` + regexp.QuoteMeta(s.UploadOrigin()) + `/api/v2\.0/Users\('[0-9a-f-]{36}@[0-9a-f-]{36}'\)/` + tc.urlColl +
				`\('` + regexp.QuoteMeta(id) + `'\)/AttachmentSessions\('[A-Za-z0-9_=-]+'\)\?authtoken=eyJ[A-Za-z0-9_-]+$`)
			if !pat.MatchString(uploadURL) {
				t.Fatalf("uploadUrl %s does not have the documented shape", redact(uploadURL))
			}
			exp := sess["expirationDateTime"].(string)
			if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$`).MatchString(exp) {
				t.Errorf("expirationDateTime %q is not shaped like 2019-09-25T01:09:30.7671707Z", exp)
			}

			// "Content-Range: bytes 0-2097151/3483322" → "HTTP/1.1 200 OK" with
			// "ExpirationDateTime" and "nextExpectedRanges":["2097152"]
			r = putRange(t, uploadURL, data, 0, 2097151, flowSize, nil)
			wantStatus(t, r, http.StatusOK)
			checkJSONContentType(t, r)
			body := r.json(t)
			if body["ExpirationDateTime"] != exp {
				t.Errorf("ExpirationDateTime = %v, want %v: \"This expiration date/time remains the same\"", body["ExpirationDateTime"], exp)
			}
			if !equalJSON(body["nextExpectedRanges"], []any{"2097152"}) {
				t.Errorf("nextExpectedRanges = %v, want [2097152]", body["nextExpectedRanges"])
			}
			if ctx, _ := body["@odata.context"].(string); !strings.HasSuffix(ctx, "/AttachmentSessions/$entity") {
				t.Errorf("@odata.context = %q, want …/AttachmentSessions/$entity", ctx)
			}
			if _, ok := body["uploadUrl"]; ok {
				t.Errorf("\"The uploadUrl property is not explicitly returned\", got one")
			}

			// "Content-Length: 1386170 / Content-Range: bytes 2097152-3483321/3483322"
			// → "HTTP/1.1 201 Created", a Location, "Content-Length: 0"
			r = putRange(t, uploadURL, data, 2097152, 3483321, flowSize, nil)
			wantStatus(t, r, http.StatusCreated)
			if len(r.Body) != 0 || r.Header.Get("Content-Length") != "0" {
				t.Errorf("final answer has a body (%d bytes, Content-Length %q)", len(r.Body), r.Header.Get("Content-Length"))
			}
			loc := r.Header.Get("Location")
			m := regexp.MustCompile(`^` + regexp.QuoteMeta(s.UploadOrigin()) + `/api/v2\.0/Users\('[^']+'\)/` + tc.urlColl +
				`\('` + regexp.QuoteMeta(id) + `'\)/Attachments\('([A-Za-z0-9_=-]+)'\)$`).FindStringSubmatch(loc)
			if m == nil {
				t.Fatalf("Location %q is not …/%s('…')/Attachments('{id}')", loc, tc.urlColl)
			}
			attID := m[1]

			// "GET …/Attachments('AAMkADU5CCmSAAANZAlYPeyQByv7Y=')/$value" →
			// "content-length: 3483322", "Content-type: image/jpeg", the raw bytes.
			r = do(t, "GET", api(s, item+"/attachments/"+url.PathEscape(attID)+"/$value"), nil, nil)
			wantStatus(t, r, http.StatusOK)
			if r.Header.Get("Content-Length") != "3483322" || r.Header.Get("Content-Type") != "image/jpeg" {
				t.Errorf("$value headers: Content-Length %q, Content-Type %q", r.Header.Get("Content-Length"), r.Header.Get("Content-Type"))
			}
			if !bytes.Equal(r.Body, data) {
				t.Errorf("$value bytes differ from the uploaded file")
			}

			// "?$select=lastModifiedDateTime,name,contentType,size,isInline" → the
			// documented metadata, "size": 3640066 for the 3,483,322-byte file.
			r = do(t, "GET", api(s, item+"/attachments/"+url.PathEscape(attID)+"?$select=lastModifiedDateTime,name,contentType,size,isInline"), nil, nil)
			wantStatus(t, r, http.StatusOK)
			meta := r.json(t)
			want := map[string]any{
				"@odata.type":             "#microsoft.graph.fileAttachment",
				"@odata.mediaContentType": "image/jpeg",
				"id":                      attID,
				"name":                    "flower",
				"contentType":             "image/jpeg",
				"size":                    float64(3640066),
				"isInline":                false,
			}
			for k, v := range want {
				if meta[k] != v {
					t.Errorf("%s = %v, want %v", k, meta[k], v)
				}
			}
			for _, k := range []string{"@odata.context", "lastModifiedDateTime"} {
				if _, ok := meta[k]; !ok {
					t.Errorf("metadata misses %s", k)
				}
			}
			if len(meta) != len(want)+2 {
				t.Errorf("$select answer carries extra properties: %v", keys(meta))
			}
		})
	}
}

// TestSeedUploadOKBodies checks the documented 200 body of an Outlook range
// for both item kinds with the documented key casing, byte for byte in its keys.
func TestSeedUploadAnswerKeys(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	id := createItem(t, s, testUser, "events", "x")
	r := createSession(t, s, itemPath(testUser, "events", id), "AttachmentItem", map[string]any{"attachmentType": "file", "name": "flower", "size": flowSize})
	wantStatus(t, r, http.StatusCreated)
	u := r.json(t)["uploadUrl"].(string)
	r = putRange(t, u, testFile(flowSize), 0, 2097151, flowSize, nil)
	wantStatus(t, r, http.StatusOK)
	// seeds/002: {"@odata.context":…,"ExpirationDateTime":…,"nextExpectedRanges":["2097152"]}
	if got := strings.Join(keys(r.json(t)), ","); got != "@odata.context,ExpirationDateTime,nextExpectedRanges" {
		t.Errorf("keys = %s", got)
	}
}

// TestSeedCancelSession: seeds/002 "Alternative: Cancel the upload session"
// — "DELETE https://outlook.office.com/…?authtoken=…" → "HTTP/1.1 204 No content".
func TestSeedCancelSession(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	id := createItem(t, s, testUser, "messages", "x")
	r := createSession(t, s, itemPath(testUser, "messages", id), "AttachmentItem", map[string]any{"attachmentType": "file", "name": "flower", "size": flowSize})
	wantStatus(t, r, http.StatusCreated)
	u := r.json(t)["uploadUrl"].(string)
	wantStatus(t, putRange(t, u, testFile(flowSize), 0, 2097151, flowSize, nil), http.StatusOK)
	if got := s.Stats().OpenUploadSessions; got != 1 {
		t.Fatalf("open sessions = %d, want 1", got)
	}
	r = do(t, "DELETE", u, nil, nil)
	wantStatus(t, r, http.StatusNoContent)
	if got := s.Stats().OpenUploadSessions; got != 0 {
		t.Errorf("open sessions after cancel = %d, want 0", got)
	}
	r = putRange(t, u, testFile(flowSize), 2097152, flowSize-1, flowSize, nil)
	wantStatus(t, r, http.StatusNotFound)
	if code := r.errCode(t); code != "ErrorItemNotFound" {
		t.Errorf("code = %s", code)
	}
	r = do(t, "GET", api(s, itemPath(testUser, "messages", id)+"/attachments"), nil, nil)
	if n := len(r.json(t)["value"].([]any)); n != 0 {
		t.Errorf("a cancelled session left %d attachments", n)
	}
}

// TestSeedMinimumSize: seeds/002 "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize:
// This error is returned when attempting to create an upload session to
// attach a file smaller than 3 MB."
func TestSeedMinimumSize(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	for _, coll := range []string{"messages", "events"} {
		id := createItem(t, s, testUser, coll, "x")
		for _, tc := range []struct {
			size int
			want int
		}{
			{20, http.StatusBadRequest},
			{3*mb - 1, http.StatusBadRequest},
			{3 * mb, http.StatusCreated},
		} {
			r := createSession(t, s, itemPath(testUser, coll, id), "AttachmentItem", map[string]any{"attachmentType": "file", "name": "f", "size": tc.size})
			wantStatus(t, r, tc.want)
			if tc.want == http.StatusBadRequest {
				if code := r.errCode(t); code != "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize" {
					t.Errorf("%s size %d: code %s", coll, tc.size, code)
				}
			}
		}
	}
}

// TestSeedInlineSession: seeds/001 Beispiel 2, a large inline attachment:
// "isInline": true, "contentId": "my_inline_picture", size 7208534 → 201.
func TestSeedInlineSession(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	id := createItem(t, s, testUser, "messages", "x")
	item := itemPath(testUser, "messages", id)
	const size = 7208534
	r := createSession(t, s, item, "AttachmentItem", map[string]any{"attachmentType": "file", "name": "scenary", "size": size, "isInline": true, "contentId": "my_inline_picture"})
	wantStatus(t, r, http.StatusCreated)
	u := r.json(t)["uploadUrl"].(string)
	data := testFile(size)
	for start := int64(0); start < size; start += 3 * mb {
		end := min(start+3*mb, size) - 1
		r = putRange(t, u, data, start, end, size, nil)
		if end == size-1 {
			wantStatus(t, r, http.StatusCreated)
		} else {
			wantStatus(t, r, http.StatusOK)
		}
	}
	r = do(t, "GET", api(s, item+"/attachments?$select=name,isInline,contentId"), nil, nil)
	v := r.json(t)["value"].([]any)[0].(map[string]any)
	if v["isInline"] != true || v["contentId"] != "my_inline_picture" {
		t.Errorf("inline attachment = %v", v)
	}
}

// TestSeedTodoFlow replays seeds/004 (To Do): createUploadSession with
// attachmentInfo → "HTTP/1.1 200 OK"; PUT {uploadUrl}/content ranges →
// 200 {"ExpirationDateTime","NextExpectedRanges":["2097152"]}, final 201 with
// "Location: …/tasks/AAMkADliMm=/Attachments/{id}"; DELETE → 204.
func TestSeedTodoFlow(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	listID, taskID := createTask(t, s, testUser)
	task := taskPath(testUser, listID, taskID)
	data := testFile(flowSize)

	// The seed's body, including "@odata.type": "microsoft.graph.attachmentInfo".
	r := createSession(t, s, task, "attachmentInfo", map[string]any{"@odata.type": "microsoft.graph.attachmentInfo", "attachmentType": "file", "name": "flower", "size": flowSize})
	wantStatus(t, r, http.StatusOK)
	sess := r.json(t)
	u := sess["uploadUrl"].(string)
	// "uploadUrl": "https://graph.microsoft.com/beta/users/6f9a…/todo/lists/AAMDiFkfh=/tasks/AAMkADliMm=/attachmentSessions/AAMkADliMm="
	pat := regexp.MustCompile(`^` + regexp.QuoteMeta(s.URL()) + `/v1\.0/users/[0-9a-f-]{36}/todo/lists/` + regexp.QuoteMeta(listID) +
		`/tasks/` + regexp.QuoteMeta(taskID) + `/attachmentSessions/[A-Za-z0-9_=-]+$`)
	if !pat.MatchString(u) {
		t.Fatalf("uploadUrl %q does not have the documented shape", u)
	}
	if !equalJSON(sess["nextExpectedRanges"], []any{"0-"}) {
		t.Errorf("nextExpectedRanges = %v", sess["nextExpectedRanges"])
	}

	r = putRange(t, u+"/content", data, 0, 2097151, flowSize, hdr{"Authorization": "Bearer test-token"})
	wantStatus(t, r, http.StatusOK)
	if got := strings.Join(keys(r.json(t)), ","); got != "ExpirationDateTime,NextExpectedRanges" {
		t.Errorf("To Do range answer keys = %s, want ExpirationDateTime,NextExpectedRanges", got)
	}
	if !equalJSON(r.json(t)["NextExpectedRanges"], []any{"2097152"}) {
		t.Errorf("NextExpectedRanges = %v", r.json(t)["NextExpectedRanges"])
	}
	if r.json(t)["ExpirationDateTime"] != sess["expirationDateTime"] {
		t.Errorf("ExpirationDateTime changed")
	}

	r = putRange(t, u+"/content", data, 2097152, 3483321, flowSize, hdr{"Authorization": "Bearer test-token"})
	wantStatus(t, r, http.StatusCreated)
	if len(r.Body) != 0 {
		t.Errorf("final answer has a body")
	}
	loc := r.Header.Get("Location")
	m := regexp.MustCompile(`^` + regexp.QuoteMeta(s.URL()) + `/v1\.0/users/[0-9a-f-]{36}/todo/lists/` + regexp.QuoteMeta(listID) +
		`/tasks/` + regexp.QuoteMeta(taskID) + `/Attachments/([A-Za-z0-9_=-]+)$`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("Location %q is not …/tasks/{id}/Attachments/{id}", loc)
	}
	// The Location is a Graph URL: it can be read back as is.
	r = do(t, "GET", loc+"/$value", nil, nil)
	wantStatus(t, r, http.StatusOK)
	if !bytes.Equal(r.Body, data) {
		t.Errorf("$value differs from the upload")
	}

	// "替代步骤：取消上传会话" (cancel): DELETE uploadUrl → "HTTP/1.1 204 No content"
	r = createSession(t, s, task, "attachmentInfo", map[string]any{"attachmentType": "file", "name": "x", "size": 10})
	wantStatus(t, r, http.StatusOK)
	u = r.json(t)["uploadUrl"].(string)
	wantStatus(t, do(t, "DELETE", u, nil, nil), http.StatusNoContent)
	wantStatus(t, do(t, "GET", u, nil, nil), http.StatusNotFound)
}

// TestSeedODataKeySyntax: seeds/002 reads the attachment as
// "GET …/v1.0/Users('…')/Events('…')/Attachments('…')/$value".
func TestSeedODataKeySyntax(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	id := createItem(t, s, testUser, "events", "x")
	r := postSmall(t, s, itemPath(testUser, "events", id), "#microsoft.graph.fileAttachment", "a.txt", []byte("hello"))
	wantStatus(t, r, http.StatusCreated)
	att := r.json(t)["id"].(string)
	r = do(t, "GET", s.URL()+"/v1.0/Users('"+testUser+"')/Events('"+id+"')/Attachments('"+att+"')/$value", nil, nil)
	wantStatus(t, r, http.StatusOK)
	if string(r.Body) != "hello" {
		t.Errorf("body = %q", r.Body)
	}
}

func equalJSON(got any, want []any) bool {
	g, ok := got.([]any)
	if !ok || len(g) != len(want) {
		return false
	}
	for i := range g {
		if g[i] != want[i] {
			return false
		}
	}
	return true
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sortStrings(out)
	return out
}
