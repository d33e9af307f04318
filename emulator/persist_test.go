package emulator

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
)

// Options.DataDir: "everything survives New() on the same dir": items,
// attachments byte for byte, and open upload sessions at their URL.
func TestPersistenceSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	clock := NewFakeClock(testEpoch)
	s1, err := New(Options{DataDir: dir, Users: []string{testUser}, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	id := createItem(t, s1, testUser, "messages", "persisted")
	item := "/me/messages/" + id
	small := []byte("small file")
	att := postSmall(t, s1, item, "#microsoft.graph.fileAttachment", "small.txt", small).json(t)["id"].(string)
	data := testFile(flowSize)
	r := createSession(t, s1, item, "AttachmentItem", map[string]any{"attachmentType": "file", "name": "flower", "size": flowSize})
	wantStatus(t, r, http.StatusCreated)
	u := r.json(t)["uploadUrl"].(string)
	wantStatus(t, putRange(t, u, data, 0, 2097151, flowSize, nil), http.StatusOK)
	listID, taskID := createTask(t, s1, testUser)
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "store.json")); err != nil || fi.Mode().Perm()&0o077 != 0 {
		t.Fatalf("store.json: %v (mode %v), want private", err, fi.Mode())
	}

	s2, err := New(Options{DataDir: dir, Users: []string{testUser}, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	r = do(t, "GET", api(s2, item+"/attachments/"+att+"/$value"), nil, nil)
	wantStatus(t, r, http.StatusOK)
	if !bytes.Equal(r.Body, small) {
		t.Errorf("small attachment after restart = %q", r.Body)
	}
	wantStatus(t, do(t, "GET", api(s2, taskPath(testUser, listID, taskID)), nil, nil), http.StatusOK)

	// The session resumes where it was, at the same upload URL when the
	// port is free again (it is here).
	if s2.UploadOrigin() != s1.UploadOrigin() {
		t.Skipf("upload port was taken: %s → %s", s1.UploadOrigin(), s2.UploadOrigin())
	}
	r = do(t, "GET", u, nil, nil)
	wantStatus(t, r, http.StatusOK)
	if !equalJSON(r.json(t)["nextExpectedRanges"], []any{"2097152"}) {
		t.Fatalf("session after restart: %s", r.Body)
	}
	r = putRange(t, u, data, 2097152, flowSize-1, flowSize, nil)
	wantStatus(t, r, http.StatusCreated)
	loc, _ := url.PathUnescape(r.Header.Get("Location"))
	attID := loc[len(loc)-len(att)-2 : len(loc)-2]
	r = do(t, "GET", api(s2, item+"/attachments/"+attID+"/$value"), nil, nil)
	wantStatus(t, r, http.StatusOK)
	if !bytes.Equal(r.Body, data) {
		t.Error("large attachment differs after a restart mid-session")
	}
	if st := s2.Stats(); st.BytesStored != int64(len(small)+flowSize) || st.Attachments != 2 {
		t.Errorf("stats: %+v", st)
	}
}

// Demo: "only when the store is fresh, so ids stay stable across runs";
// found by $filter, never by pasting ids.
func TestDemoSeed(t *testing.T) {
	dir := t.TempDir()
	find := func(s *Server) (msg, ev string) {
		q := "?$filter=" + url.QueryEscape("subject eq 'Welcome to attachform'")
		r := do(t, "GET", api(s, "/users/"+DemoMailbox+"/messages"+q), nil, nil)
		wantStatus(t, r, http.StatusOK)
		v := r.json(t)["value"].([]any)
		if len(v) != 1 {
			t.Fatalf("demo messages = %v", v)
		}
		q = "?$filter=" + url.QueryEscape("subject eq 'Quarterly all hands'")
		r = do(t, "GET", api(s, "/users/"+DemoMailbox+"/events"+q), nil, nil)
		e := r.json(t)["value"].([]any)
		if len(e) != 1 {
			t.Fatalf("demo events = %v", e)
		}
		return v[0].(map[string]any)["id"].(string), e[0].(map[string]any)["id"].(string)
	}
	s1, err := New(Options{DataDir: dir, Demo: true, Clock: NewFakeClock(testEpoch)})
	if err != nil {
		t.Fatal(err)
	}
	m1, e1 := find(s1)
	// /me is the demo mailbox when no users are given.
	wantStatus(t, do(t, "GET", api(s1, "/me/messages/"+m1), nil, nil), http.StatusOK)
	s1.Close()
	s2, err := New(Options{DataDir: dir, Demo: true, Clock: NewFakeClock(testEpoch)})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	m2, e2 := find(s2) // also proves it was not seeded twice
	if m1 != m2 || e1 != e2 {
		t.Errorf("demo ids changed across a restart: %s→%s, %s→%s", m1, m2, e1, e2)
	}
}

func TestCorruptStoreIsAnError(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "store.json"), []byte("{not json"), 0o600)
	if s, err := New(Options{DataDir: dir}); err == nil {
		s.Close()
		t.Fatal("New accepted a corrupt store")
	}
}
