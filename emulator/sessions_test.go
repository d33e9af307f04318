package emulator

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// openOutlook opens a session on a new message and returns its upload URL.
func openOutlook(t *testing.T, s *Server, size int) (item, uploadURL string) {
	t.Helper()
	item = "/me/messages/" + createItem(t, s, testUser, "messages", "x")
	r := createSession(t, s, item, "AttachmentItem", map[string]any{"attachmentType": "file", "name": "f.bin", "size": size})
	wantStatus(t, r, http.StatusCreated)
	return item, r.json(t)["uploadUrl"].(string)
}

func openTodo(t *testing.T, s *Server, size int) (task, uploadURL string) {
	t.Helper()
	listID, taskID := createTask(t, s, testUser)
	task = taskPath(testUser, listID, taskID)
	r := createSession(t, s, task, "attachmentInfo", map[string]any{"attachmentType": "file", "name": "f.bin", "size": size})
	wantStatus(t, r, http.StatusOK)
	return task, r.json(t)["uploadUrl"].(string)
}

func innerCode(t *testing.T, r resp) string {
	t.Helper()
	var e errorBody
	json.Unmarshal(r.Body, &e)
	return e.Error.InnerError.Code
}

// Issue 3: "Ranges must come in order with Content-Length equal to the range
// and a constant total"; "an overlapping or out-of-order range answers 416
// with Graph's error body (invalidRange, inner fragmentOverlap /
// fragmentOutOfOrder) and the current next range".
func TestRangeRules(t *testing.T) {
	const size = 4 * mb
	data := testFile(size)
	for _, tc := range []struct {
		name        string
		first       bool // upload 0-1048575 before the range under test
		rng         string
		body        []byte
		headers     hdr
		status      int
		code, inner string
	}{
		{"in order", true, "bytes 1048576-2097151/4194304", data[1*mb : 2*mb], nil, 200, "", ""},
		{"overlap", true, "bytes 0-1048575/4194304", data[:1*mb], nil, 416, "invalidRange", "fragmentOverlap"},
		{"partial overlap", true, "bytes 1000-1049575/4194304", data[:1*mb], nil, 416, "invalidRange", "fragmentOverlap"},
		{"out of order", true, "bytes 2097152-3145727/4194304", data[:1*mb], nil, 416, "invalidRange", "fragmentOutOfOrder"},
		{"length mismatch", false, "bytes 0-1048575/4194304", data[:1000], nil, 400, "invalidRange", "fragmentLengthMismatch"},
		{"total changes", false, "bytes 0-1048575/4194305", data[:1*mb], nil, 400, "invalidRange", "invalidTotal"},
		{"malformed", false, "bytes=0-1048575/4194304", data[:1*mb], nil, 400, "invalidRange", "invalidContentRange"},
		{"unknown total", false, "bytes 0-1048575/*", data[:1*mb], nil, 400, "invalidRange", "invalidContentRange"},
		{"no range", false, "", data[:1*mb], nil, 400, "invalidRange", "invalidContentRange"},
		{"end past total", false, "bytes 0-4194304/4194304", data, nil, 400, "invalidRange", "invalidContentRange"},
		{"wrong content type", false, "bytes 0-1048575/4194304", data[:1*mb], hdr{"Content-Type": "application/json"}, 415, "UnsupportedMediaType", ""},
		{"gzip", false, "bytes 0-1048575/4194304", data[:1*mb], hdr{"Content-Encoding": "gzip"}, 415, "UnsupportedMediaType", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newTestServer(t, Options{})
			_, u := openOutlook(t, s, size)
			if tc.first {
				wantStatus(t, putRange(t, u, data, 0, 1*mb-1, size, nil), http.StatusOK)
			}
			h := hdr{"Content-Type": "application/octet-stream", "Content-Range": tc.rng}
			for k, v := range tc.headers {
				h[k] = v
			}
			r := do(t, "PUT", u, h, tc.body)
			wantStatus(t, r, tc.status)
			if tc.code == "" {
				return
			}
			if got := r.errCode(t); got != tc.code {
				t.Errorf("code = %s, want %s", got, tc.code)
			}
			if got := innerCode(t, r); got != tc.inner {
				t.Errorf("inner code = %q, want %q", got, tc.inner)
			}
			if tc.status == 416 {
				var e errorBody
				json.Unmarshal(r.Body, &e)
				if strings.Join(e.Error.NextExpectedRanges, ",") != "1048576" {
					t.Errorf("416 nextExpectedRanges = %v, want [1048576]", e.Error.NextExpectedRanges)
				}
			}
			// A refused range changes nothing.
			r = do(t, "GET", u, nil, nil)
			want := "0-"
			if tc.first {
				want = "1048576"
			}
			if tc.status != 200 && !equalJSON(r.json(t)["nextExpectedRanges"], []any{want}) {
				t.Errorf("after a refused range the session is at %v, want %s", r.json(t)["nextExpectedRanges"], want)
			}
		})
	}
}

