// Package addrs is the typed form of the addresses manifests, plans and
// the state use: attachment.NAME, target.NAME, data.KIND.NAME, each
// optionally with an instance key (["key"] for for_each, [0] for count),
// and the address a plan gives an undeclared attachment on an exclusive
// target, target.NAME.undeclared["file.pdf"].
//
// An address is parsed once, where it enters (a flag, a state file, a
// moved block), and compared, matched and printed as a value; String and
// Parse round-trip. The spelling is Terraform's: keys are quoted as HCL
// quotes strings.
package addrs

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is what an address names.
type Kind uint8

const (
	// Attachment is attachment.NAME: what the state records.
	Attachment Kind = iota + 1
	// Target is target.NAME: an item attachments go on.
	Target
	// Data is data.TYPE.NAME: a lookup.
	Data
	// Undeclared is target.NAME.undeclared["LABEL"]: an attachment on an
	// exclusive target that no manifest declares, which a plan deletes.
	Undeclared
)

func (k Kind) String() string {
	switch k {
	case Attachment:
		return "attachment"
	case Target, Undeclared:
		return "target"
	case Data:
		return "data"
	}
	return "invalid"
}

// Key is an instance key: none, a string (for_each) or an int (count).
// The zero Key is NoKey. Keys are comparable with ==.
type Key struct {
	kind keyKind
	str  string
	num  int
}

type keyKind uint8

const (
	noKey keyKind = iota
	stringKey
	intKey
)

// NoKey is the key of a block without for_each or count.
var NoKey = Key{}

// StringKey is a for_each key.
func StringKey(s string) Key { return Key{kind: stringKey, str: s} }

// IntKey is a count index.
func IntKey(n int) Key { return Key{kind: intKey, num: n} }

// IsNone reports whether k is NoKey.
func (k Key) IsNone() bool { return k.kind == noKey }

// IsInt reports whether k is a count index.
func (k Key) IsInt() bool { return k.kind == intKey }

// Str is a string key's string ("" for others).
func (k Key) Str() string { return k.str }

// Int is a count index (0 for others).
func (k Key) Int() int { return k.num }

// Value is the key as Terraform's JSON shows an index: a string, an int,
// or nil for NoKey.
func (k Key) Value() any {
	switch k.kind {
	case stringKey:
		return k.str
	case intKey:
		return k.num
	}
	return nil
}

// String is the key as written after a name: ["alice@contoso.com"], [0],
// or "" for NoKey.
func (k Key) String() string {
	switch k.kind {
	case stringKey:
		return "[" + Quote(k.str) + "]"
	case intKey:
		return "[" + strconv.Itoa(k.num) + "]"
	}
	return ""
}

// compare orders keys: none first, then ints by value, then strings.
func (k Key) compare(o Key) int {
	if k.kind != o.kind {
		return int(k.kind) - int(o.kind)
	}
	switch k.kind {
	case intKey:
		return k.num - o.num
	case stringKey:
		return strings.Compare(k.str, o.str)
	}
	return 0
}

// Address is one parsed address. Type is set for Data only; Label for
// Undeclared only (Name and Key are then the target's).
type Address struct {
	Kind  Kind
	Type  string
	Name  string
	Key   Key
	Label string
}

// AttachmentAddr is attachment.NAME with key k.
func AttachmentAddr(name string, k Key) Address {
	return Address{Kind: Attachment, Name: name, Key: k}
}

// TargetAddr is target.NAME with key k.
func TargetAddr(name string, k Key) Address { return Address{Kind: Target, Name: name, Key: k} }

// DataAddr is data.TYPE.NAME with key k.
func DataAddr(typ, name string, k Key) Address {
	return Address{Kind: Data, Type: typ, Name: name, Key: k}
}

// UndeclaredAddr is target.NAME[KEY].undeclared["LABEL"].
func UndeclaredAddr(target Address, label string) Address {
	return Address{Kind: Undeclared, Name: target.Name, Key: target.Key, Label: label}
}

