package graph

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/attachform/attachform/item"
)

// Fuzz targets for every parser of Graph's answers not fuzzed beside its
// tests (parseLocation, parseNextRanges and decodeError are in
// parse_test.go): each must fail cleanly on anything, never panic, and
// never accept what it should refuse.

func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"0", "3", "120", "1.5", "-1", "NaN", "Inf", "1e400", "86400",
		"Wed, 21 Oct 2015 07:28:00 GMT", "Fri, 01 Jan 2099 00:00:00 GMT", "Monday, 02-Jan-06 15:04:05 MST", ""} {
		f.Add(s, "Wed, 21 Oct 2015 07:28:00 GMT")
	}
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v, date string) {
		d, ok := retryAfter(http.Header{"Retry-After": {v}, "Date": {date}}, now)
		if !ok {
			if d != 0 {
				t.Fatalf("retryAfter(%q) = %v without ok", v, d)
			}
			return
		}
		if d < 0 {
			t.Fatalf("retryAfter(%q, date %q) = %v", v, date, d)
		}
	})
}

func FuzzParseSession(f *testing.F) {
	f.Add([]byte(`{"uploadUrl":"https://outlook.office.com/api/v2.0/Users('u')/Messages('m')/AttachmentSessions('s')?authtoken=x","expirationDateTime":"2019-09-25T01:09:30.7671707Z","nextExpectedRanges":["0-"]}`), int64(3483322))
	f.Add([]byte(`{"uploadUrl":"https://graph.microsoft.com/beta/users/u/todo/lists/l/tasks/t/attachmentSessions/s","nextExpectedRanges":["5-"]}`), int64(4))
	f.Add([]byte(`{"uploadUrl":""}`), int64(0))
	f.Add([]byte(`[]`), int64(-1))
	f.Fuzz(func(t *testing.T, raw []byte, size int64) {
		s, err := parseSession(raw, size)
		if err != nil {
			return
		}
		if s.URL == "" {
			t.Fatalf("a session without an upload URL from %q", raw)
		}
		if s.Next < 0 || (s.Next > 0 && s.Next > size) {
			t.Fatalf("next byte %d of a %d-byte file from %q", s.Next, size, raw)
		}
		if len(s.URL) > 12 && strings.Contains(s.String(), s.URL) {
			t.Fatalf("String shows the upload URL")
		}
	})
}

func FuzzParseListPage(f *testing.F) {
	f.Add([]byte(`{"value":[{"id":"AAMk=","name":"a.pdf","contentType":"application/pdf","size":178,"isInline":false,"lastModifiedDateTime":"2019-09-24T23:09:30Z"}],"@odata.nextLink":"https://graph.microsoft.com/v1.0/x?$skip=10"}`))
	f.Add([]byte(`{"value":[{"name":"no id"}]}`))
	f.Add([]byte(`{"value":null}`))
	f.Add([]byte(`{"value":[{"id":1}]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		atts, _, err := parseListPage(raw)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\x00") {
				t.Fatalf("unfit error %q", err)
			}
			return
		}
		for _, a := range atts {
			if a.ID == "" {
				t.Fatalf("an attachment without an id from %q", raw)
			}
		}
	})
}

func FuzzParseItemSummary(f *testing.F) {
	f.Add([]byte(`{"id":"AAMk=","subject":"All hands"}`), "subject")
	f.Add([]byte(`{"id":5,"displayName":["x"]}`), "displayName")
	f.Add([]byte(`null`), "title")
	f.Fuzz(func(t *testing.T, raw []byte, key string) {
		it, err := parseItemSummary(raw, key)
		if err == nil && it.ID == "" {
			t.Fatalf("an item without an id from %q", raw)
		}
	})
}

func FuzzBatchAnswer(f *testing.F) {
	f.Add([]byte(`{"responses":[{"id":"0","status":200,"headers":{"Content-Type":"application/json"},"body":{"value":[]}},{"id":"1","status":429,"headers":{"retry-after":"3"},"body":{"error":{"code":"TooManyRequests"}}}]}`))
	f.Add([]byte(`{"responses":[{"id":"0","status":200},{"id":"0","status":500}]}`))
	f.Add([]byte(`{"responses":null}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := New(Options{Endpoint: "http://127.0.0.1:1"})
		if err != nil {
			t.Fatal(err)
		}
		var a batchAnswer
		if jerr := json.Unmarshal(raw, &a); jerr != nil {
			return
		}
		byID := a.byID()
		for id, r := range byID {
			if r.ID != id {
				t.Fatalf("answer %q filed under %q", r.ID, id)
			}
			e := innerError(opList, r)
			if e.Status != r.Status || strings.ContainsAny(e.Error(), "\n\x00") {
				t.Fatalf("item error %+v", e)
			}
			if d, ok := parseRetryAfter(header(r.Headers, "Retry-After"), time.Now()); ok && d < 0 {
				t.Fatalf("negative Retry-After")
			}
			if r.Status == http.StatusOK {
				_, next, err := parseListPage(r.Body)
				if err == nil {
					if u, err := c.nextLink(next); err == nil && u != "" && !strings.HasPrefix(u, "http://127.0.0.1:1/") {
						t.Fatalf("paging link %q off the Graph origin accepted", u)
					}
				}
			}
		}
	})
}

