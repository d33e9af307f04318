package addrs

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxLength bounds an address: longer input is refused before it is read.
const MaxLength = 4096

// maxIndex bounds a count index.
const maxIndex = 1<<31 - 1

// ParseError says what is wrong with an address and where (a byte offset
// into the input).
type ParseError struct {
	Offset int
	Msg    string
}

func (e *ParseError) Error() string { return fmt.Sprintf("at byte %d: %s", e.Offset, e.Msg) }

// Parse reads an address as String writes it. What it accepts is HCL's
// traversal syntax for these shapes: the roots attachment, target and
// data; names as HCL identifiers; keys as a quoted string (HCL's escapes:
// \" \\ \n \r \t \uNNNN \UNNNNNNNN, $${ and %%{) or a decimal index. No
// spaces.
func Parse(s string) (Address, error) {
	if len(s) > MaxLength {
		return Address{}, &ParseError{Offset: MaxLength, Msg: fmt.Sprintf("longer than %d bytes", MaxLength)}
	}
	p := &parser{s: s}
	a, err := p.address()
	if err != nil {
		return Address{}, err
	}
	if p.i != len(s) {
		return Address{}, p.fail("unexpected %q after the address", p.rest())
	}
	return a, nil
}

type parser struct {
	s string
	i int
}

func (p *parser) fail(format string, args ...any) error {
	return &ParseError{Offset: p.i, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) rest() string {
	r := p.s[p.i:]
	if len(r) > 20 {
		r = r[:20] + "…"
	}
	return r
}

func (p *parser) address() (Address, error) {
	root, err := p.ident()
	if err != nil {
		return Address{}, err
	}
	var a Address
	switch root {
	case "attachment":
		a.Kind = Attachment
	case "target":
		a.Kind = Target
	case "data":
		a.Kind = Data
		if a.Type, err = p.dotIdent(); err != nil {
			return Address{}, err
		}
	default:
		p.i = 0
		return Address{}, p.fail("%q is not an address root: an address starts with attachment., target. or data.", root)
	}
	if a.Name, err = p.dotIdent(); err != nil {
		return Address{}, err
	}
	if p.peek('[') {
		if a.Key, err = p.key(); err != nil {
			return Address{}, err
		}
	}
	if a.Kind == Target && strings.HasPrefix(p.s[p.i:], ".undeclared[") {
		p.i += len(".undeclared")
		k, err := p.key()
		if err != nil {
			return Address{}, err
		}
		if k.kind != stringKey {
			return Address{}, p.fail("an undeclared attachment is named by a quoted string")
		}
		a.Kind, a.Label = Undeclared, k.str
	}
	return a, nil
}

func (p *parser) peek(c byte) bool { return p.i < len(p.s) && p.s[p.i] == c }

func (p *parser) dotIdent() (string, error) {
	if !p.peek('.') {
		return "", p.fail("expected \".\" and a name")
	}
	p.i++
	return p.ident()
}

// ident reads an HCL identifier as manifests' names are: a letter or
// underscore, then letters, digits, underscores and dashes (ASCII).
func (p *parser) ident() (string, error) {
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		letter := c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (p.i == start || c != '-' && (c < '0' || c > '9')) {
			break
		}
		p.i++
	}
	if p.i == start {
		return "", p.fail("expected a name (a letter or underscore, then letters, digits, underscores and dashes)")
	}
	return p.s[start:p.i], nil
}

// key reads ["string"] or [index].
func (p *parser) key() (Key, error) {
	p.i++ // [
	var k Key
	switch {
	case p.peek('"'):
		s, err := p.quoted()
		if err != nil {
			return Key{}, err
		}
		k = StringKey(s)
	case p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9':
		start := p.i
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		n, err := strconv.Atoi(p.s[start:p.i])
		if err != nil || n > maxIndex {
			p.i = start
			return Key{}, p.fail("the index %s is too large", p.s[start:min(len(p.s), start+20)])
		}
		k = IntKey(n)
	default:
		return Key{}, p.fail("an instance key is a quoted string, as in [\"alice@contoso.com\"], or an index, as in [0]")
	}
	if !p.peek(']') {
		return Key{}, p.fail("expected \"]\" after the instance key")
	}
	p.i++
	return k, nil
}

// quoted reads an HCL quoted string literal (no templates).
func (p *parser) quoted() (string, error) {
	p.i++ // "
	var b strings.Builder
	for {
		if p.i >= len(p.s) {
			return "", p.fail("the quoted key has no closing quote")
		}
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return b.String(), nil
		case c == '\\':
			r, err := p.escape()
			if err != nil {
				return "", err
			}
			b.WriteRune(r)
		case (c == '$' || c == '%') && strings.HasPrefix(p.s[p.i+1:], string(c)+"{"):
			b.WriteByte(c)
			b.WriteByte('{')
			p.i += 3
		case (c == '$' || c == '%') && strings.HasPrefix(p.s[p.i+1:], "{"):
			return "", p.fail("%c{ starts a template, which an address cannot hold; write %c%c{ for the characters", c, c, c)
		case c == '\n' || c == '\r':
			return "", p.fail("a quoted key cannot span lines; write \\n")
		default:
			r, size := utf8.DecodeRuneInString(p.s[p.i:])
			if r == utf8.RuneError && size <= 1 {
				return "", p.fail("the key is not valid UTF-8")
			}
			b.WriteString(p.s[p.i : p.i+size])
			p.i += size
		}
	}
}

func (p *parser) escape() (rune, error) {
	if p.i+1 >= len(p.s) {
		return 0, p.fail("a backslash ends the key")
	}
	c := p.s[p.i+1]
	p.i += 2
	switch c {
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 't':
		return '\t', nil
	case '"':
		return '"', nil
	case '\\':
		return '\\', nil
	case 'u', 'U':
		width := 4
		if c == 'U' {
			width = 8
		}
		if p.i+width > len(p.s) {
			return 0, p.fail("\\%c needs %d hexadecimal digits", c, width)
		}
		n, err := strconv.ParseUint(p.s[p.i:p.i+width], 16, 32)
		if err != nil || !utf8.ValidRune(rune(n)) || strings.ContainsAny(p.s[p.i:p.i+width], "+-_") {
			return 0, p.fail("\\%c%s is not a character", c, p.s[p.i:p.i+width])
		}
		p.i += width
		return rune(n), nil
	}
	p.i -= 2
	return 0, p.fail("\\%c is not an escape HCL knows: use \\\" \\\\ \\n \\r \\t \\uNNNN or \\UNNNNNNNN", c)
}
