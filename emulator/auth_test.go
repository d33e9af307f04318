package emulator

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// seeds/004, the To Do range PUT's headers: "Authorization | String |
// Bearer {token}。必需。" (required), as the API reference says of every
// request to graph.microsoft.com (todotask-post-attachments: "Authorization |
// Bearer {token}. Required."). Without a usable token Graph answers 401
// InvalidAuthenticationToken with a WWW-Authenticate challenge, and the
// request changes nothing. The emulator has no identity provider: any
// well-formed bearer token passes.
func TestAuthorizationRequired(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	msg := itemPath(testUser, "messages", createItem(t, s, testUser, "messages", "auth"))
	listID, taskID := createTask(t, s, testUser)
	task := taskPath(testUser, listID, taskID)
	_, todoURL := openTodo(t, s, 3*mb)
	small := map[string]any{"@odata.type": "#microsoft.graph.fileAttachment", "name": "a.txt", "contentBytes": base64.StdEncoding.EncodeToString([]byte("a"))}
	data := testFile(3 * mb)

	for _, tc := range []struct {
		name, method, url string
		body              any
		h                 hdr
		ok                int // the answer with a token
	}{
		{"GET /me", "GET", api(s, "/me"), nil, nil, 200},
		{"GET /beta/me", "GET", s.URL() + "/beta/me", nil, nil, 200},
		{"GET /users", "GET", api(s, "/users"), nil, nil, 200},
		{"list messages ($filter, as data sources do)", "GET", api(s, "/users/"+testUser+"/messages?$filter="+url.QueryEscape("subject eq 'auth'")), nil, nil, 200},
		{"create an event", "POST", api(s, "/users/"+testUser+"/events"), map[string]any{"subject": "e"}, nil, 201},
		{"small POST", "POST", api(s, msg+"/attachments"), small, nil, 201},
		{"createUploadSession", "POST", api(s, msg+"/attachments/createUploadSession"), map[string]any{"AttachmentItem": map[string]any{"attachmentType": "file", "name": "big", "size": 3 * mb}}, nil, 201},
		{"list a task's attachments", "GET", api(s, task+"/attachments"), nil, nil, 200},
		{"To Do range PUT to {uploadUrl}/content", "PUT", todoURL + "/content", data[:100], hdr{"Content-Type": "application/octet-stream", "Content-Range": "bytes 0-99/3145728"}, 200},
		{"To Do upload URL GET", "GET", todoURL, nil, nil, 200},
		{"$batch", "POST", api(s, "/$batch"), map[string]any{"requests": []map[string]any{{"id": "1", "method": "GET", "url": "/me"}}}, nil, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.Stats()
			for _, bad := range []struct{ why, value string }{
				{"none", ""},
				{"another scheme", "Basic dXNlcjpwYXNz"},
				{"an empty bearer", "Bearer "},
				{"no scheme", testToken},
			} {
				h := hdr{"Authorization": bad.value}
				for k, v := range tc.h {
					h[k] = v
				}
				r := do(t, tc.method, tc.url, h, tc.body)
				if r.Status != http.StatusUnauthorized || r.errCode(t) != "InvalidAuthenticationToken" {
					t.Fatalf("Authorization %s: %d %s, want 401 InvalidAuthenticationToken", bad.why, r.Status, r.Body)
				}
				if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer ") {
					t.Errorf("Authorization %s: WWW-Authenticate %q, want Graph's Bearer challenge", bad.why, r.Header.Get("WWW-Authenticate"))
				}
			}
			after := s.Stats()
			if after.Items != before.Items || after.Attachments != before.Attachments || after.OpenUploadSessions != before.OpenUploadSessions || after.SessionBytes != before.SessionBytes {
				t.Errorf("a refused request changed the store: %+v → %+v", before, after)
			}
			wantStatus(t, do(t, tc.method, tc.url, tc.h, tc.body), tc.ok)
		})
	}

	// Two Authorization headers are not one well-formed token.
	req, _ := http.NewRequest("GET", api(s, "/me"), nil)
	req.Header.Add("Authorization", "Bearer a")
	req.Header.Add("Authorization", "Bearer b")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("two Authorization headers: %d, want 401", res.StatusCode)
	}

	// Not Graph's: the introspection endpoint needs nothing.
	wantStatus(t, do(t, "GET", s.URL()+"/_emulator/stats", nil, nil), http.StatusOK)
}

