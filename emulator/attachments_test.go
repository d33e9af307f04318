package emulator

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
)

// Issue 3: "small POST (fileAttachment, taskFileAttachment, 422
// UnprocessableType without @odata.type, the 4 MB request cap)".
func TestSmallPostRules(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	msg := "/me/messages/" + createItem(t, s, testUser, "messages", "x")
	listID, taskID := createTask(t, s, testUser)
	task := taskPath(testUser, listID, taskID)
	b64 := base64.StdEncoding.EncodeToString([]byte("hello"))
	for _, tc := range []struct {
		name   string
		item   string
		body   any
		header hdr
		status int
		code   string
	}{
		{"outlook file", msg, map[string]any{"@odata.type": "#microsoft.graph.fileAttachment", "name": "a.txt", "contentBytes": b64}, nil, 201, ""},
		{"type without #", msg, map[string]any{"@odata.type": "microsoft.graph.fileAttachment", "name": "a.txt", "contentBytes": b64}, nil, 201, ""},
		{"inline with cid", msg, map[string]any{"@odata.type": "#microsoft.graph.fileAttachment", "name": "i.png", "contentBytes": b64, "isInline": true, "contentId": "logo"}, nil, 201, ""},
		{"no @odata.type", msg, map[string]any{"name": "a.txt", "contentBytes": b64}, nil, 422, "UnprocessableType"},
		{"task type on a message", msg, map[string]any{"@odata.type": "#microsoft.graph.taskFileAttachment", "name": "a", "contentBytes": b64}, nil, 422, "UnprocessableType"},
		{"item attachment without its item", msg, map[string]any{"@odata.type": "#microsoft.graph.itemAttachment", "name": "a"}, nil, 400, "BadRequest"},
		{"no name", msg, map[string]any{"@odata.type": "#microsoft.graph.fileAttachment", "contentBytes": b64}, nil, 400, "BadRequest"},
		{"no contentBytes", msg, map[string]any{"@odata.type": "#microsoft.graph.fileAttachment", "name": "a"}, nil, 400, "BadRequest"},
		{"bad base64", msg, map[string]any{"@odata.type": "#microsoft.graph.fileAttachment", "name": "a", "contentBytes": "!!!"}, nil, 400, "BadRequest"},
		{"unknown property", msg, map[string]any{"@odata.type": "#microsoft.graph.fileAttachment", "name": "a", "contentBytes": b64, "colour": "red"}, nil, 400, "BadRequest"},
		{"no content type header", msg, map[string]any{"@odata.type": "#microsoft.graph.fileAttachment", "name": "a", "contentBytes": b64}, hdr{"Content-Type": "text/plain"}, 415, "UnsupportedMediaType"},
		{"task file", task, map[string]any{"@odata.type": "#microsoft.graph.taskFileAttachment", "name": "a.txt", "contentBytes": b64, "contentType": "text/plain"}, nil, 201, ""},
		{"file type on a task", task, map[string]any{"@odata.type": "#microsoft.graph.fileAttachment", "name": "a", "contentBytes": b64}, nil, 422, "UnprocessableType"},
		{"isInline on a task", task, map[string]any{"@odata.type": "#microsoft.graph.taskFileAttachment", "name": "a", "contentBytes": b64, "isInline": false}, nil, 400, "BadRequest"},
		{"no type on a task", task, map[string]any{"name": "a", "contentBytes": b64}, nil, 422, "UnprocessableType"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, "POST", api(s, tc.item+"/attachments"), tc.header, tc.body)
			wantStatus(t, r, tc.status)
			checkJSONContentType(t, r)
			if tc.code != "" {
				if got := r.errCode(t); got != tc.code {
					t.Errorf("code = %s, want %s", got, tc.code)
				}
				return
			}
			a := r.json(t)
			if a["contentBytes"] != b64 || a["size"] == nil || a["id"] == nil {
				t.Errorf("201 answer = %s", r.Body)
			}
		})
	}
}

// graph-protocol.md: "Graph caps a request at 4 MB; base64 inflates by 4/3,
// which is why the POST path stops below 3 MB." Every file under the 3 MB
// session minimum fits one POST; a 4 MB file does not.
func TestSmallPostRequestCap(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	msg := "/me/messages/" + createItem(t, s, testUser, "messages", "x")
	r := postSmall(t, s, msg, "#microsoft.graph.fileAttachment", "under.bin", testFile(3*mb-1))
	wantStatus(t, r, http.StatusCreated)
	r = postSmall(t, s, msg, "#microsoft.graph.fileAttachment", "over.bin", testFile(3*mb+64<<10))
	wantStatus(t, r, http.StatusRequestEntityTooLarge)
	if code := r.errCode(t); code != "BadRequest" || !strings.Contains(string(r.Body), "4MB") {
		t.Errorf("over the cap: %s", r.Body)
	}
}

