package emulator

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Issue 3: "an unknown mailbox is 404 ErrorInvalidUser … unless the emulator
// runs with auto-created mailboxes"; /me is the first of Options.Users.
func TestMailboxes(t *testing.T) {
	s, _ := newTestServer(t, Options{Users: []string{testUser, "adele@contoso.example"}})
	auto, _ := newTestServer(t, Options{AutoCreateMailboxes: true})
	for _, tc := range []struct {
		name   string
		srv    *Server
		path   string
		status int
		code   string
		upn    string
	}{
		{"me is the first user", s, "/me", 200, "", testUser},
		{"by upn", s, "/users/adele@contoso.example", 200, "", "adele@contoso.example"},
		{"upn is case-insensitive", s, "/users/ADELE@contoso.example", 200, "", "adele@contoso.example"},
		{"unknown user", s, "/users/nobody@contoso.example/messages", 404, "ErrorInvalidUser", ""},
		{"auto-created", auto, "/users/new@contoso.example", 200, "", "new@contoso.example"},
		{"auto-create needs a upn", auto, "/users/not-a-upn/messages", 404, "ErrorInvalidUser", ""},
		{"unknown segment", s, "/me/contacts", 400, "BadRequest", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, "GET", api(tc.srv, tc.path), nil, nil)
			wantStatus(t, r, tc.status)
			checkJSONContentType(t, r)
			if tc.code != "" {
				if got := r.errCode(t); got != tc.code {
					t.Errorf("code = %s, want %s", got, tc.code)
				}
				return
			}
			if got := r.json(t)["userPrincipalName"]; got != tc.upn {
				t.Errorf("userPrincipalName = %v, want %s", got, tc.upn)
			}
		})
	}
	// The user's id works like the upn, and beta is an alias of v1.0.
	id := do(t, "GET", api(s, "/me"), nil, nil).json(t)["id"].(string)
	wantStatus(t, do(t, "GET", s.URL()+"/beta/users/"+id+"/messages", nil, nil), http.StatusOK)
}

// Issue 3: "list with $filter on subject / displayName / title (eq and
// startswith are enough), $select, $top, paging with @odata.nextLink".
func TestListItems(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	for _, subj := range []string{"Budget 2024", "Budget 2025", "budget review", "It's done", "Other"} {
		createItem(t, s, testUser, "messages", subj)
		createItem(t, s, testUser, "events", subj)
	}
	for _, coll := range []string{"messages", "events"} {
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"$filter=subject eq 'Budget 2025'", []string{"Budget 2025"}},
			{"$filter=subject eq 'budget 2025'", []string{"Budget 2025"}}, // Exchange compares case-insensitively
			{"$filter=startswith(subject,'Budget')", []string{"Budget 2024", "Budget 2025", "budget review"}},
			{"$filter=subject eq 'It''s done'", []string{"It's done"}},
			{"$filter=subject eq 'nothing'", nil},
			{"$top=2", []string{"Budget 2024", "Budget 2025"}},
			{"$top=2&$skip=4", []string{"Other"}},
		} {
			r := do(t, "GET", api(s, "/me/"+coll+"?"+encodeQuery(tc.query)), nil, nil)
			wantStatus(t, r, http.StatusOK)
			var got []string
			for _, v := range r.json(t)["value"].([]any) {
				got = append(got, v.(map[string]any)["subject"].(string))
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("%s ?%s = %q, want %q", coll, tc.query, got, tc.want)
			}
		}
	}
}

func encodeQuery(q string) string {
	var parts []string
	for _, p := range strings.Split(q, "&") {
		k, v, _ := strings.Cut(p, "=")
		parts = append(parts, k+"="+url.QueryEscape(v))
	}
	return strings.Join(parts, "&")
}

func TestListPagingAndSelect(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	for i := 0; i < 25; i++ {
		createItem(t, s, testUser, "messages", "m")
	}
	next := api(s, "/me/messages?$select=subject")
	seen, pages := map[string]bool{}, 0
	for next != "" {
		r := do(t, "GET", next, nil, nil)
		wantStatus(t, r, http.StatusOK)
		body := r.json(t)
		for _, v := range body["value"].([]any) {
			m := v.(map[string]any)
			if got := strings.Join(keys(m), ","); got != "id,subject" {
				t.Fatalf("$select=subject answered %s", got)
			}
			seen[m["id"].(string)] = true
		}
		next, _ = body["@odata.nextLink"].(string)
		pages++
	}
	if len(seen) != 25 || pages != 3 {
		t.Errorf("paging saw %d items in %d pages, want 25 in 3 (default page size 10)", len(seen), pages)
	}
}