// seeds/002: the Outlook upload URL "is pre-authenticated and contains the
// appropriate authorization token …; do not specify an Authorization
// request header". Requiring Authorization on the Graph origin leaves the
// upload origin as it was: without Authorization it works, with it 401.
func TestOutlookUploadURLStillRefusesAuthorization(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	_, u := openOutlook(t, s, 3*mb)
	wantStatus(t, do(t, "GET", u, nil, nil), http.StatusOK)
	r := do(t, "GET", u, bearer(testToken), nil)
	wantStatus(t, r, http.StatusUnauthorized)
	if r.Header.Get("WWW-Authenticate") != "" {
		t.Errorf("the upload origin challenged for a token it refuses")
	}
	wantStatus(t, putRange(t, u, testFile(3*mb), 0, 3*mb-1, 3*mb, nil), http.StatusCreated)
}

// To Do attachments cannot be written with application permissions. The
// permission tables: createUploadSession, seeds/004 "|Application|不支持。|"
// (not supported); adding a taskFileAttachment, todotask-post-attachments
// "Application | Not supported."; deleting one, taskfileattachment-delete
// "Application | Not supported.". Reading them takes Tasks.Read.All
// (taskfileattachment-get, todotask-list-attachments "Application |
// Tasks.Read.All"), so reads pass. An app-only token has roles and no scp;
// Graph answers its writes 403, and Outlook items are not affected.
func TestAppOnlyTodoAttachmentWrites(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	for _, tok := range []struct {
		name    string
		token   string
		appOnly bool
	}{
		{"app-only: roles, no scp", unsignedJWT(t, map[string]any{"roles": []string{"Tasks.ReadWrite.All"}, "oid": "00000000-0000-0000-0000-000000000001"}), true},
		{"app-only: roles Tasks.Read.All", unsignedJWT(t, map[string]any{"roles": []string{"Tasks.Read.All"}}), true},
		{"app-only: idtyp app, no roles", unsignedJWT(t, map[string]any{"idtyp": "app"}), true},
		{"delegated: scp", unsignedJWT(t, map[string]any{"scp": "Tasks.ReadWrite", "upn": testUser}), false},
		{"delegated: scp and roles", unsignedJWT(t, map[string]any{"scp": "Tasks.ReadWrite", "roles": []string{"Tasks.ReadWrite.All"}, "upn": testUser}), false},
		{"a JWT with neither", unsignedJWT(t, map[string]any{"sub": "x"}), false},
		{"a JWT with empty roles", unsignedJWT(t, map[string]any{"roles": []string{}}), false},
		{"not a JWT", "opaque", false},
	} {
		t.Run(tok.name, func(t *testing.T) {
			listID, taskID := createTask(t, s, testUser)
			task := taskPath(testUser, listID, taskID)
			first := postSmall(t, s, task, "#microsoft.graph.taskFileAttachment", "first.txt", []byte("first"))
			wantStatus(t, first, http.StatusCreated)
			attID := first.json(t)["id"].(string)
			sess := openTodoOn(t, s, task, 3*mb)
			msg := itemPath(testUser, "messages", createItem(t, s, testUser, "messages", "outlook"))
			data := testFile(3 * mb)
			h := bearer(tok.token)
			with := func(extra hdr) hdr {
				out := hdr{}
				for k, v := range h {
					out[k] = v
				}
				for k, v := range extra {
					out[k] = v
				}
				return out
			}
			for _, op := range []struct {
				name, method, url string
				body              any
				h                 hdr
				ok                int
				write             bool
			}{
				{"list (read)", "GET", api(s, task+"/attachments"), nil, h, 200, false},
				{"get one (read)", "GET", api(s, task+"/attachments/"+url.PathEscape(attID)), nil, h, 200, false},
				{"$value (read)", "GET", api(s, task+"/attachments/"+url.PathEscape(attID)+"/$value"), nil, h, 200, false},
				{"session status (read)", "GET", sess, nil, h, 200, false},
				{"small POST", "POST", api(s, task+"/attachments"), map[string]any{"@odata.type": "#microsoft.graph.taskFileAttachment", "name": "b.txt", "contentBytes": "Yg=="}, h, 201, true},
				{"createUploadSession", "POST", api(s, task+"/attachments/createUploadSession"), map[string]any{"attachmentInfo": map[string]any{"attachmentType": "file", "name": "c.bin", "size": 10}}, h, 200, true},
				{"range PUT", "PUT", sess + "/content", data[:100], with(hdr{"Content-Type": "application/octet-stream", "Content-Range": "bytes 0-99/3145728"}), 200, true},
				{"cancel the session", "DELETE", sess, nil, h, 204, true},
				{"delete an attachment", "DELETE", api(s, task+"/attachments/"+url.PathEscape(attID)), nil, h, 204, true},
				{"Outlook small POST is not affected", "POST", api(s, msg+"/attachments"), map[string]any{"@odata.type": "#microsoft.graph.fileAttachment", "name": "m.txt", "contentBytes": "bQ=="}, h, 201, false},
			} {
				before := s.Stats()
				r := do(t, op.method, op.url, op.h, op.body)
				if !(tok.appOnly && op.write) {
					if r.Status != op.ok {
						t.Errorf("%s: %d %s, want %d", op.name, r.Status, r.Body, op.ok)
					}
					continue
				}
				if r.Status != http.StatusForbidden || r.errCode(t) != "ErrorAccessDenied" {
					t.Errorf("%s: %d %s, want 403 ErrorAccessDenied", op.name, r.Status, r.Body)
				}
				if after := s.Stats(); after.Attachments != before.Attachments || after.OpenUploadSessions != before.OpenUploadSessions || after.SessionBytes != before.SessionBytes {
					t.Errorf("%s: the refused write changed the store", op.name)
				}
			}
		})
	}
}

