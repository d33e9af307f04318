package spec

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// Each case is a rule of Terraform's for_each and count, from its
// documentation (language/meta-arguments/for_each and count, and
// language/expressions/for), applied to data, target and attachment
// blocks. want lists the attachments as "ADDRESS on TARGET"; an error
// case names the summary, a phrase of the detail and the source text its
// Subject must cover (the token at fault).
var forEachRules = []struct {
	rule     string
	manifest string
	offline  bool
	want     []string
	summary  string
	detail   string
	subject  string
}{
	{
		rule: "for_each over a set of strings: each.key and each.value are the element",
		manifest: `
target "t" {
  for_each = toset(["alice@contoso.com", "bob@contoso.com"])
  mailbox  = each.value
  message  = "draft-${each.key}"
}
attachment "a" {
  for_each = toset(["alice@contoso.com", "bob@contoso.com"])
  target   = target.t[each.key]
  source   = "f.pdf"
}`,
		want: []string{`attachment.a["alice@contoso.com"] on t["alice@contoso.com"]`, `attachment.a["bob@contoso.com"] on t["bob@contoso.com"]`},
	},
	{
		rule: "toset drops duplicates: a list with a mailbox twice makes one instance of it",
		manifest: `
variable "people" {
  default = ["alice@contoso.com", "bob@contoso.com", "alice@contoso.com"]
}
target "t" {
  for_each = toset(var.people)
  mailbox  = each.key
  message  = "D"
}
attachment "a" {
  for_each = toset(var.people)
  target   = target.t[each.key]
  source   = "f.pdf"
}`,
		want: []string{`attachment.a["alice@contoso.com"] on t["alice@contoso.com"]`, `attachment.a["bob@contoso.com"] on t["bob@contoso.com"]`},
	},
	{
		rule: "for_each over a map: each.key is the key, each.value its value",
		manifest: `
target "t" {
  for_each = { alice = "alice@contoso.com", bob = "bob@contoso.com" }
  mailbox  = each.value
  message  = "draft-${each.key}"
}
attachment "a" {
  for_each = target.t
  target   = each.value
  source   = "f.pdf"
  name     = "${each.key}.pdf"
}`,
		want: []string{`attachment.a["alice"] on t["alice"]`, `attachment.a["bob"] on t["bob"]`},
	},
	{
		rule: "each.value may be an object: a map of objects gives each instance several values",
		manifest: `
locals {
  people = {
    alice = { mailbox = "alice@contoso.com", draft = "D1" }
    bob   = { mailbox = "bob@contoso.com", draft = "D2" }
  }
}
target "t" {
  for_each = local.people
  mailbox  = each.value.mailbox
  message  = each.value.draft
}
attachment "a" {
  for_each = local.people
  target   = target.t[each.key]
  source   = "f.pdf"
}`,
		want: []string{`attachment.a["alice"] on t["alice"]`, `attachment.a["bob"] on t["bob"]`},
	},
	{
		rule: "count makes instances 0..n-1 with count.index, listed by index",
		manifest: `
target "t" {
  count   = 11
  mailbox = "box${count.index}@contoso.com"
  message = "draft-${count.index}"
}
attachment "a" {
  count  = 11
  target = target.t[count.index]
  source = "f.pdf"
}`,
		want: []string{"attachment.a[0] on t[0]", "attachment.a[1] on t[1]", "attachment.a[2] on t[2]", "attachment.a[3] on t[3]",
			"attachment.a[4] on t[4]", "attachment.a[5] on t[5]", "attachment.a[6] on t[6]", "attachment.a[7] on t[7]",
			"attachment.a[8] on t[8]", "attachment.a[9] on t[9]", "attachment.a[10] on t[10]"},
	},
	{
		rule: "count = 0 makes no instance (a conditional block)",
		manifest: inboxTarget + `
attachment "a" {
  count  = false ? 1 : 0
  target = target.inbox
  source = "f.pdf"
}`,
		want: nil,
	},
	{
		rule: "references between keyed blocks: data → target → attachment, by key",
		manifest: `
data "message" "welcome" {
  for_each = toset(["alice@contoso.com"])
  mailbox  = each.key
  filter   = "subject eq 'Welcome'"
}
target "t" {
  for_each = data.message.welcome
  mailbox  = each.key
  message  = data.message.welcome[each.key].id
}
attachment "a" {
  for_each = target.t
  target   = each.value
  source   = "f.pdf"
}`,
		want: []string{`attachment.a["alice@contoso.com"] on t["alice@contoso.com"]`},
	},
	{
		rule: "a for expression goes over an instance map like any map",
		manifest: `
data "message" "welcome" {
  for_each = toset(["alice@contoso.com", "bob@contoso.com"])
  mailbox  = each.key
  filter   = "subject eq 'Welcome'"
}
locals {
  drafts = { for box, m in data.message.welcome : box => m.id if box != "bob@contoso.com" }
}
target "t" {
  for_each = local.drafts
  mailbox  = each.key
  message  = each.value
}
attachment "a" {
  for_each = target.t
  target   = each.value
  source   = "f.pdf"
}`,
		want: []string{`attachment.a["alice@contoso.com"] on t["alice@contoso.com"]`},
	},
	{
		rule: "keys not known offline: validate skips the instances instead of failing",
		manifest: inboxTarget + `
data "message" "m" {
  mailbox = "ops@contoso.com"
  filter  = "subject eq 'x'"
}
target "t" {
  for_each = toset([data.message.m.id])
  mailbox  = "ops@contoso.com"
  message  = each.key
}`,
		offline: true,
		want:    nil,
	},
	{
		rule: "a list is refused: for_each takes a map or a set of strings (convert with toset)",
		manifest: `
target "t" {
  for_each = ["alice@contoso.com"]
  mailbox  = each.value
  message  = "D"
}`,
		summary: "Invalid for_each argument", detail: "toset(", subject: `["alice@contoso.com"]`,
	},
	{
		rule: "a set must hold strings",
		manifest: `
data "message" "m" {
  for_each = toset([1, 2])
  mailbox  = "ops@contoso.com"
  filter   = "x"
}`,
		summary: "Invalid for_each argument", detail: "set containing type", subject: "toset([1, 2])",
	},
	{
		rule: "for_each cannot be null",
		manifest: `
target "t" {
  for_each = null
  mailbox  = "ops@contoso.com"
  message  = "D"
}`,
		summary: "Invalid for_each argument", detail: "is null", subject: "null",
	},
	{
		rule: "sensitive values cannot be keys",
		manifest: `
variable "boxes" {
  type      = set(string)
  default   = ["alice@contoso.com"]
  sensitive = true
}
target "t" {
  for_each = var.boxes
  mailbox  = each.key
  message  = "D"
}`,
		summary: "Invalid for_each argument", detail: "Sensitive values", subject: "var.boxes",
	},
	{
		rule: "a for expression making one key twice is an error (… groups instead)",
		manifest: `
target "t" {
  for_each = { for b in ["a@contoso.com", "a@contoso.com"] : b => b }
  mailbox  = each.key
  message  = "D"
}`,
		summary: "Duplicate object key", subject: "b",
	},
	{
		rule: "count and for_each are mutually exclusive",
		manifest: `
target "t" {
  for_each = toset(["a"])
  count    = 1
  mailbox  = "ops@contoso.com"
  message  = "D"
}`,
		summary: `Invalid combination of "count" and "for_each"`, detail: "mutually-exclusive", subject: "for_each",
	},
	{
		rule: "count is a whole number, 0 or more",
		manifest: `
data "message" "m" {
  count   = -1
  mailbox = "ops@contoso.com"
  filter  = "x"
}`,
		summary: "Invalid count argument", detail: "greater than or equal to zero", subject: "-1",
	},
	{
		rule: "count is not fractional",
		manifest: inboxTarget + `
attachment "a" {
  count  = 1.5
  target = target.inbox
  source = "f.pdf"
}`,
		summary: "Invalid count argument", detail: "whole number", subject: "1.5",
	},
	{
		rule: "each is only inside a block with for_each",
		manifest: `
target "t" {
  mailbox = each.key
  message = "D"
}`,
		summary: `Reference to "each" in context without for_each`, subject: "each",
	},
	{
		rule: "count.index is only inside a block with count",
		manifest: `
data "message" "m" {
  mailbox = "box${count.index}@contoso.com"
  filter  = "x"
}`,
		summary: `Reference to "count" in non-counted context`, subject: "count",
	},
	{
		rule: "a repeated target is several items: an attachment names one instance",
		manifest: `
target "t" {
  for_each = toset(["a@contoso.com"])
  mailbox  = each.key
  message  = "D"
}
attachment "a" {
  target = target.t
  source = "f.pdf"
}`,
		summary: "Invalid target", detail: "target.t[each.key]", subject: "target.t",
	},
	{
		rule: "an instance key that does not exist is an invalid index",
		manifest: `
target "t" {
  for_each = toset(["a@contoso.com"])
  mailbox  = each.key
  message  = "D"
}
attachment "a" {
  target = target.t["b@contoso.com"]
  source = "f.pdf"
}`,
		summary: "Invalid index", subject: `["b@contoso.com"]`,
	},
}

