package emulator

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Directory objects (users, groups and their members) follow Microsoft
// Entra's query rules, not Exchange's. What this file follows, from
// "Advanced query capabilities on Microsoft Entra ID objects"
// (https://learn.microsoft.com/graph/aad-advanced-queries):
//
//   - "these advanced query capabilities aren't available by default but,
//     the requestor must set the ConsistencyLevel header to eventual and,
//     except for $search, use the $count query parameter": advancedQuery.
//   - "The not and ne negation operators are supported only with advanced
//     query parameters"; "The endsWith operator is supported only with
//     advanced query parameters by mail, otherMails, userPrincipalName, and
//     proxyAddresses properties".
//   - The filter table (includes/filter-directory-objects.md): on users,
//     eq and startsWith work by default on department, displayName, mail,
//     userPrincipalName (id: eq only).
//   - "If a property or query parameter in the URL is supported only in
//     advanced queries but either the ConsistencyLevel header or the
//     $count=true query string is missing, the request returns an error":
//     400 Request_UnsupportedQuery, with the message the page shows.
//   - "If the ConsistencyLevel=eventual header is not specified, the request
//     ... silently ignores the $count query parameter (?$count=true)": no
//     @odata.count then.
//   - "For directory objects, $search works only in advanced queries" and
//     "Using $filter and $orderby together is supported only with advanced
//     queries": the emulator supports neither; both are 400.
//
// Paging, from "Paging Microsoft Graph data in your app"
// (https://learn.microsoft.com/graph/paging): "the List users endpoint has a
// default page size of 100 and maximum page size of 999"; directory objects
// page with an opaque $skiptoken in @odata.nextLink and do not support
// $skip ("$skip isn't supported on directory objects" in the
// query-parameters page). The emulator's $skiptoken is the offset, encoded.

const (
	dirDefaultPage = 100
	dirMaxPage     = 999
)

// dirQuery is a directory collection request's query options.
type dirQuery struct {
	sel      []string
	filter   []dirClause // all must hold ("and")
	top      int
	offset   int  // from $skiptoken
	count    bool // $count=true
	advanced bool // ConsistencyLevel: eventual and $count=true
}

// dirClause is one comparison of a directory $filter.
type dirClause struct {
	prop  string // as the object's JSON names it
	op    string // eq, ne, startswith, endswith
	value string
	not   bool
}

// dirProps are the filterable string properties of each directory type,
// and whether endsWith applies to them (only with advanced queries).
var dirProps = map[string]map[string]bool{
	"user":  {"id": false, "displayName": false, "userPrincipalName": true, "mail": true, "department": false},
	"group": {"id": false, "displayName": false, "mailNickname": false},
}

func unsupportedQuery(msg string) *apiErr {
	return newErr(http.StatusBadRequest, "Request_UnsupportedQuery", msg)
}

func needsAdvanced(what string) *apiErr {
	return unsupportedQuery(what + " is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information")
}

// parseDirQuery reads a directory collection's query options; typ names
// the objects $filter applies to ("" = $filter is refused).
func parseDirQuery(r *http.Request, typ string) (dirQuery, *apiErr) {
	q := dirQuery{top: dirDefaultPage}
	vals, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return q, errBadRequest("Invalid query string: " + err.Error())
	}
	q.advanced = strings.EqualFold(strings.TrimSpace(r.Header.Get("ConsistencyLevel")), "eventual")
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var rawFilter string
	for _, k := range keys {
		if !strings.HasPrefix(k, "$") {
			continue
		}
		if len(vals[k]) != 1 {
			return q, errBadRequest("Query option '" + k + "' was specified more than once.")
		}
		v := vals[k][0]
		switch strings.ToLower(k) {
		case "$select":
			for _, f := range strings.Split(v, ",") {
				if f = strings.TrimSpace(f); f == "" {
					return q, errBadRequest("Invalid $select: empty property name.")
				}
				q.sel = append(q.sel, f)
			}
		case "$top":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > dirMaxPage {
				return q, newErr(http.StatusBadRequest, "Request_BadRequest", "Invalid page size specified: '"+v+"'. Must be between 1 and 999 inclusive.")
			}
			q.top = n
		case "$skiptoken":
			b, err := base64.RawURLEncoding.DecodeString(v)
			n, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "offset:"))
			if err != nil || err2 != nil || n < 0 || !strings.HasPrefix(string(b), "offset:") {
				return q, newErr(http.StatusBadRequest, "Request_BadRequest", "The $skiptoken is not valid.")
			}
			q.offset = n
		case "$count":
			switch strings.ToLower(v) {
			case "true":
				q.count = true
			case "false":
			default:
				return q, errBadRequest("Invalid value '" + v + "' for $count: true or false.")
			}
		case "$filter":
			if typ == "" {
				return q, unsupportedQuery("$filter is not supported on this resource by the emulator.")
			}
			rawFilter = v
		case "$skip":
			return q, unsupportedQuery("'$skip' is not supported by the service.")
		default:
			return q, errBadRequest("Query option '" + k + "' is not supported on this resource by the emulator (it serves $select, $filter, $top, $count and $skiptoken on directory objects).")
		}
	}
	q.advanced = q.advanced && q.count
	if rawFilter != "" {
		f, e := parseDirFilter(rawFilter, typ, q.advanced)
		if e != nil {
			return q, e
		}
		q.filter = f
	}
	return q, nil
}

