package emulator

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzDirFilter: the directory $filter parser never panics; what it
// accepts without the advanced query parameters uses no operator Graph
// keeps for them (ne, not, endsWith), names only filterable properties,
// and matching with it never panics either.
func FuzzDirFilter(f *testing.F) {
	for _, s := range []string{
		"department eq 'Sales'", "department ne 'Sales'", "not(department eq 'x')",
		"endswith(mail,'@contoso.com')", "startswith(displayName,'A') and department eq 'It''s'",
		"id eq '1'", "startswith(id,'1')", "jobTitle eq 'x'", "department eq Sales", "not(not(a eq 'b'))",
		"department eq 'a and b'", " and ", "'", "",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, advanced bool) {
		clauses, e := parseDirFilter(s, "user", advanced)
		if e != nil {
			if e.Status != http.StatusBadRequest || e.Code != "Request_UnsupportedQuery" {
				t.Fatalf("%q refused with %d %s", s, e.Status, e.Code)
			}
			return
		}
		for _, c := range clauses {
			if _, ok := dirProps["user"][c.prop]; !ok {
				t.Fatalf("%q accepted property %q", s, c.prop)
			}
			if !advanced && (c.op == "ne" || c.op == "endswith" || c.not) {
				t.Fatalf("%q accepted %s (not %v) without advanced query parameters", s, c.op, c.not)
			}
		}
		q := dirQuery{filter: clauses}
		q.matches(map[string]any{"department": "Sales", "mail": "a@contoso.com", "displayName": "A", "id": "1", "userPrincipalName": "a@contoso.com"})
		// The request path accepts it the same way.
		r, _ := http.NewRequest("GET", "/v1.0/users?$count=true&$filter="+url.QueryEscape(s), nil)
		if advanced {
			r.Header.Set("ConsistencyLevel", "eventual")
		}
		if _, e2 := parseDirQuery(r, "user"); (e2 == nil) != (e == nil) && strings.TrimSpace(s) != "" {
			t.Fatalf("%q: parseDirQuery and parseDirFilter disagree: %v", s, e2)
		}
	})
}