func TestForEachRules(t *testing.T) {
	for _, tc := range forEachRules {
		t.Run(tc.rule, func(t *testing.T) {
			dir := writeConfig(t, map[string]string{"main.attach.hcl": tc.manifest, "f.pdf": "pdf"})
			opts := LoadOptions{Data: &mailboxData{}}
			if tc.offline {
				opts.Data = nil
			}
			cfg, diags := Load(context.Background(), dir, opts)
			if tc.summary == "" {
				if diags.HasErrors() {
					t.Fatalf("Load: %s", diags.Error())
				}
				var got []string
				for _, a := range cfg.Attachments {
					got = append(got, a.Address+" on "+a.Target.Name)
				}
				if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
					t.Errorf("attachments:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
				}
				return
			}
			d := findDiag(diags, tc.summary)
			if d == nil {
				t.Fatalf("no %q error; got %s", tc.summary, diags.Error())
			}
			if !strings.Contains(d.Detail, tc.detail) {
				t.Errorf("detail %q does not say %q", d.Detail, tc.detail)
			}
			if got := subjectText(t, dir, d); got != tc.subject {
				t.Errorf("subject covers %q, want %q", got, tc.subject)
			}
		})
	}
}

func findDiag(diags hcl.Diagnostics, summary string) *hcl.Diagnostic {
	for _, d := range diags {
		if d.Severity == hcl.DiagError && d.Summary == summary {
			return d
		}
	}
	return nil
}

