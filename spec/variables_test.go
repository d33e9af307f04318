package spec

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// TestVariablePrecedence: default < ATTACHFORM_VAR_x < *.auto.attachvars (in
// name order) < -var-file (in order) < -var (in order).
func TestVariablePrecedence(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		"main.attach.hcl": `
variable "mailbox" {
  default = "default@contoso.com"
}

target "inbox" {
  mailbox = var.mailbox
  message = "AAMkADraft="
}
`,
		"a.auto.attachvars": "mailbox = \"auto-a@contoso.com\"\n",
		"b.auto.attachvars": "mailbox = \"auto-b@contoso.com\"\n",
		"one.attachvars":    "mailbox = \"file-one@contoso.com\"\n",
		"two.attachvars":    "mailbox = \"file-two@contoso.com\"\n",
	})
	env := []string{"ATTACHFORM_VAR_mailbox=env@contoso.com"}
	noAuto := func(t *testing.T) {
		for _, f := range []string{"a.auto.attachvars", "b.auto.attachvars"} {
			if err := os.Rename(dir+"/"+f, dir+"/"+f+".off"); err != nil {
				t.Fatal(err)
			}
		}
		t.Cleanup(func() {
			for _, f := range []string{"a.auto.attachvars", "b.auto.attachvars"} {
				_ = os.Rename(dir+"/"+f+".off", dir+"/"+f)
			}
		})
	}
	for _, tc := range []struct {
		name   string
		auto   bool
		opts   LoadOptions
		expect string
	}{
		{"default", false, LoadOptions{}, "default@contoso.com"},
		{"environment over default", false, LoadOptions{Environ: env}, "env@contoso.com"},
		{"last environment entry wins", false, LoadOptions{Environ: append(env, "ATTACHFORM_VAR_mailbox=env2@contoso.com")}, "env2@contoso.com"},
		{"auto files over environment, later name wins", true, LoadOptions{Environ: env}, "auto-b@contoso.com"},
		{"var files over auto files, in order", true, LoadOptions{Environ: env, VarFiles: []string{"two.attachvars", "one.attachvars"}}, "file-one@contoso.com"},
		{"-var over everything, last wins", true, LoadOptions{Environ: env, VarFiles: []string{"one.attachvars"}, Vars: []string{"mailbox=x@contoso.com", "mailbox=cli@contoso.com"}}, "cli@contoso.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.auto {
				noAuto(t)
			}
			cfg := mustLoad(t, dir, tc.opts)
			if got := cfg.Targets[0].Item.Mailbox; got != tc.expect {
				t.Errorf("mailbox = %q, want %q", got, tc.expect)
			}
		})
	}
}

func TestVariableTypes(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		"main.attach.hcl": `
variable "names" {
  type = map(string)
}

variable "count" {
  type    = number
  default = 2
}

variable "options" {
  type = object({
    inline     = optional(bool, false)
    content_id = optional(string)
  })
  default = {}
}

variable "anything" {}

target "inbox" {
  mailbox = "ops@contoso.com"
  message = "AAMkADraft="
}

attachment "docs" {
  for_each = var.names
  target   = target.inbox
  source   = "${each.key}.txt"
  name     = "${each.value} (${var.count}, ${var.anything}).txt"
  inline   = var.options.inline
}
`,
		"a.txt": "a", "b.txt": "b",
	})
	cfg := mustLoad(t, dir, LoadOptions{
		Vars:    []string{`names={a = "Alpha", b = "Beta"}`, "anything=[not parsed]"},
		Environ: []string{"ATTACHFORM_VAR_count=3"},
	})
	var got []string
	for _, a := range cfg.Attachments {
		got = append(got, a.Address+" "+a.Name)
	}
	want := `attachment.docs["a"] Alpha (3, [not parsed]).txt` + "\n" + `attachment.docs["b"] Beta (3, [not parsed]).txt`
	if joinLines(got) != want {
		t.Errorf("attachments:\n%s\nwant:\n%s", joinLines(got), want)
	}

	errs, _ := loadErrors(t, dir, LoadOptions{Vars: []string{"names=not a map", "anything=x"}})
	if joinLines(errs) != "Invalid value for variable" {
		t.Errorf("a string for a map: errors %q", errs)
	}
	errs, _ = loadErrors(t, dir, LoadOptions{Vars: []string{`names={a = "A"}`, "anything=x"}, Environ: []string{"ATTACHFORM_VAR_count=three"}})
	if joinLines(errs) != "Invalid value for variable" {
		t.Errorf("a word for a number: errors %q", errs)
	}
}

// A sensitive value must not appear in any diagnostic, even when an
// expression that uses it fails.
func TestSensitiveValueNotShown(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		"main.attach.hcl": `
variable "token" {
  default   = "s3cr3t-value"
  sensitive = true
}
` + inboxTarget + `
attachment "a" {
  target = target.inbox
  source = "a.txt"
  name   = tonumber(var.token)
}
`,
		"a.txt": "a",
	})
	cfg, diags := Load(context.Background(), dir, LoadOptions{})
	if !diags.HasErrors() {
		t.Fatal("want an error")
	}
	var buf strings.Builder
	if err := hcl.NewDiagnosticTextWriter(&buf, cfg.Files, 0, false).WriteDiagnostics(diags); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "s3cr3t") && !strings.Contains(buf.String(), "default   = \"s3cr3t-value\"") {
		t.Errorf("diagnostics show the sensitive value:\n%s", buf.String())
	}
	for _, d := range diags {
		if strings.Contains(d.Detail, "s3cr3t") {
			t.Errorf("detail shows the sensitive value: %s", d.Detail)
		}
	}
}

func TestVariableValidationPasses(t *testing.T) {
	dir := writeConfig(t, map[string]string{"main.attach.hcl": `
variable "mailbox" {
  type = string
  validation {
    condition     = endswith(var.mailbox, "@contoso.com")
    error_message = "Use a contoso.com mailbox."
  }
}
`})
	if _, diags := Load(context.Background(), dir, LoadOptions{Vars: []string{"mailbox=ops@contoso.com"}}); diags.HasErrors() {
		t.Errorf("a valid value failed validation: %s", diags.Error())
	}
	dir = writeConfig(t, map[string]string{"main.attach.hcl": `
variable "mailbox" {
  type = string
  validation {
    condition     = can(regex("@contoso\\.com$", var.mailbox))
    error_message = "Use a contoso.com mailbox."
  }
}
`})
	if _, diags := Load(context.Background(), dir, LoadOptions{Vars: []string{"mailbox=ops@contoso.com"}}); diags.HasErrors() {
		t.Errorf("a valid value failed validation: %s", diags.Error())
	}
	_, diags := Load(context.Background(), dir, LoadOptions{Vars: []string{"mailbox=ops@fabrikam.com"}})
	if len(diags) != 1 || !strings.HasPrefix(diags[0].Detail, "Use a contoso.com mailbox.") || !strings.Contains(diags[0].Detail, "from -var") {
		t.Errorf("diagnostics = %v", diags)
	}
}
