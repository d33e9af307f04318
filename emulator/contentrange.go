package emulator

import (
	"errors"
	"strings"
)

// parseContentRange parses an upload range header, exactly as documented:
// "bytes {start}-{end}/{total}", 0-based, end inclusive (seeds/002: "The
// 0-based byte range of the file being uploaded in this operation, expressed
// in the format bytes {start}-{end}/{total}"). Unknown totals ("*"), lists
// and signs are refused.
func parseContentRange(h string) (start, end, total int64, err error) {
	rest, ok := strings.CutPrefix(h, "bytes ")
	if !ok {
		return 0, 0, 0, errors.New(`Content-Range must start with "bytes "`)
	}
	span, tot, ok := strings.Cut(rest, "/")
	if !ok {
		return 0, 0, 0, errors.New("Content-Range has no total")
	}
	s, e, ok := strings.Cut(span, "-")
	if !ok {
		return 0, 0, 0, errors.New("Content-Range has no end")
	}
	if start, ok = parseDecimal(s); !ok {
		return 0, 0, 0, errors.New("Content-Range start is not a decimal number")
	}
	if end, ok = parseDecimal(e); !ok {
		return 0, 0, 0, errors.New("Content-Range end is not a decimal number")
	}
	if total, ok = parseDecimal(tot); !ok {
		return 0, 0, 0, errors.New("Content-Range total is not a decimal number")
	}
	switch {
	case end < start:
		return 0, 0, 0, errors.New("Content-Range ends before it starts")
	case end >= total:
		return 0, 0, 0, errors.New("Content-Range ends past the total")
	}
	return start, end, total, nil
}

// parseDecimal accepts 1 to 18 ASCII digits: no sign, no spaces, no overflow.
func parseDecimal(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