// Issue 3: "list with $select (without it, contentBytes is included for
// Outlook and never for To Do), get one, $value with the original content
// type, DELETE 204, PATCH refused"; "Reported size is never the raw byte
// count" (20 bytes report 178).
func TestAttachmentReadAndDelete(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	msg := "/me/messages/" + createItem(t, s, testUser, "messages", "x")
	listID, taskID := createTask(t, s, testUser)
	task := taskPath(testUser, listID, taskID)
	content := []byte("twenty bytes of text") // 20 bytes
	for _, tc := range []struct {
		item, typ     string
		listHasBytes  bool
		allowedSelect string
		badSelect     string
	}{
		{msg, "#microsoft.graph.fileAttachment", true, "id,name,contentType,size,isInline,lastModifiedDateTime", "colour"},
		{task, "#microsoft.graph.taskFileAttachment", false, "id,name,contentType,size,lastModifiedDateTime", "isInline"},
	} {
		r := do(t, "POST", api(s, tc.item+"/attachments"), nil, map[string]any{
			"@odata.type": tc.typ, "name": "notes.csv", "contentType": "text/csv", "contentBytes": base64.StdEncoding.EncodeToString(content),
		})
		wantStatus(t, r, http.StatusCreated)
		a := r.json(t)
		id := a["id"].(string)
		if a["size"] != float64(178) {
			t.Errorf("%s: size of 20 bytes = %v, want 178", tc.typ, a["size"])
		}

		r = do(t, "GET", api(s, tc.item+"/attachments"), nil, nil)
		wantStatus(t, r, http.StatusOK)
		first := r.json(t)["value"].([]any)[0].(map[string]any)
		if _, has := first["contentBytes"]; has != tc.listHasBytes {
			t.Errorf("%s: list without $select has contentBytes = %v, want %v", tc.typ, has, tc.listHasBytes)
		}
		r = do(t, "GET", api(s, tc.item+"/attachments?$select="+tc.allowedSelect), nil, nil)
		wantStatus(t, r, http.StatusOK)
		first = r.json(t)["value"].([]any)[0].(map[string]any)
		if _, has := first["contentBytes"]; has {
			t.Errorf("%s: $select without contentBytes still returned them", tc.typ)
		}
		r = do(t, "GET", api(s, tc.item+"/attachments?$select="+tc.badSelect), nil, nil)
		wantStatus(t, r, http.StatusBadRequest)

		r = do(t, "GET", api(s, tc.item+"/attachments/"+id), nil, nil)
		wantStatus(t, r, http.StatusOK)
		if r.json(t)["contentBytes"] != base64.StdEncoding.EncodeToString(content) {
			t.Errorf("%s: get one without $select lacks contentBytes", tc.typ)
		}
		r = do(t, "GET", api(s, tc.item+"/attachments/"+id+"/$value"), nil, nil)
		wantStatus(t, r, http.StatusOK)
		if !bytes.Equal(r.Body, content) || r.Header.Get("Content-Type") != "text/csv" || r.Header.Get("Content-Length") != "20" {
			t.Errorf("%s: $value = %q (%s, %s)", tc.typ, r.Body, r.Header.Get("Content-Type"), r.Header.Get("Content-Length"))
		}

		for _, m := range []string{"PATCH", "PUT"} {
			r = do(t, m, api(s, tc.item+"/attachments/"+id), nil, map[string]any{"name": "renamed"})
			wantStatus(t, r, http.StatusMethodNotAllowed)
			r.errCode(t)
		}
		wantStatus(t, do(t, "DELETE", api(s, tc.item+"/attachments/"+id), nil, nil), http.StatusNoContent)
		r = do(t, "GET", api(s, tc.item+"/attachments/"+id), nil, nil)
		wantStatus(t, r, http.StatusNotFound)
		if r.errCode(t) != "ErrorItemNotFound" {
			t.Errorf("code %s", r.errCode(t))
		}
		wantStatus(t, do(t, "DELETE", api(s, tc.item+"/attachments/"+id), nil, nil), http.StatusNotFound)
	}
}

// Content types: declared wins; else from the name; else sniffed.
func TestAttachmentContentType(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	msg := "/me/messages/" + createItem(t, s, testUser, "messages", "x")
	for _, tc := range []struct {
		name, declared string
		content        []byte
		want           string
	}{
		{"a.pdf", "application/x-custom", []byte("x"), "application/x-custom"},
		{"a.pdf", "", []byte("x"), "application/pdf"},
		{"flower", "", testFile(600), "image/jpeg"},
		{"blob", "", []byte{0, 1, 2, 3}, "application/octet-stream"},
	} {
		body := map[string]any{"@odata.type": "#microsoft.graph.fileAttachment", "name": tc.name, "contentBytes": base64.StdEncoding.EncodeToString(tc.content)}
		if tc.declared != "" {
			body["contentType"] = tc.declared
		}
		r := do(t, "POST", api(s, msg+"/attachments"), nil, body)
		wantStatus(t, r, http.StatusCreated)
		if got := r.json(t)["contentType"]; got != tc.want {
			t.Errorf("%s (%q): contentType %v, want %s", tc.name, tc.declared, got, tc.want)
		}
	}
}

// Attachment ids in item context: an attachment of one item is not found
// through another.
func TestAttachmentBelongsToItsItem(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	a := "/me/messages/" + createItem(t, s, testUser, "messages", "a")
	b := "/me/messages/" + createItem(t, s, testUser, "messages", "b")
	id := postSmall(t, s, a, "#microsoft.graph.fileAttachment", "x", []byte("x")).json(t)["id"].(string)
	wantStatus(t, do(t, "GET", api(s, b+"/attachments/"+id), nil, nil), http.StatusNotFound)
	wantStatus(t, do(t, "DELETE", api(s, b+"/attachments/"+id), nil, nil), http.StatusNotFound)
}
