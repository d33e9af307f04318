package emulator

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// query holds the OData system query options the emulator understands.
type query struct {
	sel    []string // nil = every property
	filter *filterExpr
	top    int // 0 = the default page size
	skip   int
}

type filterExpr struct {
	field string
	op    string // "eq" or "startswith"
	value string
}

// match compares case-insensitively, as Exchange and To Do compare strings.
func (f *filterExpr) match(v string) bool {
	if f == nil {
		return true
	}
	if f.op == "eq" {
		return strings.EqualFold(v, f.value)
	}
	return strings.HasPrefix(strings.ToLower(v), strings.ToLower(f.value))
}

const (
	defaultPageSize = 10
	maxPageSize     = 1000
)

// parseQuery reads the query options in allowed; any other $option is a
// 400, as Graph answers for options a resource does not support.
// filterField is the one property $filter may name ("" = $filter ignored,
// as Graph ignores it on attachments).
func parseQuery(r *http.Request, allowed []string, filterField string) (query, *apiErr) {
	var q query
	vals, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return q, errBadRequest("Invalid query string: " + err.Error())
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !strings.HasPrefix(k, "$") {
			continue
		}
		ok := false
		for _, a := range allowed {
			ok = ok || strings.EqualFold(k, a)
		}
		if !ok {
			return q, errBadRequest("Query option '" + k + "' is not supported on this resource.")
		}
		if len(vals[k]) != 1 {
			return q, errBadRequest("Query option '" + k + "' was specified more than once.")
		}
		v := vals[k][0]
		switch strings.ToLower(k) {
		case "$select":
			for _, f := range strings.Split(v, ",") {
				f = strings.TrimSpace(f)
				if f == "" {
					return q, errBadRequest("Invalid $select: empty property name.")
				}
				q.sel = append(q.sel, f)
			}
		case "$top":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return q, errBadRequest("Invalid value '" + v + "' for $top: a positive integer is required.")
			}
			q.top = min(n, maxPageSize)
		case "$skip":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return q, errBadRequest("Invalid value '" + v + "' for $skip.")
			}
			q.skip = n
		case "$filter":
			if filterField == "" {
				continue
			}
			f, e := parseFilter(v, filterField)
			if e != nil {
				return q, e
			}
			q.filter = f
		}
	}
	return q, nil
}

// parseFilter understands exactly "FIELD eq 'v'" and "startswith(FIELD,'v')",
// with a doubled single quote for a quote inside the literal.
func parseFilter(s, field string) (*filterExpr, *apiErr) {
	bad := func(why string) *apiErr {
		return newErr(http.StatusBadRequest, "ErrorInvalidUrlQueryFilter", "Invalid $filter '"+s+"': "+why+
			" (the emulator supports \""+field+" eq 'value'\" and \"startswith("+field+",'value')\").")
	}
	t := strings.TrimSpace(s)
	if rest, ok := cutPrefixFold(t, "startswith("); ok {
		name, lit, ok := strings.Cut(rest, ",")
		if !ok || !strings.HasSuffix(lit, ")") {
			return nil, bad("malformed startswith")
		}
		name = strings.TrimSpace(name)
		if name != field {
			return nil, bad("property '" + name + "' cannot be filtered")
		}
		v, ok := parseLiteral(strings.TrimSpace(strings.TrimSuffix(lit, ")")))
		if !ok {
			return nil, bad("expected a quoted string")
		}
		return &filterExpr{field: field, op: "startswith", value: v}, nil
	}
	name, rest, ok := strings.Cut(t, " ")
	if !ok {
		return nil, bad("expected an operator")
	}
	if name != field {
		return nil, bad("property '" + name + "' cannot be filtered")
	}
	rest = strings.TrimSpace(rest)
	lit, ok := cutPrefixFold(rest, "eq ")
	if !ok {
		return nil, bad("only eq and startswith are supported")
	}
	v, ok := parseLiteral(strings.TrimSpace(lit))
	if !ok {
		return nil, bad("expected a quoted string")
	}
	return &filterExpr{field: field, op: "eq", value: v}, nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

func parseLiteral(s string) (string, bool) {
	if len(s) < 2 || s[0] != '\'' || s[len(s)-1] != '\'' {
		return "", false
	}
	inner := s[1 : len(s)-1]
	// A lone quote inside the literal is a syntax error in OData.
	if strings.Contains(strings.ReplaceAll(inner, "''", ""), "'") {
		return "", false
	}
	return strings.ReplaceAll(inner, "''", "'"), true
}

// project keeps the selected properties of v, plus id and OData annotations,
// which Graph always returns.
func project(v map[string]any, sel []string) map[string]any {
	if sel == nil {
		return v
	}
	out := make(map[string]any, len(sel)+2)
	for k, x := range v {
		if k == "id" || strings.HasPrefix(k, "@odata.") {
			out[k] = x
			continue
		}
		for _, f := range sel {
			if strings.EqualFold(f, k) {
				out[k] = x
				break
			}
		}
	}
	return out
}

// page applies $skip and $top to n results; more says whether a next page
// exists.
func (q query) page(n int) (from, to int, more bool) {
	size := q.top
	if size == 0 {
		size = defaultPageSize
	}
	from = min(q.skip, n)
	to = min(from+size, n)
	return from, to, to < n
}

// nextLink is the request's own URL with $skip moved on.
func (s *Server) nextLink(r *http.Request, skip int) string {
	return s.linkWith(r, "$skip", strconv.Itoa(skip))
}

// linkWith is the request's own URL on Graph's origin with the query
// option key (in any case) set to value alone: the next page's link, by
// $skip for mailbox collections and by $skiptoken for directory ones.
func (s *Server) linkWith(r *http.Request, key, value string) string {
	vals, _ := url.ParseQuery(r.URL.RawQuery)
	for k := range vals {
		if strings.EqualFold(k, key) {
			delete(vals, k)
		}
	}
	vals.Set(key, value)
	// '$' is legal in a query; Graph's own nextLinks spell it out.
	return s.graphOrigin + r.URL.EscapedPath() + "?" + strings.ReplaceAll(vals.Encode(), "%24", "$")
}