// The refusal comes after the task is found and before anything else: an
// unknown attachment id is still 403, an unknown task still 404.
func TestAppOnlyTodoRefusalOrder(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	listID, taskID := createTask(t, s, testUser)
	app := bearer(unsignedJWT(t, map[string]any{"roles": []string{"Tasks.ReadWrite.All"}}))
	missing := base64.URLEncoding.EncodeToString(make([]byte, 28))
	r := do(t, "DELETE", api(s, taskPath(testUser, listID, taskID)+"/attachments/"+missing), app, nil)
	wantStatus(t, r, http.StatusForbidden)
	r = do(t, "POST", api(s, taskPath(testUser, listID, missing)+"/attachments"), app, map[string]any{})
	wantStatus(t, r, http.StatusNotFound)
}

// Inside $batch the outer request's token is the caller's, as for the
// shared-mailbox 403: an app-only batch cannot write To Do attachments but
// reads them.
func TestAppOnlyTodoWritesInBatch(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	listID, taskID := createTask(t, s, testUser)
	task := "/users/" + testUser + "/todo/lists/" + url.PathEscape(listID) + "/tasks/" + url.PathEscape(taskID)
	app := bearer(unsignedJWT(t, map[string]any{"roles": []string{"Tasks.ReadWrite.All"}}))
	r := do(t, "POST", api(s, "/$batch"), app, map[string]any{"requests": []map[string]any{
		{"id": "w", "method": "POST", "url": task + "/attachments", "headers": map[string]string{"Content-Type": "application/json"},
			"body": map[string]any{"@odata.type": "#microsoft.graph.taskFileAttachment", "name": "a.txt", "contentBytes": "YQ=="}},
		{"id": "r", "method": "GET", "url": task + "/attachments"},
	}})
	wantStatus(t, r, http.StatusOK)
	answers := byID(t, r)
	var e errorBody
	if w := answers["w"]; w.Status != http.StatusForbidden || json.Unmarshal(w.Body, &e) != nil || e.Error.Code != "ErrorAccessDenied" {
		t.Errorf("inner write: %d %s, want 403 ErrorAccessDenied", w.Status, w.Body)
	}
	if rd := answers["r"]; rd.Status != http.StatusOK {
		t.Errorf("inner read: %d %s", rd.Status, rd.Body)
	}
}

// openTodoOn opens a To Do upload session on task with the test token.
func openTodoOn(t *testing.T, s *Server, task string, size int) (uploadURL string) {
	t.Helper()
	r := createSession(t, s, task, "attachmentInfo", map[string]any{"attachmentType": "file", "name": "f.bin", "size": size})
	wantStatus(t, r, http.StatusOK)
	return r.json(t)["uploadUrl"].(string)
}