// Issue 3: Outlook's upload URL is "pre-authenticated … with the token in
// the query; a request to it carrying Authorization is refused with 401";
// To Do's is on the Graph origin "with the bearer token" (seeds/004:
// "Authorization | String | Bearer {token}。必需。", required).
func TestUploadAuthPerOrigin(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	const size = 3 * mb
	data := testFile(size)
	_, u := openOutlook(t, s, size)
	_, tu := openTodo(t, s, size)
	noToken := u[:strings.Index(u, "?")]
	badToken := noToken + "?authtoken=eyJforged"
	for _, tc := range []struct {
		name, method, url string
		headers           hdr
		status            int
		code              string
	}{
		{"outlook PUT with Authorization", "PUT", u, hdr{"Authorization": "Bearer t"}, 401, "InvalidAuthenticationToken"},
		{"outlook GET with Authorization", "GET", u, hdr{"Authorization": "Bearer t"}, 401, "InvalidAuthenticationToken"},
		{"outlook DELETE with Authorization", "DELETE", u, hdr{"Authorization": "Bearer t"}, 401, "InvalidAuthenticationToken"},
		{"outlook without authtoken", "GET", noToken, nil, 401, "InvalidAuthenticationToken"},
		{"outlook forged authtoken", "GET", badToken, nil, 401, "InvalidAuthenticationToken"},
		{"outlook unknown session", "GET", strings.Replace(u, "AttachmentSessions('", "AttachmentSessions('x", 1), nil, 404, "ErrorItemNotFound"},
		{"outlook GET", "GET", u, nil, 200, ""},
		{"todo with bearer", "GET", tu, hdr{"Authorization": "Bearer t"}, 200, ""},
		{"todo without Authorization", "GET", tu, noAuth, 401, "InvalidAuthenticationToken"},
		{"todo malformed Authorization", "GET", tu, hdr{"Authorization": "Basic dXNlcg=="}, 401, "InvalidAuthenticationToken"},
		{"todo empty bearer", "GET", tu, hdr{"Authorization": "Bearer "}, 401, "InvalidAuthenticationToken"},
		{"graph malformed Authorization", "GET", api(s, "/me"), hdr{"Authorization": "token"}, 401, "InvalidAuthenticationToken"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, tc.method, tc.url, tc.headers, nil)
			wantStatus(t, r, tc.status)
			if tc.code != "" && r.errCode(t) != tc.code {
				t.Errorf("code = %s, want %s", r.errCode(t), tc.code)
			}
		})
	}
	// The refusals changed nothing: the Outlook session still uploads.
	wantStatus(t, putRange(t, u, data, 0, size-1, size, nil), http.StatusCreated)
}

// Issue 3, To Do: "PUT to {uploadUrl}/content …, a range over 4 MB refused";
// seeds/004: "任何大于 4 MB 的请求都将失败" (any request over 4 MB fails).
func TestTodoRangeRules(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	const size = 9 * mb
	data := testFile(size)
	_, u := openTodo(t, s, size)
	r := putRange(t, u+"/content", data, 0, 4*mb, size, nil) // 4 MB + 1 byte
	wantStatus(t, r, http.StatusRequestEntityTooLarge)
	r.errCode(t)
	// A PUT on the upload URL itself, without /content, is the SDK bug.
	r = putRange(t, u, data, 0, 4*mb-1, size, nil)
	wantStatus(t, r, http.StatusMethodNotAllowed)
	r.errCode(t)
	// Exactly 4 MB is fine; the session goes on at any size.
	wantStatus(t, putRange(t, u+"/content", data, 0, 4*mb-1, size, nil), http.StatusOK)
	wantStatus(t, putRange(t, u+"/content", data, 4*mb, 8*mb-1, size, nil), http.StatusOK)
	wantStatus(t, putRange(t, u+"/content", data, 8*mb, size-1, size, nil), http.StatusCreated)
}