// parseDirFilter understands clauses joined by "and": PROP eq|ne 'v',
// startswith(PROP,'v'), endswith(PROP,'v') and not(CLAUSE).
func parseDirFilter(s, typ string, advanced bool) ([]dirClause, *apiErr) {
	props := dirProps[typ]
	bad := func(why string) *apiErr {
		return unsupportedQuery("Invalid $filter '" + s + "': " + why + " (the emulator supports PROPERTY eq|ne 'value', startswith(PROPERTY,'value'), endswith(PROPERTY,'value'), not(...) and 'and').")
	}
	var out []dirClause
	for _, part := range splitAnd(s) {
		c, ok := parseDirClause(strings.TrimSpace(part))
		if !ok {
			return nil, bad("cannot read '" + strings.TrimSpace(part) + "'")
		}
		endsWithOK, known := props[c.prop]
		if !known {
			return nil, unsupportedQuery("Unsupported or invalid query filter clause specified for property '" + c.prop + "' of resource '" + upperFirst(typ) + "'.")
		}
		switch {
		case c.prop == "id" && (c.op == "startswith" || c.op == "endswith"):
			return nil, unsupportedQuery("Unsupported or invalid query filter clause specified for property 'id' of resource '" + upperFirst(typ) + "'.")
		case c.op == "endswith" && !endsWithOK:
			return nil, unsupportedQuery("Unsupported or invalid query filter clause specified for property '" + c.prop + "' of resource '" + upperFirst(typ) + "'.")
		case c.op == "endswith" && !advanced:
			return nil, needsAdvanced("Operator 'endsWith'")
		case c.op == "ne" && !advanced:
			return nil, needsAdvanced("Operator 'ne'")
		case c.not && !advanced:
			return nil, needsAdvanced("Operator 'not'")
		}
		out = append(out, c)
	}
	return out, nil
}

// splitAnd splits s at " and " outside quoted literals, ignoring case.
func splitAnd(s string) []string {
	var parts []string
	inQuote, start := false, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\'':
			inQuote = !inQuote // a doubled quote toggles twice
		case !inQuote && i+5 <= len(s) && strings.EqualFold(s[i:i+5], " and "):
			parts = append(parts, s[start:i])
			start = i + 5
			i += 4
		}
	}
	return append(parts, s[start:])
}

func parseDirClause(t string) (dirClause, bool) {
	if rest, ok := cutPrefixFold(t, "not("); ok && strings.HasSuffix(rest, ")") {
		c, ok := parseDirClause(strings.TrimSpace(strings.TrimSuffix(rest, ")")))
		if !ok || c.not {
			return c, false
		}
		c.not = true
		return c, true
	}
	for _, fn := range []string{"startswith", "endswith"} {
		rest, ok := cutPrefixFold(t, fn+"(")
		if !ok {
			continue
		}
		name, lit, ok := strings.Cut(rest, ",")
		if !ok || !strings.HasSuffix(lit, ")") {
			return dirClause{}, false
		}
		v, ok := parseLiteral(strings.TrimSpace(strings.TrimSuffix(lit, ")")))
		return dirClause{prop: strings.TrimSpace(name), op: fn, value: v}, ok
	}
	fields := strings.SplitN(t, " ", 3)
	if len(fields) != 3 {
		return dirClause{}, false
	}
	op := strings.ToLower(fields[1])
	if op != "eq" && op != "ne" {
		return dirClause{}, false
	}
	v, ok := parseLiteral(strings.TrimSpace(fields[2]))
	return dirClause{prop: fields[0], op: op, value: v}, ok
}

// matches reports whether obj's properties satisfy every clause; strings
// compare ignoring case, as Entra compares them.
func (q dirQuery) matches(obj map[string]any) bool {
	for _, c := range q.filter {
		v, _ := obj[c.prop].(string)
		var ok bool
		switch c.op {
		case "eq":
			ok = strings.EqualFold(v, c.value)
		case "ne":
			ok = !strings.EqualFold(v, c.value)
		case "startswith":
			ok = strings.HasPrefix(strings.ToLower(v), strings.ToLower(c.value))
		case "endswith":
			ok = strings.HasSuffix(strings.ToLower(v), strings.ToLower(c.value))
		}
		if ok == c.not {
			return false
		}
	}
	return true
}

// writePage answers one page of objs (already filtered) as a directory
// collection under context, with @odata.count when the query is advanced
// and asked for it, and @odata.nextLink carrying a $skiptoken.
func (s *Server) writePage(c *rq, q dirQuery, context string, objs []map[string]any) {
	from := min(q.offset, len(objs))
	to := min(from+q.top, len(objs))
	page := make([]any, 0, to-from)
	for _, o := range objs[from:to] {
		page = append(page, project(o, q.sel))
	}
	v := map[string]any{
		"@odata.context": s.graphOrigin + "/" + c.version + "/$metadata#" + context,
		"value":          page,
	}
	if q.advanced {
		v["@odata.count"] = len(objs)
	}
	if to < len(objs) {
		v["@odata.nextLink"] = s.linkWith(c.r, "$skiptoken", base64.RawURLEncoding.EncodeToString([]byte("offset:"+strconv.Itoa(to))))
	}
	writeJSON(c.w, http.StatusOK, v)
}
