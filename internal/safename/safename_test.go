package safename

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestFile(t *testing.T) {
	long := strings.Repeat("é", 200) // 400 bytes
	for _, tc := range []struct{ in, want string }{
		{"Agenda.pdf", "Agenda.pdf"},
		{"Übersicht 2026 – Q3.xlsx", "Übersicht 2026 – Q3.xlsx"},
		{"../../etc/passwd", ".._.._etc_passwd"},
		{`..\..\boot.ini`, ".._.._boot.ini"},
		{"..", "attachment"},
		{".", "attachment"},
		{"", "attachment"},
		{"   ", "attachment"},
		{"report. . .", "report"},
		{" lead.txt", "lead.txt"},
		{"a:b*c?d\"e<f>g|h.txt", "a_b_c_d_e_f_g_h.txt"},
		{"tab\there\x7f.txt", "tab_here_.txt"},
		{"evil\u202etxt.exe", "evil_txt.exe"},
		{"bad\xffutf8.txt", "bad_utf8.txt"},
		{"CON", "_CON"},
		{"nul.txt", "_nul.txt"},
		{"Com1.log", "_Com1.log"},
		{"LPT9", "_LPT9"},
		{"COM¹.txt", "_COM¹.txt"},
		{"conference.pdf", "conference.pdf"},
		{"COM10", "COM10"},
		{".profile", ".profile"},
	} {
		if got := File(tc.in); got != tc.want {
			t.Errorf("File(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	got := File(long + ".pdf")
	if len(got) > MaxBytes || !strings.HasSuffix(got, ".pdf") || !utf8.ValidString(got) {
		t.Errorf("File(long) = %q (%d bytes), want at most %d bytes ending .pdf", got, len(got), MaxBytes)
	}
}

func TestAssignKeepsCaseTwinsApart(t *testing.T) {
	got := Assign([]string{"Report.pdf", "report.pdf", "REPORT.PDF", "Report (2).pdf", "café.txt", "cafe\u0301.txt"}, nil)
	want := []string{"Report.pdf", "report (2).pdf", "REPORT (3).PDF", "Report (2) (2).pdf", "café.txt", "cafe\u0301 (2).txt"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Assign[%d] = %q, want %q", i, got[i], want[i])
		}
	}
	if again := Assign([]string{"Report.pdf"}, map[string]bool{Fold("REPORT.pdf"): true}); again[0] != "Report (2).pdf" {
		t.Errorf("Assign against a taken name = %q, want Report (2).pdf", again[0])
	}
	long := strings.Repeat("x", 300) + ".pdf"
	two := Assign([]string{long, strings.ToUpper(long)}, nil)
	if len(two[1]) > MaxBytes || Fold(two[0]) == Fold(two[1]) || !strings.HasSuffix(two[1], " (2).PDF") {
		t.Errorf("long twins: %q and %q", two[0], two[1])
	}
}

// FuzzAssign: whatever the names, every file name is one component inside
// the folder, within the length limit, safe on Windows, and no two land on
// one file on a case-insensitive file system.
func FuzzAssign(f *testing.F) {
	for _, s := range []string{"a.txt\nA.TXT", "../x\n..\\x", "CON\ncon.txt\n. .", strings.Repeat("ß", 200) + "\nSS", "\xff\x00/\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, joined string) {
		names := strings.Split(joined, "\n")
		got := Assign(names, nil)
		root := filepath.Join("config", "imported")
		seen := map[string]string{}
		for i, name := range got {
			checkSafe(t, names[i], name)
			p := filepath.Join(root, name)
			if filepath.Dir(p) != root || filepath.Base(p) != name {
				t.Fatalf("%q → %q leaves the folder (%s)", names[i], name, p)
			}
			if prev, dup := seen[Fold(name)]; dup {
				t.Fatalf("%q and %q both → %q", prev, names[i], name)
			}
			seen[Fold(name)] = names[i]
		}
	})
}

func checkSafe(t *testing.T, in, name string) {
	t.Helper()
	switch {
	case name == "" || name == "." || name == "..":
		t.Fatalf("%q → %q", in, name)
	case len(name) > MaxBytes:
		t.Fatalf("%q → %d bytes", in, len(name))
	case !utf8.ValidString(name):
		t.Fatalf("%q → invalid UTF-8 %q", in, name)
	case strings.ContainsAny(name, `/\<>:"|?*`):
		t.Fatalf("%q → %q holds a separator or a character Windows refuses", in, name)
	case strings.HasSuffix(name, ".") || strings.HasSuffix(name, " "):
		t.Fatalf("%q → %q ends with a dot or a space", in, name)
	case reserved(name):
		t.Fatalf("%q → %q is reserved on Windows", in, name)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			t.Fatalf("%q → %q holds control character %U", in, name, r)
		}
	}
}