// String writes the address as plans, the state and the CLI spell it.
func (a Address) String() string {
	switch a.Kind {
	case Attachment, Target:
		return a.Kind.String() + "." + a.Name + a.Key.String()
	case Data:
		return "data." + a.Type + "." + a.Name + a.Key.String()
	case Undeclared:
		return "target." + a.Name + a.Key.String() + ".undeclared[" + Quote(a.Label) + "]"
	}
	return ""
}

// Block is the address of a's block: a without its instance key. For an
// Undeclared address it is the target's block.
func (a Address) Block() Address {
	if a.Kind == Undeclared {
		a.Kind, a.Label = Target, ""
	}
	a.Key = NoKey
	return a
}

// Instance is a's block with key k.
func (a Address) Instance(k Key) Address {
	a = a.Block()
	a.Key = k
	return a
}

// BlockName is NAME, with data's type: "agenda", "message.welcome".
func (a Address) BlockName() string {
	if a.Kind == Data {
		return a.Type + "." + a.Name
	}
	return a.Name
}

// Contains reports whether a selects b, as -target and state list
// filters do: an address selects itself; a block address (no key) selects
// every instance of the block; a target selects the undeclared
// attachments a plan deletes from it.
func (a Address) Contains(b Address) bool {
	if a == b {
		return true
	}
	if a.Kind == Target && b.Kind == Undeclared && a.Name == b.Name && (a.Key.IsNone() || a.Key == b.Key) {
		return true
	}
	return a.Key.IsNone() && a.Kind == b.Kind && a.Type == b.Type && a.Name == b.Name && a.Label == ""
}

// Compare orders addresses by kind, block and key (count indexes by
// value: x[2] before x[10]).
func Compare(a, b Address) int {
	if a.Kind != b.Kind {
		return int(a.Kind) - int(b.Kind)
	}
	if c := strings.Compare(a.Type, b.Type); c != 0 {
		return c
	}
	if c := strings.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	if c := a.Key.compare(b.Key); c != 0 {
		return c
	}
	return strings.Compare(a.Label, b.Label)
}

// Quote writes s as an HCL quoted string: backslash escapes for quotes,
// backslashes and control characters, $${ and %%{ so that no template
// sequence is read into it. Printable text is kept as it is, so the
// common keys are spelled as strconv.Quote spells them.
func Quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case (r == '$' || r == '%') && strings.HasPrefix(s[i+1:], "{"):
			b.WriteRune(r)
			b.WriteRune(r)
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			b.WriteString(`\uFFFD`) // an invalid byte: HCL strings are UTF-8
		case !unicode.IsPrint(r):
			if r > 0xFFFF {
				b.WriteString(`\U` + hex(int(r), 8))
			} else {
				b.WriteString(`\u` + hex(int(r), 4))
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func hex(n, width int) string {
	s := strconv.FormatInt(int64(n), 16)
	return strings.Repeat("0", width-len(s)) + s
}

// CompareStrings orders two written addresses for display: as strings,
// except that two count instances of one block go by index (x[2] before
// x[10]), as Terraform lists them. Any other pair keeps the byte order
// plans and states have always been shown in.
func CompareStrings(a, b string) int {
	c := strings.Compare(a, b)
	if c == 0 || !indexed(a) || !indexed(b) {
		return c // the common case, decided without parsing
	}
	x, err1 := Parse(a)
	y, err2 := Parse(b)
	if err1 != nil || err2 != nil || !x.Key.IsInt() || !y.Key.IsInt() || x.Block() != y.Block() || x.Kind == Undeclared || y.Kind == Undeclared {
		return c
	}
	return x.Key.compare(y.Key)
}

// indexed reports whether s may end in a count index: its last "[" is
// followed by a digit. (A string key holding "[1]" passes too; parsing
// then tells.)
func indexed(s string) bool {
	i := strings.LastIndexByte(s, '[')
	return i >= 0 && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' && strings.HasSuffix(s, "]")
}