// subjectText is the source a diagnostic's Subject covers.
func subjectText(t *testing.T, dir string, d *hcl.Diagnostic) string {
	t.Helper()
	if d.Subject == nil {
		return ""
	}
	src, err := os.ReadFile(filepath.Join(dir, d.Subject.Filename))
	if err != nil {
		t.Fatal(err)
	}
	return string(src[d.Subject.Start.Byte:d.Subject.End.Byte])
}

// Terraform's moved rules across keys: between two keys of one block,
// from a block to one of its instances once it has for_each (and back),
// and between two blocks (every instance, keys kept).
func TestMovedAcrossKeys(t *testing.T) {
	dir := writeConfig(t, map[string]string{"f.pdf": "pdf", "main.attach.hcl": inboxTarget + `
attachment "pack" {
  for_each = toset(["alice", "carol"])
  target   = target.inbox
  source   = "f.pdf"
  name     = "${each.key}.pdf"
}
attachment "single" {
  target = target.inbox
  source = "f.pdf"
  name   = "single.pdf"
}
attachment "counted" {
  count  = 1
  target = target.inbox
  source = "f.pdf"
  name   = "counted.pdf"
}
moved {
  from = attachment.pack["bob"]
  to   = attachment.pack["carol"]
}
moved {
  from = attachment.pack_old
  to   = attachment.pack
}
moved {
  from = attachment.single["x"]
  to   = attachment.single
}
moved {
  from = attachment.counted
  to   = attachment.counted[0]
}
`})
	cfg := mustLoad(t, dir, LoadOptions{})
	var got []string
	for _, m := range cfg.Moved {
		got = append(got, m.From+" → "+m.To)
	}
	want := `attachment.pack["bob"] → attachment.pack["carol"]
attachment.pack_old → attachment.pack
attachment.single["x"] → attachment.single
attachment.counted → attachment.counted[0]`
	if strings.Join(got, "\n") != want {
		t.Errorf("moved:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}

	for _, tc := range []struct{ from, to, summary string }{
		{`attachment.pack["alice"]`, `attachment.pack["carol"]`, "Moved object still declared"},
		{`attachment.pack["bob"]`, `attachment.pack["dave"]`, "Moved to an undeclared address"},
		{`attachment.counted[0]`, `attachment.counted[1]`, "Moved object still declared"},
		{`attachment.single`, `attachment.pack`, "Moved object still declared"},
		{`attachment.x`, `attachment.counted["a"]`, "Moved to an undeclared address"},
	} {
		dir := writeConfig(t, map[string]string{"f.pdf": "pdf", "main.attach.hcl": inboxTarget + `
attachment "pack" {
  for_each = toset(["alice", "carol"])
  target   = target.inbox
  source   = "f.pdf"
  name     = "${each.key}.pdf"
}
attachment "single" {
  target = target.inbox
  source = "f.pdf"
  name   = "single.pdf"
}
attachment "counted" {
  count  = 1
  target = target.inbox
  source = "f.pdf"
  name   = "counted.pdf"
}
moved {
  from = ` + tc.from + `
  to   = ` + tc.to + `
}
`})
		if errs, diags := loadErrors(t, dir, LoadOptions{}); len(errs) != 1 || errs[0] != tc.summary {
			t.Errorf("moved %s → %s: errors %q, want %q\n%s", tc.from, tc.to, errs, tc.summary, diags.Error())
		}
	}
}

// Terraform 1.7's import blocks with for_each: one import per key, to
// naming the instance with each.key, id from each.value.
func TestImportForEach(t *testing.T) {
	dir := writeConfig(t, map[string]string{"f.pdf": "pdf", "main.attach.hcl": inboxTarget + `
variable "existing" {
  default = { alice = "ATT-A", bob = "ATT-B" }
}
attachment "pack" {
  for_each = toset(["alice", "bob", "carol"])
  target   = target.inbox
  source   = "f.pdf"
  name     = "${each.key}.pdf"
}
attachment "part" {
  count  = 2
  target = target.inbox
  source = "f.pdf"
  name   = "part${count.index}.pdf"
}
import {
  for_each = var.existing
  to       = attachment.pack[each.key]
  id       = each.value
}
import {
  for_each = { "1" = "ATT-P1" }
  to       = attachment.part[tonumber(each.key)]
  id       = each.value
}
`})
	cfg := mustLoad(t, dir, LoadOptions{})
	var got []string
	for _, im := range cfg.Imports {
		got = append(got, im.To+"="+im.ID)
	}
	want := `attachment.pack["alice"]=ATT-A
attachment.pack["bob"]=ATT-B
attachment.part[1]=ATT-P1`
	if strings.Join(got, "\n") != want {
		t.Errorf("imports:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}

	dir = writeConfig(t, map[string]string{"f.pdf": "pdf", "main.attach.hcl": inboxTarget + `
attachment "pack" {
  for_each = toset(["alice"])
  target   = target.inbox
  source   = "f.pdf"
}
import {
  for_each = { alice = "A", zed = "Z" }
  to       = attachment.pack[each.key]
  id       = each.value
}
`})
	errs, diags := loadErrors(t, dir, LoadOptions{})
	if len(errs) != 1 || errs[0] != "Import to an undeclared address" || !strings.Contains(diags.Error(), `no instance ["zed"]`) {
		t.Errorf("errors %q, want one import to the undeclared pack[\"zed\"]\n%s", errs, diags.Error())
	}
}

// A lookup that finds nothing for one instance names that instance.
func TestDataInstanceNotFoundNamesKey(t *testing.T) {
	dir := writeConfig(t, map[string]string{"main.attach.hcl": `
data "message" "welcome" {
  for_each = toset(["alice@contoso.com", "nobody@contoso.com"])
  mailbox  = each.key
  filter   = "subject eq 'Welcome'"
}
`})
	_, diags := Load(context.Background(), dir, LoadOptions{Data: &mailboxData{}})
	d := findDiag(diags, "No message found")
	if d == nil || !strings.Contains(d.Detail, `data.message.welcome["nobody@contoso.com"] found nothing`) || len(diags) != 1 {
		t.Errorf("diagnostics: %s", diags.Error())
	}
}

// In a JSON manifest, an import's to is a string spelling the address,
// with each.key inside it as in native syntax.
func TestImportForEachJSON(t *testing.T) {
	dir := writeConfig(t, map[string]string{"f.pdf": "pdf", "main.attach.hcl": inboxTarget + `
attachment "pack" {
  for_each = toset(["alice", "bob"])
  target   = target.inbox
  source   = "f.pdf"
  name     = "${each.key}.pdf"
}
`, "imports.attach.hcl.json": `{"import": [{"for_each": {"alice": "ATT-A"}, "to": "attachment.pack[each.key]", "id": "${each.value}"}]}`})
	cfg := mustLoad(t, dir, LoadOptions{})
	if len(cfg.Imports) != 1 || cfg.Imports[0].To != `attachment.pack["alice"]` || cfg.Imports[0].ID != "ATT-A" {
		t.Errorf("imports = %+v", cfg.Imports)
	}
}
