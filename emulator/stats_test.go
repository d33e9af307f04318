package emulator

import (
	"encoding/json"
	"net/http"
	"testing"
)

// Issue 3: "GET /_emulator/stats: requests by method and status, open upload
// sessions, attachments per item, bytes stored."
func TestStatsEndpoint(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	a := createItem(t, s, testUser, "messages", "a")                                            // POST 201
	b := createItem(t, s, testUser, "events", "b")                                              // POST 201
	postSmall(t, s, "/me/messages/"+a, "#microsoft.graph.fileAttachment", "x", []byte("12345")) // POST 201
	do(t, "GET", api(s, "/me/messages/"+a+"/attachments"), nil, nil)                            // GET 200
	do(t, "GET", api(s, "/users/nobody@contoso.example"), nil, nil)                             // GET 404
	_, u := openOutlook(t, s, 3*mb)                                                             // POST 201, POST 201
	wantStatus(t, putRange(t, u, testFile(3*mb), 0, 999, 3*mb, nil), http.StatusOK)             // PUT 200

	r := do(t, "GET", s.URL()+"/_emulator/stats", nil, nil)
	wantStatus(t, r, http.StatusOK)
	checkJSONContentType(t, r)
	var st Stats
	if err := json.Unmarshal(r.Body, &st); err != nil {
		t.Fatal(err)
	}
	want := Stats{
		Requests: RequestStats{
			Total:    8,
			ByMethod: map[string]int64{"POST": 5, "GET": 2, "PUT": 1},
			ByStatus: map[string]int64{"201": 5, "200": 2, "404": 1},
		},
		OpenUploadSessions: 1,
		SessionBytes:       1000,
		Mailboxes:          1,
		Items:              3,
		Attachments:        1,
		BytesStored:        5,
	}
	if st.Requests.Total != want.Requests.Total || !sameCounts(st.Requests.ByMethod, want.Requests.ByMethod) || !sameCounts(st.Requests.ByStatus, want.Requests.ByStatus) {
		t.Errorf("requests = %+v, want %+v", st.Requests, want.Requests)
	}
	if st.OpenUploadSessions != 1 || st.SessionBytes != 1000 || st.Mailboxes != 1 || st.Items != 3 || st.Attachments != 1 || st.BytesStored != 5 {
		t.Errorf("stats = %+v", st)
	}
	if st.AttachmentsPerItem[a] != 1 || st.AttachmentsPerItem[b] != 0 || len(st.AttachmentsPerItem) != 3 {
		t.Errorf("attachmentsPerItem = %v", st.AttachmentsPerItem)
	}
	// The stats endpoint counts no request of its own and lives outside Graph's namespace.
	if s.Stats().Requests.Total != 8 {
		t.Errorf("stats requests were counted")
	}
	wantStatus(t, do(t, "GET", api(s, "/_emulator/stats"), nil, nil), http.StatusBadRequest)
	wantStatus(t, do(t, "POST", s.URL()+"/_emulator/stats", nil, nil), http.StatusMethodNotAllowed)
}

func sameCounts(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}
