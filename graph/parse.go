package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// parseLocation extracts the attachment id from the Location of an upload
// session's final answer, in either documented form:
//
//	Outlook: https://outlook.office.com/api/v2.0/Users('…')/Messages('…')/Attachments('AAMk…=')
//	To Do:   https://graph.microsoft.com/beta/users/…/tasks/…/Attachments/AAMk…=
//
// The match on "attachments" ignores case; the id may be percent-encoded and,
// in the quoted form, use OData's doubled quote.
func parseLocation(loc string) (string, error) {
	loc = strings.TrimSpace(loc)
	if loc == "" {
		return "", errors.New("no Location header")
	}
	if i := strings.IndexAny(loc, "?#"); i >= 0 {
		loc = loc[:i]
	}
	// ASCII folding keeps byte offsets valid in loc; strings.ToLower
	// would not, for some non-ASCII runes.
	lower := asciiLower(loc)
	i := max(strings.LastIndex(lower, "/attachments("), strings.LastIndex(lower, "/attachments/"))
	if i < 0 {
		return "", fmt.Errorf("location %q names no attachment", Redact(loc))
	}
	rest := loc[i+len("/attachments"):]
	var id string
	if rest[0] == '(' {
		var ok bool
		id, ok = parenKey(rest[1:])
		if !ok {
			return "", fmt.Errorf("location %q: unterminated attachment key", Redact(loc))
		}
	} else {
		id = rest[1:]
		if j := strings.IndexByte(id, '/'); j >= 0 {
			id = id[:j]
		}
	}
	if u, err := url.PathUnescape(id); err == nil {
		id = u
	}
	if id == "" {
		return "", fmt.Errorf("location %q has an empty attachment id", Redact(loc))
	}
	return id, nil
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// parenKey reads an OData key after "(": 'quoted, with ” for a quote') or
// bare) and reports whether it was terminated.
func parenKey(s string) (string, bool) {
	if !strings.HasPrefix(s, "'") {
		j := strings.IndexByte(s, ')')
		if j < 0 {
			return "", false
		}
		return s[:j], true
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != '\'' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		return b.String(), i+1 < len(s) && s[i+1] == ')'
	}
	return "", false
}

// parseNextRanges returns the first byte the server still expects, read from
// any answer that carries nextExpectedRanges: an upload session, a PUT's 200
// (Outlook's "nextExpectedRanges", To Do's "NextExpectedRanges" — keys are
// matched without regard to case, at any depth, so a 416's error body works
// too). Each range may be "start-", "start" or "start-end"; with several
// missing ranges the lowest start wins, since ranges go in order.
func parseNextRanges(body []byte) (int64, error) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return 0, fmt.Errorf("answer is not JSON: %w", err)
	}
	ranges, ok := findKey(v, "nextexpectedranges", 0)
	if !ok {
		return 0, errors.New("answer carries no nextExpectedRanges")
	}
	var list []any
	switch r := ranges.(type) {
	case []any:
		list = r
	case string, json.Number:
		list = []any{r}
	default:
		return 0, fmt.Errorf("nextExpectedRanges is a %T, not a list", ranges)
	}
	if len(list) == 0 {
		return 0, errors.New("nextExpectedRanges is empty")
	}
	next := int64(math.MaxInt64)
	for _, e := range list {
		var s string
		switch e := e.(type) {
		case string:
			s = e
		case json.Number:
			s = e.String()
		default:
			return 0, fmt.Errorf("range %v is not a string", e)
		}
		start, err := parseRangeStart(s)
		if err != nil {
			return 0, err
		}
		next = min(next, start)
	}
	return next, nil
}

// parseRangeStart reads "2097152", "0-" or "2097152-3483321".
func parseRangeStart(s string) (int64, error) {
	t := strings.TrimSpace(s)
	startText, endText, hasEnd := strings.Cut(t, "-")
	start, err := parseOffset(startText)
	if err != nil {
		return 0, fmt.Errorf("range %q: %w", clean(s, 40), err)
	}
	if hasEnd && strings.TrimSpace(endText) != "" {
		end, err := parseOffset(endText)
		if err != nil {
			return 0, fmt.Errorf("range %q: %w", clean(s, 40), err)
		}
		if end < start {
			return 0, fmt.Errorf("range %q ends before it starts", clean(s, 40))
		}
	}
	return start, nil
}

func parseOffset(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, errors.New("not a byte offset")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, errors.New("byte offset out of range")
	}
	return n, nil
}

// findKey returns the value of a key equal to lower (ASCII case folded):
// one on the object itself wins over one nested deeper; keys are visited in
// sorted order so the answer never depends on map order.
func findKey(v any, lower string, depth int) (any, bool) {
	obj, ok := v.(map[string]any)
	if !ok || depth > 8 {
		return nil, false
	}
	keys := slices.Sorted(maps.Keys(obj))
	for _, k := range keys {
		if strings.ToLower(k) == lower {
			return obj[k], true
		}
	}
	for _, k := range keys {
		if r, ok := findKey(obj[k], lower, depth+1); ok {
			return r, true
		}
	}
	return nil, false
}
