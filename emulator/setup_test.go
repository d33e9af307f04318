package emulator

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseUsers(t *testing.T) {
	for in, want := range map[string][]string{
		"":                           nil,
		" , ":                        nil,
		"a@contoso.com":              {"a@contoso.com"},
		" a@x.example ,b@x.example,": {"a@x.example", "b@x.example"},
	} {
		if got := ParseUsers(in); !slices.Equal(got, want) {
			t.Errorf("ParseUsers(%q) = %q, want %q", in, got, want)
		}
	}
}

// The fixtures file is read relative to the directory, and its problems
// name it as given, never by the absolute path.
func TestLoadFixturesAsNamesTheFileAsGiven(t *testing.T) {
	dir := t.TempDir()
	src := "mailbox \"ops@contoso.com\" {\n  event \"E\" {}\n  event \"e\" {}\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "fx.hcl"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	fx, files, diags := LoadFixturesAs(dir, "fx.hcl", Limits{})
	if fx != nil || !diags.HasErrors() || files["fx.hcl"] == nil {
		t.Fatalf("fixtures %v, files %v, diags %v: want an error on fx.hcl", fx, files, diags)
	}
	for _, d := range diags {
		if strings.Contains(d.Detail, dir) || (d.Subject != nil && d.Subject.Filename != "fx.hcl") {
			t.Errorf("a diagnostic names the file by another name: %s: %s (%v)", d.Summary, d.Detail, d.Subject)
		}
	}
}

// The endpoint file holds the URL and a newline, mode 0600; removing it
// twice, or an unset one, is no error.
func TestEndpointFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "endpoint")
	if err := WriteEndpointFile(path, "http://127.0.0.1:1/v1.0"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "http://127.0.0.1:1/v1.0\n" {
		t.Fatalf("endpoint file %q, %v", b, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 && os.PathSeparator == '/' {
		t.Errorf("mode %v, want 0600", fi.Mode())
	}
	for range 2 {
		if err := RemoveEndpointFile(path); err != nil {
			t.Fatal(err)
		}
	}
	if err := RemoveEndpointFile(""); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("still there: %v", err)
	}
}