func TestQueryRules(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	for _, tc := range []struct {
		query, code string
	}{
		{"$filter=" + url.QueryEscape("importance eq 'high'"), "ErrorInvalidUrlQueryFilter"},
		{"$filter=" + url.QueryEscape("subject ne 'x'"), "ErrorInvalidUrlQueryFilter"},
		{"$filter=" + url.QueryEscape("subject eq x"), "ErrorInvalidUrlQueryFilter"},
		{"$top=0", "BadRequest"},
		{"$top=abc", "BadRequest"},
		{"$expand=attachments", "BadRequest"},
	} {
		r := do(t, "GET", api(s, "/me/messages?"+tc.query), nil, nil)
		wantStatus(t, r, http.StatusBadRequest)
		if got := r.errCode(t); got != tc.code {
			t.Errorf("?%s: code %s, want %s", tc.query, got, tc.code)
		}
	}
}

// Issue 3 (and graph-protocol.md): "Item ids are opaque (base64-like, may
// end in '=')"; they must be escaped correctly as path segments.
func TestItemIDs(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	id := createItem(t, s, testUser, "messages", "x")
	if !strings.HasSuffix(id, "=") || !wellFormedID(id) {
		t.Fatalf("id %q does not look like a Graph id", id)
	}
	for _, tc := range []struct {
		name, seg string
		status    int
		code      string
	}{
		{"raw", id, 200, ""},
		{"escaped", url.PathEscape(strings.ReplaceAll(id, "=", "%3D")), 400, "ErrorInvalidIdMalformed"}, // escaped twice
		{"percent-encoded padding", strings.ReplaceAll(id, "=", "%3D"), 200, ""},
		{"truncated", id[:len(id)-2], 400, "ErrorInvalidIdMalformed"},
		{"unknown", strings.Replace(id, id[10:14], "AAAA", 1), 404, "ErrorItemNotFound"},
	} {
		r := do(t, "GET", api(s, "/me/messages/"+tc.seg), nil, nil)
		wantStatus(t, r, tc.status)
		if tc.code != "" && r.errCode(t) != tc.code {
			t.Errorf("%s: code %s, want %s", tc.name, r.errCode(t), tc.code)
		}
	}
}

// Issue 3: "Mail folders (the well-known names such as drafts, inbox,
// archive, deleteditems, and folders created with POST .../mailFolders);
// POST .../messages/{id}/move changes a message's id unless the request
// carried Prefer: IdType="ImmutableId"".
func TestFoldersAndMove(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	for _, wk := range []string{"drafts", "inbox", "archive", "deleteditems"} {
		wantStatus(t, do(t, "GET", api(s, "/me/mailFolders/"+wk), nil, nil), http.StatusOK)
	}
	r := do(t, "POST", api(s, "/me/mailFolders"), nil, map[string]any{"displayName": "Projects"})
	wantStatus(t, r, http.StatusCreated)
	projects := r.json(t)["id"].(string)
	r = do(t, "POST", api(s, "/me/mailFolders"), nil, map[string]any{"displayName": "projects"})
	wantStatus(t, r, http.StatusConflict)
	if r.errCode(t) != "ErrorFolderExists" {
		t.Errorf("duplicate folder: %s", r.errCode(t))
	}

	// A new message is a draft in Drafts.
	id := createItem(t, s, testUser, "messages", "movable")
	m := do(t, "GET", api(s, "/me/mailFolders/drafts/messages"), nil, nil).json(t)["value"].([]any)
	if len(m) != 1 || m[0].(map[string]any)["isDraft"] != true {
		t.Fatalf("drafts holds %v", m)
	}
	att := postSmall(t, s, "/me/messages/"+id, "#microsoft.graph.fileAttachment", "a.txt", []byte("kept"))
	wantStatus(t, att, http.StatusCreated)

	// Without the preference the id changes and the old one is gone.
	r = do(t, "POST", api(s, "/me/messages/"+id+"/move"), nil, map[string]any{"destinationId": projects})
	wantStatus(t, r, http.StatusCreated)
	moved := r.json(t)["id"].(string)
	if moved == id {
		t.Fatalf("move kept the id %s", id)
	}
	wantStatus(t, do(t, "GET", api(s, "/me/messages/"+id), nil, nil), http.StatusNotFound)
	wantStatus(t, do(t, "GET", api(s, "/me/mailFolders/"+projects+"/messages/"+moved), nil, nil), http.StatusOK)
	wantStatus(t, do(t, "GET", api(s, "/me/mailFolders/drafts/messages/"+moved), nil, nil), http.StatusNotFound)
	if n := len(do(t, "GET", api(s, "/me/messages/"+moved+"/attachments"), nil, nil).json(t)["value"].([]any)); n != 1 {
		t.Errorf("the attachment did not move with the message (%d)", n)
	}

	// With it, ids are immutable: the same before and after a move.
	prefer := hdr{"Prefer": `IdType="ImmutableId"`}
	r = do(t, "GET", api(s, "/me/messages/"+moved), prefer, nil)
	wantStatus(t, r, http.StatusOK)
	if r.Header.Get("Preference-Applied") != `IdType="ImmutableId"` {
		t.Errorf("Preference-Applied = %q", r.Header.Get("Preference-Applied"))
	}
	imm := r.json(t)["id"].(string)
	r = do(t, "POST", api(s, "/me/messages/"+imm+"/move"), prefer, map[string]any{"destinationId": "archive"})
	wantStatus(t, r, http.StatusCreated)
	if got := r.json(t)["id"]; got != imm {
		t.Errorf("immutable id changed on move: %v → %v", imm, got)
	}
	wantStatus(t, do(t, "GET", api(s, "/me/messages/"+imm), prefer, nil), http.StatusOK)
	wantStatus(t, do(t, "GET", api(s, "/me/messages/"+moved), nil, nil), http.StatusNotFound)
}

