package views

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
)

// diagFixture is a parsed file and a diagnostic on "target.inbx" in it.
func diagFixture(t *testing.T) (map[string]*hcl.File, hcl.Diagnostics) {
	t.Helper()
	src := "attachment \"a\" {\n  target = target.inbx\n  source = \"a.txt\"\n}\n"
	f, diags := hclparse.NewParser().ParseHCL([]byte(src), "main.attach.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	subject := hcl.Range{Filename: "main.attach.hcl",
		Start: hcl.Pos{Line: 2, Column: 12, Byte: 28}, End: hcl.Pos{Line: 2, Column: 23, Byte: 39}}
	return map[string]*hcl.File{"main.attach.hcl": f}, hcl.Diagnostics{
		{Severity: hcl.DiagError, Summary: "Reference to undeclared target", Detail: "No target \"inbx\": did you mean \"inbox\"?", Subject: &subject},
		{Severity: hcl.DiagWarning, Summary: "Value for undeclared variable", Detail: "Ignored."},
	}
}

// testStreams are two buffers and the environment given, as the command
// hands a view its streams.
func testStreams(environ ...string) (Streams, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	getenv := func(key string) string {
		prefix := key + "="
		for i := len(environ) - 1; i >= 0; i-- {
			if strings.HasPrefix(environ[i], prefix) {
				return environ[i][len(prefix):]
			}
		}
		return ""
	}
	return Streams{Out: &out, Err: &errb, Getenv: getenv, Dir: "/work/repo/config"}, &out, &errb
}

// testView is a base view on two buffers, as NewView makes one for a
// terminal (color) or not, in the environment given.
func testView(color bool, environ ...string) (*View, *bytes.Buffer, *bytes.Buffer) {
	st, out, errb := testStreams(environ...)
	v := NewView(st, false)
	v.outPal, v.errPal = palette{color}, palette{color}
	return v, out, errb
}

func TestWriteDiagnosticsText(t *testing.T) {
	files, diags := diagFixture(t)
	v, out, errb := testView(false)
	v.Diagnostics(files, diags)
	want := "Error: Reference to undeclared target\n\n" +
		"  on main.attach.hcl line 2, in attachment \"a\":\n" +
		"   2:   target = target.inbx\n" +
		"                 ^^^^^^^^^^^\n\n" +
		"No target \"inbx\": did you mean \"inbox\"?\n\n" +
		"Warning: Value for undeclared variable\n\nIgnored.\n\n"
	if errb.String() != want {
		t.Errorf("text diagnostics:\n%s\nwant:\n%s", errb.String(), want)
	}
	if out.Len() != 0 {
		t.Errorf("text diagnostics wrote to stdout: %q", out.String())
	}
}

func TestWriteDiagnosticsColor(t *testing.T) {
	files, diags := diagFixture(t)
	v, _, errb := testView(true)
	v.Diagnostics(files, diags)
	got := errb.String()
	if !strings.Contains(got, "\x1b[31mError\x1b[0m") || strings.Contains(got, "^^^") {
		t.Errorf("coloured diagnostics should colour the severity and underline instead of carets:\n%q", got)
	}
}

func TestWriteDiagnosticsJSON(t *testing.T) {
	files, diags := diagFixture(t)
	v, out, _ := testView(false)
	v.jsonDiagnostics(files, diags)
	for _, want := range []string{
		`"valid": false`, `"error_count": 1`, `"warning_count": 1`,
		`"summary": "Reference to undeclared target"`,
		`"filename": "main.attach.hcl"`,
		`"code": "  target = target.inbx"`, `"highlight_start_offset": 11`, `"highlight_end_offset": 22`,
		`"context": "attachment \"a\""`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("JSON lacks %s:\n%s", want, out.String())
		}
	}
}

func TestWriteDiagnosticsNothingInTextMode(t *testing.T) {
	v, out, errb := testView(false)
	v.Diagnostics(nil, nil)
	if out.Len()+errb.Len() != 0 {
		t.Errorf("no diagnostics wrote %q %q", out.String(), errb.String())
	}
}

func TestWriteDiagnosticsGitHubAnnotations(t *testing.T) {
	files, diags := diagFixture(t)
	diags[0].Detail = "100% sure: a, b\nsecond line"
	for _, tc := range []struct {
		name    string
		environ []string
		want    string
	}{
		{"off", nil, ""},
		{"in a workspace", []string{"GITHUB_ACTIONS=true", "GITHUB_WORKSPACE=/work/repo"},
			"::error file=config/main.attach.hcl,line=2,col=12,endLine=2,endColumn=23::Reference to undeclared target%0A%0A100%25 sure: a, b%0Asecond line\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, out, errb := testView(false, tc.environ...)
			v.jsonDiagnostics(files, diags)
			var got string
			for _, line := range strings.SplitAfter(errb.String(), "\n") {
				if strings.HasPrefix(line, "::") {
					got += line
				}
			}
			if got != tc.want {
				t.Errorf("annotations:\n%q\nwant:\n%q", got, tc.want)
			}
			if strings.Contains(out.String(), "::error") {
				t.Errorf("annotations went to stdout, which holds the JSON")
			}
		})
	}
}

func TestColorFor(t *testing.T) {
	st, out, _ := testStreams()
	if colorFor(out, false, st.Getenv) {
		t.Error("a buffer is not a terminal, yet colour was chosen")
	}
}