// Per-kind size limits on createUploadSession.
func TestSessionSizeLimits(t *testing.T) {
	s, _ := newTestServer(t, Options{Limits: Limits{MessageBytes: 150 * mb}})
	small, _ := newTestServer(t, Options{})
	msg := "/me/messages/" + createItem(t, s, testUser, "messages", "x")
	msgSmall := "/me/messages/" + createItem(t, small, testUser, "messages", "x")
	listID, taskID := createTask(t, s, testUser)
	task := taskPath(testUser, listID, taskID)
	for _, tc := range []struct {
		name        string
		srv         *Server
		item, param string
		size        int
		status      int
		code        string
	}{
		{"outlook 150 MB", s, msg, "AttachmentItem", 150 * mb, 201, ""},
		{"outlook over 150 MB", s, msg, "AttachmentItem", 150*mb + 1, 400, "ErrorAttachmentSizeShouldNotBeGreaterThanMaximumSize"},
		{"outlook over the 35 MB message size", small, msgSmall, "AttachmentItem", 36 * mb, 413, "ErrorMessageSizeExceeded"},
		{"todo 1 byte", s, task, "attachmentInfo", 1, 200, ""},
		{"todo 25 MB", s, task, "attachmentInfo", 25 * mb, 200, ""},
		{"todo over 25 MB", s, task, "attachmentInfo", 25*mb + 1, 400, "ErrorAttachmentSizeShouldNotBeGreaterThanMaximumSize"},
		{"todo zero", s, task, "attachmentInfo", 0, 400, "BadRequest"},
		{"outlook with To Do's parameter", s, msg, "attachmentInfo", 4 * mb, 400, "BadRequest"},
		{"todo with Outlook's parameter", s, task, "AttachmentItem", 4 * mb, 400, "BadRequest"},
		{"outlook camelCase parameter", s, msg, "attachmentItem", 4 * mb, 400, "BadRequest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := createSession(t, tc.srv, tc.item, tc.param, map[string]any{"attachmentType": "file", "name": "f", "size": tc.size})
			wantStatus(t, r, tc.status)
			if tc.code != "" && r.errCode(t) != tc.code {
				t.Errorf("code = %s, want %s", r.errCode(t), tc.code)
			}
		})
	}
	r := createSession(t, s, msg, "AttachmentItem", map[string]any{"attachmentType": "reference", "name": "f", "size": 4 * mb})
	wantStatus(t, r, http.StatusBadRequest)
	r = createSession(t, s, task, "attachmentInfo", map[string]any{"attachmentType": "file", "name": "f", "size": 4 * mb, "isInline": true})
	wantStatus(t, r, http.StatusBadRequest)
}

// Issue 3: "A message whose attachments would exceed the mailbox's maximum
// message size … fails with ErrorMessageSizeExceeded, also part-way through
// a session."
func TestMessageSizePartWay(t *testing.T) {
	const limit, size = 4 * mb, 3*mb + 512<<10
	s, _ := newTestServer(t, Options{Limits: Limits{MessageBytes: limit}})
	item, u := openOutlook(t, s, size) // alone, 3.5 MB fits in 4 MB
	// Meanwhile the message gains a 1.5 MB attachment by POST.
	wantStatus(t, postSmall(t, s, item, "#microsoft.graph.fileAttachment", "a.bin", testFile(1500000)), http.StatusCreated)
	data := testFile(size)
	var failedAt int64 = -1
	var failed resp
	for start := int64(0); start < size; start += mb {
		r := putRange(t, u, data, start, min(start+mb, size)-1, size, nil)
		if r.Status != http.StatusOK {
			failed, failedAt = r, start
			break
		}
	}
	// 1.5 MB + 3 MB received passes 4 MB at the third of four ranges.
	if failedAt != 2*mb {
		t.Fatalf("failed at byte %d (status %d), want part-way at %d", failedAt, failed.Status, 2*mb)
	}
	wantStatus(t, failed, http.StatusRequestEntityTooLarge)
	if failed.errCode(t) != "ErrorMessageSizeExceeded" {
		t.Errorf("code = %s", failed.errCode(t))
	}
	// The failed session is gone.
	wantStatus(t, do(t, "GET", u, nil, nil), http.StatusNotFound)
	if st := s.Stats(); st.OpenUploadSessions != 0 || st.Attachments != 1 {
		t.Errorf("after the failure: %d sessions, %d attachments", st.OpenUploadSessions, st.Attachments)
	}
	// Small POSTs obey the same limit: 1.5 + 1.5 fits, a third does not.
	wantStatus(t, postSmall(t, s, item, "#microsoft.graph.fileAttachment", "b.bin", testFile(1500000)), http.StatusCreated)
	r := postSmall(t, s, item, "#microsoft.graph.fileAttachment", "c.bin", testFile(1500000))
	wantStatus(t, r, http.StatusRequestEntityTooLarge)
	if r.errCode(t) != "ErrorMessageSizeExceeded" {
		t.Errorf("POST over the limit: %s", r.errCode(t))
	}
}

