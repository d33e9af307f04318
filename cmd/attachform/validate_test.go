package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attachform/attachform/internal/views"
	"github.com/attachform/attachform/spec/spectest"
)

// cliResult is what one run of the CLI showed.
type cliResult struct {
	code     int
	out, err string
}

// runCLI runs attachform in this process with -chdir=dir, as main would.
func runCLI(t *testing.T, dir string, environ []string, stdin string, args ...string) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	std := streams{in: strings.NewReader(stdin), out: &out, err: &errb}
	code := run(context.Background(), append([]string{"-chdir=" + dir}, args...), std, environ)
	return cliResult{code, out.String(), errb.String()}
}

// TestValidateCorpus runs validate, through the real CLI, over every broken
// configuration of the spec corpus: each must exit 1 and report exactly its
// golden diagnostics, in JSON and as text. (validate has no Graph client
// at all; the check that plan sends no request to the emulator for these
// comes with plan's own corpus test.)
func TestValidateCorpus(t *testing.T) {
	for _, name := range spectest.Names(t) {
		t.Run(name, func(t *testing.T) {
			c := spectest.Prepare(t, name)
			args := append([]string{"validate", "-json"}, c.Args()...)
			res := runCLI(t, c.Dir, c.Environ, "", args...)
			if res.code != exitError {
				t.Errorf("validate -json exited %d, want %d\nstderr: %s", res.code, exitError, res.err)
			}
			var report views.JSONReport
			if err := json.Unmarshal([]byte(res.out), &report); err != nil {
				t.Fatalf("validate -json wrote no JSON document: %v\n%s", err, res.out)
			}
			var got []string
			for _, d := range report.Diagnostics {
				sev := hclSeverity(d.Severity)
				if d.Range == nil {
					got = append(got, spectest.Line(sev, "", 0, d.Summary))
				} else {
					got = append(got, spectest.Line(sev, d.Range.Filename, d.Range.Start.Line, d.Summary))
				}
			}
			if strings.Join(got, "\n") != strings.Join(c.Want, "\n") {
				t.Errorf("diagnostics differ\n got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(c.Want, "\n  "))
			}
			if report.Valid || report.ErrorCount == 0 {
				t.Errorf("report says valid=%v with %d errors", report.Valid, report.ErrorCount)
			}

			text := runCLI(t, c.Dir, c.Environ, "", append([]string{"validate", "-no-color"}, c.Args()...)...)
			if text.code != exitError {
				t.Errorf("validate exited %d, want %d", text.code, exitError)
			}
			if strings.Contains(text.out, "Success") {
				t.Errorf("validate printed success for a broken configuration:\n%s", text.out)
			}
			for _, d := range report.Diagnostics {
				if !strings.Contains(text.err, d.Summary) {
					t.Errorf("text output lacks %q:\n%s", d.Summary, text.err)
				}
			}
		})
	}
}

func TestValidateSuccess(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"main.attach.hcl": "target \"inbox\" {\n  mailbox = \"ops@contoso.com\"\n  message = \"AAMkADraft=\"\n}\n\nattachment \"a\" {\n  target = target.inbox\n  source = \"a.txt\"\n}\n",
		"a.txt":           "a\n",
	})
	res := runCLI(t, dir, nil, "", "validate")
	if res.code != exitOK || res.out != "Success! The configuration is valid.\n" || res.err != "" {
		t.Errorf("validate = %d, stdout %q, stderr %q; want 0 and the success line only", res.code, res.out, res.err)
	}

	res = runCLI(t, dir, nil, "", "validate", "-json")
	var report views.JSONReport
	if err := json.Unmarshal([]byte(res.out), &report); err != nil || res.code != exitOK || !report.Valid || len(report.Diagnostics) != 0 {
		t.Errorf("validate -json = %d %q (%v); want 0 and valid with no diagnostics", res.code, res.out, err)
	}
}

func TestValidateWarningsStillSucceed(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"main.attach.hcl":      "variable \"mailbox\" {\n  default = \"ops@contoso.com\"\n}\n",
		"team.auto.attachvars": "mailbx = \"a@contoso.com\"\n",
	})
	res := runCLI(t, dir, nil, "", "validate", "-no-color")
	if res.code != exitOK {
		t.Fatalf("validate exited %d: %s", res.code, res.err)
	}
	if !strings.Contains(res.out, "valid, but there were some validation warnings") || !strings.Contains(res.err, "Warning: Value for undeclared variable") {
		t.Errorf("stdout %q, stderr %q: want the warning and the success-with-warnings line", res.out, res.err)
	}
}

func TestValidateFlags(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"main.attach.hcl": "variable \"mailbox\" {}\n\ntarget \"inbox\" {\n  mailbox = var.mailbox\n  message = \"AAMkADraft=\"\n}\n",
		"prod.attachvars": "mailbox = \"prod@contoso.com\"\n",
	})
	for _, tc := range []struct {
		name    string
		env     []string
		args    []string
		code    int
		errText string
	}{
		{"missing variable", nil, nil, exitError, "No value for required variable"},
		{"-var", nil, []string{"-var=mailbox=ops@contoso.com"}, exitOK, ""},
		{"-var-file", nil, []string{"-var-file=prod.attachvars"}, exitOK, ""},
		{"environment", []string{"ATTACHFORM_VAR_mailbox=ops@contoso.com"}, nil, exitOK, ""},
		{"argument", nil, []string{"extra"}, exitError, "validate takes no arguments"},
		{"unknown flag", nil, []string{"-colour"}, exitError, "flag provided but not defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := runCLI(t, dir, tc.env, "", append([]string{"validate", "-no-color"}, tc.args...)...)
			if res.code != tc.code || !strings.Contains(res.err, tc.errText) {
				t.Errorf("exit %d, stderr %q; want %d and %q", res.code, res.err, tc.code, tc.errText)
			}
		})
	}
}

func TestValidateHelpListsCommand(t *testing.T) {
	res := runCLI(t, t.TempDir(), nil, "", "--help")
	for _, cmd := range []string{"validate", "fmt"} {
		if !strings.Contains(res.out+res.err, cmd) {
			t.Errorf("--help does not list %s:\n%s%s", cmd, res.out, res.err)
		}
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkValidate2000 runs attachform validate, through the CLI, on a
// manifest that attaches 2,000 files with for_each over fileset.
//
//	go test ./cmd/attachform -run '^$' -bench Validate2000
func BenchmarkValidate2000(b *testing.B) {
	const n = 2000
	dir := b.TempDir()
	files := map[string]string{"main.attach.hcl": `
target "welcome" {
  mailbox = "ops@contoso.com"
  message = "AAMkADraft="
}

attachment "handbook" {
  for_each = fileset("handbook", "*.pdf")
  target   = target.welcome
  source   = "handbook/${each.value}"
}
`}
	for i := range n {
		files[fmt.Sprintf("handbook/chapter-%04d.pdf", i)] = fmt.Sprintf("%%PDF %d\n", i)
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{"-chdir=" + dir, "validate"}, streams{out: &out, err: &errb}, nil); code != exitOK {
			b.Fatalf("validate exited %d: %s", code, errb.String())
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/attachment")
}
