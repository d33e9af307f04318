package addrs

import (
	"errors"
	"strconv"
	"testing"
)

func TestParseRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Address
	}{
		{`attachment.agenda`, AttachmentAddr("agenda", NoKey)},
		{`attachment.handbook["intro.pdf"]`, AttachmentAddr("handbook", StringKey("intro.pdf"))},
		{`attachment.x[0]`, AttachmentAddr("x", IntKey(0))},
		{`attachment.x[12]`, AttachmentAddr("x", IntKey(12))},
		{`target.welcome["alice@contoso.com"]`, TargetAddr("welcome", StringKey("alice@contoso.com"))},
		{`data.message.welcome["alice@contoso.com"]`, DataAddr("message", "welcome", StringKey("alice@contoso.com"))},
		{`data.todo_task.review`, DataAddr("todo_task", "review", NoKey)},
		{`target.inbox.undeclared["old.pdf"]`, UndeclaredAddr(TargetAddr("inbox", NoKey), "old.pdf")},
		{`target.w["a"].undeclared["x (2)"]`, UndeclaredAddr(TargetAddr("w", StringKey("a")), "x (2)")},
		{`attachment.k["say \"hi\"\\\n\t"]`, AttachmentAddr("k", StringKey("say \"hi\"\\\n\t"))},
		{`attachment.k["$${var}%%{x}"]`, AttachmentAddr("k", StringKey("${var}%{x}"))},
		{`attachment.k["$$$${"]`, AttachmentAddr("k", StringKey("$$${"))},
		{`attachment.k["é ü 日本"]`, AttachmentAddr("k", StringKey("é ü 日本"))},
		{`attachment.k["\u0001"]`, AttachmentAddr("k", StringKey("\x01"))},
		{`attachment.k[""]`, AttachmentAddr("k", StringKey(""))},
		{`attachment.a-b_1`, AttachmentAddr("a-b_1", NoKey)},
	} {
		got, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%s): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("Parse(%s) = %#v, want %#v", tc.in, got, tc.want)
		}
		if s := got.String(); s != tc.in {
			t.Errorf("Parse(%s).String() = %s, want the input back", tc.in, s)
		}
	}
}

// Keys Go's strconv.Quote spells as HCL does keep the spelling state files
// written before this package have.
func TestQuoteAgreesWithStrconvOnCommonKeys(t *testing.T) {
	for _, k := range []string{"intro.pdf", "alice@contoso.com", "a \"b\"", `c:\x`, "日本語.pdf", "tab\there", "line\nbreak", "soft\u00adhyphen"} {
		if got, want := Quote(k), strconv.Quote(k); got != want {
			t.Errorf("Quote(%q) = %s, strconv.Quote = %s", k, got, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{
		``, `attachment`, `attachment.`, `attachment.1x`, `resource.x`, `attachment.x.y`,
		`attachment.x[`, `attachment.x["a"`, `attachment.x["a]`, `attachment.x[a]`, `attachment.x[-1]`,
		`attachment.x[99999999999999999999]`, `attachment.x["${var.x}"]`, `attachment.x["%{if}"]`,
		`attachment.x["\q"]`, `attachment.x["\u12"]`, `attachment.x["\ud800"]`, "attachment.x[\"a\nb\"]",
		"attachment.x[\"\xff\"]", `attachment.x ["a"]`, `attachment.x["a"] `, `data.message`, `data.message.x.y`,
		`target.x.undeclared[0]`, `attachment.x.undeclared["a"]`, `attachment.x["a"]["b"]`,
	} {
		a, err := Parse(in)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) = %v, %v; want a ParseError", in, a, err)
		}
	}
}

func TestContains(t *testing.T) {
	block := AttachmentAddr("x", NoKey)
	inst := AttachmentAddr("x", StringKey("a"))
	tw := TargetAddr("w", NoKey)
	twa := TargetAddr("w", StringKey("a"))
	for _, tc := range []struct {
		a, b Address
		want bool
	}{
		{block, block, true},
		{block, inst, true},
		{inst, block, false},
		{inst, inst, true},
		{inst, AttachmentAddr("x", StringKey("b")), false},
		{block, AttachmentAddr("xy", NoKey), false},
		{block, TargetAddr("x", NoKey), false},
		{tw, UndeclaredAddr(twa, "f.pdf"), true},
		{twa, UndeclaredAddr(twa, "f.pdf"), true},
		{twa, UndeclaredAddr(TargetAddr("w", StringKey("b")), "f.pdf"), false},
		{AttachmentAddr("x", IntKey(0)), AttachmentAddr("x", StringKey("0")), false},
	} {
		if got := tc.a.Contains(tc.b); got != tc.want {
			t.Errorf("%s contains %s = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestCompareOrdersIndexesByValue(t *testing.T) {
	if Compare(AttachmentAddr("x", IntKey(2)), AttachmentAddr("x", IntKey(10))) >= 0 {
		t.Error("x[2] sorts after x[10]")
	}
	if Compare(AttachmentAddr("x", NoKey), AttachmentAddr("x", StringKey(""))) >= 0 {
		t.Error("x sorts after x[\"\"]")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`attachment.x`, `attachment.x["a"]`, `attachment.x[3]`, `target.w["a"].undeclared["b"]`,
		`data.message.m["$${}"]`, `attachment.x["\u00e9\U0001F600"]`, `attachment.x["a\"b"]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			return
		}
		again, err := Parse(a.String())
		if err != nil {
			t.Fatalf("Parse(%q) = %#v, whose String %q does not parse: %v", s, a, a.String(), err)
		}
		if again != a {
			t.Fatalf("Parse(%q) = %#v; Parse(String()) = %#v", s, a, again)
		}
		if !a.Block().Contains(a) && a.Kind != Undeclared {
			t.Fatalf("%s's block does not contain it", a)
		}
	})
}

func TestCompareStrings(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{`attachment.x[2]`, `attachment.x[10]`, -1},
		{`attachment.x[10]`, `attachment.x[2]`, 1},
		{`attachment.x["10"]`, `attachment.x["2"]`, -1}, // strings stay strings
		{`attachment.a-b`, `attachment.a["x"]`, -1},     // byte order, as before
		{`attachment.x[10]`, `attachment.y[2]`, -1},
		{`attachment.x[1]`, `attachment.x[1]`, 0},
		{`attachment.x["a[10]"]`, `attachment.x["a[2]"]`, -1}, // looks indexed, is a string key
		{`attachment.x[9]`, `attachment.x[10]`, -1},
	} {
		if got := CompareStrings(tc.a, tc.b); (got < 0) != (tc.want < 0) || (got == 0) != (tc.want == 0) {
			t.Errorf("CompareStrings(%s, %s) = %d, want sign of %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// Sorting 5,000 keyed addresses must not parse them: plans of a tenant
// are sorted on every render.
func BenchmarkCompareStringsKeyed(b *testing.B) {
	addrs := make([]string, 5000)
	for i := range addrs {
		addrs[i] = AttachmentAddr("pack", StringKey("user"+strconv.Itoa(i)+"@contoso.com")).String()
	}
	for b.Loop() {
		for i := 1; i < len(addrs); i++ {
			CompareStrings(addrs[i-1], addrs[i])
		}
	}
}
