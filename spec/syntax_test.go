package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
)

// A manifest that does not parse is reported alone, as Terraform reports
// syntax errors: Load's errors are exactly the parser's, for every broken
// file, and nothing that only follows from the broken parse ("Missing
// required argument", "Reference to undeclared target", "Source file not
// found") comes after them, from the broken file or from the good ones
// that refer to what it declared.
func TestSyntaxErrorsStandAlone(t *testing.T) {
	good := `attachment "other" {
  target = target.inbox
  source = "other.txt"
}
`
	cases := []struct {
		name   string
		broken map[string]string // files that do not parse
	}{
		{"unterminated string", map[string]string{"main.attach.hcl": inboxTarget + `attachment "a" {
  target = target.inbox
  source = "missing.txt
}
`}},
		{"unclosed block", map[string]string{"main.attach.hcl": `target "inbox" {
  mailbox = "ops@contoso.com"
  message = "AAMkADraft="
attachment "a" {
  target = target.inbox
  source = "a.txt"
}
`}},
		{"argument without equals", map[string]string{"main.attach.hcl": `target "inbox" {
  mailbox "ops@contoso.com"
  message = "AAMkADraft="
}
`}},
		{"stray closing brace", map[string]string{"main.attach.hcl": inboxTarget + "}\n"}},
		{"invalid character", map[string]string{"main.attach.hcl": inboxTarget + "attachment \"a\" {\n  target = target.inbox\n  source = \"a.txt\" ;\n}\n"}},
		{"unterminated heredoc", map[string]string{"main.attach.hcl": inboxTarget + "attachment \"a\" {\n  target = target.inbox\n  inline = <<EOT\nhello\n}\n"}},
		{"bad expression", map[string]string{"main.attach.hcl": inboxTarget + "attachment \"a\" {\n  target = target.inbox\n  source = (\"a.txt\"\n}\n"}},
		{"broken JSON manifest", map[string]string{"main.attach.hcl.json": `{"target": {"inbox": {"mailbox": "ops@contoso.com", "message": "AAMkADraft="}},`}},
		{"two broken files", map[string]string{
			"main.attach.hcl":  inboxTarget + "attachment \"a\" {\n  source = \"a.txt\n}\n",
			"other.attach.hcl": "variable \"v\" {\n  type = string\n",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"good.attach.hcl": good}
			for name, src := range tc.broken {
				files[name] = src
			}
			dir := writeConfig(t, files)
			var want []string
			for name := range tc.broken {
				want = append(want, parseErrorSummaries(t, filepath.Join(dir, name))...)
			}
			if len(want) == 0 {
				t.Fatal("the broken manifests parse: the case tests nothing")
			}
			got, diags := loadErrors(t, dir, LoadOptions{})
			if !sameMultiset(got, want) {
				t.Errorf("errors %q, want only the parser's %q\n%s", got, want, diags.Error())
			}
		})
	}
}

// parseErrorSummaries are the summaries of the errors hcl's parser reports
// for the file at path.
func parseErrorSummaries(t *testing.T, path string) []string {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p := hclparse.NewParser()
	var diags hcl.Diagnostics
	if strings.HasSuffix(path, ManifestJSONSuffix) {
		_, diags = p.ParseJSON(src, filepath.Base(path))
	} else {
		_, diags = p.ParseHCL(src, filepath.Base(path))
	}
	var out []string
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			out = append(out, d.Summary)
		}
	}
	return out
}

func sameMultiset(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	count := map[string]int{}
	for _, s := range a {
		count[s]++
	}
	for _, s := range b {
		count[s]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}