// To Do lists are found by displayName, tasks by title.
func TestTodoLists(t *testing.T) {
	s, _ := newTestServer(t, Options{Demo: true})
	r := do(t, "GET", api(s, "/users/"+DemoMailbox+"/todo/lists?$filter="+url.QueryEscape("displayName eq 'Onboarding'")), nil, nil)
	wantStatus(t, r, http.StatusOK)
	lists := r.json(t)["value"].([]any)
	if len(lists) != 1 {
		t.Fatalf("lists = %v", lists)
	}
	listID := lists[0].(map[string]any)["id"].(string)
	r = do(t, "GET", api(s, "/users/"+DemoMailbox+"/todo/lists/"+listID+"/tasks?$filter="+url.QueryEscape("startswith(title,'Read')")), nil, nil)
	wantStatus(t, r, http.StatusOK)
	tasks := r.json(t)["value"].([]any)
	if len(tasks) != 1 || tasks[0].(map[string]any)["title"] != DemoTaskTitle {
		t.Fatalf("tasks = %v", tasks)
	}
	// Every mailbox has To Do's default list.
	r = do(t, "GET", api(s, "/me/todo/lists?$filter="+url.QueryEscape("displayName eq 'Tasks'")), nil, nil)
	if n := len(r.json(t)["value"].([]any)); n != 1 {
		t.Errorf("default list missing (%d)", n)
	}
}

func TestDeleteItemDropsAttachments(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	id := createItem(t, s, testUser, "events", "x")
	wantStatus(t, postSmall(t, s, "/me/events/"+id, "#microsoft.graph.fileAttachment", "a", []byte("abc")), http.StatusCreated)
	wantStatus(t, do(t, "DELETE", api(s, "/me/events/"+id), nil, nil), http.StatusNoContent)
	wantStatus(t, do(t, "GET", api(s, "/me/events/"+id+"/attachments"), nil, nil), http.StatusNotFound)
	if st := s.Stats(); st.Attachments != 0 || st.BytesStored != 0 {
		t.Errorf("stats after delete: %+v", st)
	}
}

// The refresh reads each item's label with $select on a single item (get
// message, get event, get todoTask, get todoTaskList: each "supports the
// $select OData query parameter"): the answer holds the selected property,
// the id and annotations only, and an option the resource does not
// support is refused.
func TestGetItemSelect(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	msg := createItem(t, s, testUser, "messages", "Welcome pack 2")
	ev := createItem(t, s, testUser, "events", "All hands")
	list, task := createTask(t, s, testUser)
	for _, tc := range []struct {
		path, sel, want string
	}{
		{itemPath(testUser, "messages", msg), "subject", "Welcome pack 2"},
		{itemPath(testUser, "events", ev), "subject", "All hands"},
		{"/users/" + testUser + "/todo/lists/" + url.PathEscape(list) + "/tasks/" + url.PathEscape(task), "title", "Task"},
		{"/users/" + testUser + "/todo/lists/" + url.PathEscape(list), "displayName", "List"},
	} {
		r := do(t, "GET", api(s, tc.path+"?$select="+tc.sel), nil, nil)
		wantStatus(t, r, http.StatusOK)
		body := r.json(t)
		var props []string
		for _, k := range keys(body) {
			if !strings.HasPrefix(k, "@odata.") {
				props = append(props, k)
			}
		}
		if got := strings.Join(props, ","); got != "id,"+tc.sel && got != tc.sel+",id" {
			t.Errorf("GET %s?$select=%s answered properties %s, want id and %s", tc.path, tc.sel, got, tc.sel)
		}
		if body[tc.sel] != tc.want {
			t.Errorf("GET %s?$select=%s: %s = %v, want %q", tc.path, tc.sel, tc.sel, body[tc.sel], tc.want)
		}
		r = do(t, "GET", api(s, tc.path+"?$orderby=id"), nil, nil)
		wantStatus(t, r, http.StatusBadRequest)
	}
}