// FuzzAnswerURLs: every URL an answer hands the client (paging links,
// upload URLs, the Location of a finished upload) is accepted only on the
// hosts Graph documents for the cloud, or the emulator's two origins.
func FuzzAnswerURLs(f *testing.F) {
	for _, s := range []string{
		"https://graph.microsoft.com/v1.0/x?$skiptoken=1", "https://outlook.office.com/api/v2.0/x?authtoken=t",
		"https://outlook.office.com.evil.example/x", "http://127.0.0.1:5000/x", "http://127.0.0.1:6000/x",
		"//evil.example/x", "/v1.0/relative", "https://u:p@graph.microsoft.com/x", "https://GRAPH.microsoft.com:443/x",
		"http://[::1]:5000/x", "https://graph.microsoft.com%2eevil.example/x", "",
	} {
		f.Add(s)
	}
	cred := &staticCredential{token: "t"}
	f.Fuzz(func(t *testing.T, raw string) {
		global, err := New(Options{Credential: cred})
		if err != nil {
			t.Fatal(err)
		}
		local, err := New(Options{Endpoint: "http://127.0.0.1:5000", UploadOrigin: "http://127.0.0.1:6000"})
		if err != nil {
			t.Fatal(err)
		}
		hostOf := func(s string) string {
			u, err := url.Parse(s)
			if err != nil {
				return "?"
			}
			return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
		}
		if next, err := global.nextLink(raw); err == nil && next != "" {
			if h := hostOf(next); h != "https://graph.microsoft.com" && h != "https://graph.microsoft.com:443" {
				t.Fatalf("paging link %q → %q accepted", raw, next)
			}
		}
		for _, k := range []item.Kind{item.Message, item.TodoTask} {
			if u, err := global.checkUploadURL(k, raw); err == nil {
				if u.Scheme != "https" || u.User != nil {
					t.Fatalf("%s upload URL %q accepted", k, raw)
				}
				host := strings.ToLower(u.Hostname())
				if host != "graph.microsoft.com" && host != "outlook.office.com" && host != "outlook.office365.com" {
					t.Fatalf("%s upload URL %q on %s accepted", k, raw, host)
				}
			}
			if u, err := local.checkUploadURL(k, raw); err == nil {
				if o := origin(u); o != "http://127.0.0.1:5000" && o != "http://127.0.0.1:6000" {
					t.Fatalf("emulator: %s upload URL %q on %s accepted", k, raw, o)
				}
			}
		}
		put := "https://outlook.office.com/api/v2.0/AttachmentSessions('s')?authtoken=x"
		if err := global.checkLocation(put, raw); err == nil {
			base, _ := url.Parse(put)
			u, _ := base.Parse(strings.TrimSpace(raw))
			host := strings.ToLower(u.Hostname())
			if u.Scheme != "https" || (host != "graph.microsoft.com" && host != "outlook.office.com" && host != "outlook.office365.com") {
				t.Fatalf("Location %q accepted", raw)
			}
		}
		if err := local.checkLocation("http://127.0.0.1:6000/up", raw); err == nil {
			base, _ := url.Parse("http://127.0.0.1:6000/up")
			u, _ := base.Parse(strings.TrimSpace(raw))
			if o := origin(u); o != "http://127.0.0.1:5000" && o != "http://127.0.0.1:6000" {
				t.Fatalf("emulator: Location %q on %s accepted", raw, o)
			}
		}
	})
}

// FuzzParseLabel: an item's subject, title or list name as Graph answers
// it, for the refresh's labels: never a panic, a string property or an
// error, never more than item.MaxLabel characters.
func FuzzParseLabel(f *testing.F) {
	for _, s := range []string{`{"id":"x","subject":"Welcome pack 2"}`, `{"title":null}`, `{"subject":7}`, `{"displayName":"` + strings.Repeat("é", 500) + `"}`, `[]`, ``, `{"subject":"\u001b[31m"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, k := range []jobKind{jobTitle, jobListName} {
			for _, kind := range item.Kinds() {
				s, err := parseLabel(body, k, kind)
				if err != nil && s != "" {
					t.Fatalf("an error with a label %q", s)
				}
				if n := len([]rune(s)); n > item.MaxLabel {
					t.Fatalf("a label of %d characters", n)
				}
			}
		}
	})
}
