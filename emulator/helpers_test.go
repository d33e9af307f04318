package emulator

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

var testEpoch = time.Date(2019, 9, 24, 23, 9, 30, 0, time.UTC)

const testUser = "megan@contoso.example"

// newTestServer starts an in-memory emulator on a fake clock with testUser
// as /me; opts fields left zero take test defaults.
func newTestServer(t testing.TB, opts Options) (*Server, *FakeClock) {
	t.Helper()
	clock, _ := opts.Clock.(*FakeClock)
	if clock == nil {
		clock = NewFakeClock(testEpoch)
		opts.Clock = clock
	}
	if opts.Users == nil {
		opts.Users = []string{testUser}
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, clock
}

type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r resp) json(t testing.TB) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("answer (status %d) is not a JSON object: %v\n%s", r.Status, err, r.Body)
	}
	return v
}

// errCode returns the Graph error code of an error answer, checking its shape.
func (r resp) errCode(t testing.TB) string {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Fatalf("error answer (status %d) is not Graph error JSON: %v\n%s", r.Status, err, r.Body)
	}
	if e.Error.Code == "" || e.Error.Message == "" || e.Error.InnerError.RequestID == "" || e.Error.InnerError.Date == "" {
		t.Fatalf("error answer misses code, message, request-id or date: %s", r.Body)
	}
	checkJSONContentType(t, r)
	return e.Error.Code
}

func checkJSONContentType(t testing.TB, r resp) {
	t.Helper()
	ct := r.Header.Get("Content-Type")
	if !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type = %q, want application/json", ct)
	}
}

type hdr map[string]string

// testToken is what test requests to the Graph origin carry: Graph requires
// "Authorization: Bearer {token}" on every one, and the emulator, having no
// identity provider, takes any well-formed token.
const testToken = "test-token"

// noAuth, as do's headers, sends no Authorization at all.
var noAuth = hdr{"Authorization": ""}

// onGraphOrigin reports whether u is a Graph-origin API URL (/v1.0/…,
// /beta/…) rather than an Outlook upload URL (/api/v2.0/…).
func onGraphOrigin(u string) bool {
	pu, err := url.Parse(u)
	return err == nil && (strings.HasPrefix(pu.Path, "/v1.0/") || strings.HasPrefix(pu.Path, "/beta/"))
}

// do sends one request. body may be nil, []byte, string or any JSON value.
// A Graph-origin request carries "Authorization: Bearer test-token" unless
// h sets Authorization (to "" for none); an upload-origin request carries
// one only when h sets it.
func do(t testing.TB, method, u string, h hdr, body any) resp {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
		if h == nil {
			h = hdr{}
		}
		if _, ok := h["Content-Type"]; !ok {
			h["Content-Type"] = "application/json"
		}
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if onGraphOrigin(u) {
		req.Header.Set("Authorization", "Bearer "+testToken)
	}
	for k, v := range h {
		if k == "Authorization" && v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, redact(u), err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp{Status: res.StatusCode, Header: res.Header, Body: b}
}

// redact hides authtokens from test failure output.
func redact(u string) string {
	if i := strings.Index(u, "authtoken="); i >= 0 {
		return u[:i] + "authtoken=REDACTED"
	}
	return u
}

func wantStatus(t testing.TB, r resp, want int) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status = %d, want %d; body: %s", r.Status, want, r.Body)
	}
}

// api returns the v1.0 URL of a path under the Graph origin.
func api(s *Server, path string) string { return s.URL() + "/v1.0" + path }

// createItem creates a message ("messages") or event ("events") and returns its id.
func createItem(t testing.TB, s *Server, user, coll, subject string) string {
	t.Helper()
	r := do(t, "POST", api(s, "/users/"+url.PathEscape(user)+"/"+coll), nil, map[string]any{"subject": subject})
	wantStatus(t, r, http.StatusCreated)
	return r.json(t)["id"].(string)
}

// createTask creates a To Do list and a task in it.
func createTask(t testing.TB, s *Server, user string) (listID, taskID string) {
	t.Helper()
	r := do(t, "POST", api(s, "/users/"+user+"/todo/lists"), nil, map[string]any{"displayName": "List"})
	wantStatus(t, r, http.StatusCreated)
	listID = r.json(t)["id"].(string)
	r = do(t, "POST", api(s, "/users/"+user+"/todo/lists/"+url.PathEscape(listID)+"/tasks"), nil, map[string]any{"title": "Task"})
	wantStatus(t, r, http.StatusCreated)
	return listID, r.json(t)["id"].(string)
}

func itemPath(user, coll, id string) string {
	return "/users/" + url.PathEscape(user) + "/" + coll + "/" + url.PathEscape(id)
}

func taskPath(user, listID, taskID string) string {
	return "/users/" + url.PathEscape(user) + "/todo/lists/" + url.PathEscape(listID) + "/tasks/" + url.PathEscape(taskID)
}

// postSmall attaches content with one POST and returns the answer.
func postSmall(t testing.TB, s *Server, item, odataType, name string, content []byte) resp {
	t.Helper()
	return do(t, "POST", api(s, item+"/attachments"), nil, map[string]any{
		"@odata.type":  odataType,
		"name":         name,
		"contentBytes": base64.StdEncoding.EncodeToString(content),
	})
}

// testFile is n deterministic bytes starting with a JPEG signature, so the
// emulator sniffs image/jpeg as in seeds/002.
func testFile(n int) []byte {
	b := make([]byte, n)
	var x uint32 = 2463534242
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	copy(b, []byte{0xFF, 0xD8, 0xFF, 0xE0})
	return b
}

// putRange sends one upload range.
func putRange(t testing.TB, u string, data []byte, start, end, total int64, extra hdr) resp {
	t.Helper()
	h := hdr{
		"Content-Type":  "application/octet-stream",
		"Content-Range": "bytes " + itoa(start) + "-" + itoa(end) + "/" + itoa(total),
	}
	for k, v := range extra {
		h[k] = v
	}
	return do(t, "PUT", u, h, data[start:end+1])
}

func itoa(n int64) string { return strconvFormat(n) }

// createSession opens an upload session for item (Outlook or To Do shape
// chosen by param) and returns the answer.
func createSession(t testing.TB, s *Server, item, param string, info map[string]any) resp {
	t.Helper()
	return do(t, "POST", api(s, item+"/attachments/createUploadSession"), nil, map[string]any{param: info})
}

func strconvFormat(n int64) string { return strconv.FormatInt(n, 10) }

func sortStrings(s []string) { sort.Strings(s) }

func jsonBody(s string) io.Reader  { return strings.NewReader(s) }
func bytesBody(b []byte) io.Reader { return bytes.NewReader(b) }