// Issue 3: "Sessions expire (configurable lifetime, injectable clock)";
// seeds/002: expirationDateTime "remains the same as returned by the initial
// uploadSession". The emulator's choice: an expired session is 404.
func TestSessionExpiry(t *testing.T) {
	for _, kind := range []string{"outlook", "todo"} {
		t.Run(kind, func(t *testing.T) {
			s, clock := newTestServer(t, Options{SessionLifetime: 10 * time.Minute})
			const size = 4 * mb
			data := testFile(size)
			var u, put string
			if kind == "outlook" {
				_, u = openOutlook(t, s, size)
				put = u
			} else {
				_, u = openTodo(t, s, size)
				put = u + "/content"
			}
			r := do(t, "GET", u, nil, nil)
			exp, _ := time.Parse(time.RFC3339Nano, r.json(t)["ExpirationDateTime"].(string))
			if !exp.Equal(testEpoch.Add(10 * time.Minute)) {
				t.Errorf("expiry %v, want %v", exp, testEpoch.Add(10*time.Minute))
			}
			clock.Advance(9 * time.Minute)
			wantStatus(t, putRange(t, put, data, 0, mb-1, size, nil), http.StatusOK)
			clock.Advance(time.Minute)
			r = putRange(t, put, data, mb, 2*mb-1, size, nil)
			wantStatus(t, r, http.StatusNotFound)
			if r.errCode(t) != "ErrorItemNotFound" {
				t.Errorf("code %s", r.errCode(t))
			}
			wantStatus(t, do(t, "GET", u, nil, nil), http.StatusNotFound)
			wantStatus(t, do(t, "DELETE", u, nil, nil), http.StatusNotFound)
			if n := s.Stats().OpenUploadSessions; n != 0 {
				t.Errorf("%d sessions open after expiry", n)
			}
		})
	}
}

// Issue 3: "GET on an upload URL returns the session status".
func TestSessionStatus(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	const size = 3 * mb
	data := testFile(size)
	_, u := openOutlook(t, s, size)
	r := do(t, "GET", u, nil, nil)
	wantStatus(t, r, http.StatusOK)
	if !equalJSON(r.json(t)["nextExpectedRanges"], []any{"0-"}) {
		t.Errorf("fresh session: %s", r.Body)
	}
	wantStatus(t, putRange(t, u, data, 0, 99, size, nil), http.StatusOK)
	r = do(t, "GET", u, nil, nil)
	if !equalJSON(r.json(t)["nextExpectedRanges"], []any{"100"}) {
		t.Errorf("after 100 bytes: %s", r.Body)
	}
	_, tu := openTodo(t, s, size)
	r = do(t, "GET", tu, nil, nil)
	wantStatus(t, r, http.StatusOK)
	if !equalJSON(r.json(t)["NextExpectedRanges"], []any{"0-"}) {
		t.Errorf("To Do status: %s", r.Body)
	}
}

// Deleting the item ends its sessions.
func TestSessionEndsWithItem(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	item, u := openOutlook(t, s, 3*mb)
	wantStatus(t, do(t, "DELETE", api(s, item), nil, nil), http.StatusNoContent)
	wantStatus(t, do(t, "GET", u, nil, nil), http.StatusNotFound)
}

// An upload URL is used "exactly as given": it must be one the emulator issued.
func TestUploadURLMustMatch(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	_, u := openOutlook(t, s, 3*mb)
	other := "/me/messages/" + createItem(t, s, testUser, "messages", "y")
	otherID := other[len("/me/messages/"):]
	i := strings.Index(u, "/Messages('") + len("/Messages('")
	j := strings.Index(u[i:], "'")
	tampered := u[:i] + otherID + u[i+j:]
	wantStatus(t, do(t, "GET", tampered, nil, nil), http.StatusNotFound)
	wantStatus(t, do(t, "GET", strings.Replace(u, "/Messages(", "/Events(", 1), nil, nil), http.StatusNotFound)
}
