package spec

import (
	"github.com/attachform/attachform/item"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestGraphBlock(t *testing.T) {
	dir := writeConfig(t, map[string]string{"main.attach.hcl": `
variable "tenant" {
  default = "11111111-2222-3333-4444-555555555555"
}

locals {
  client = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
}

graph {
  endpoint              = "https://graph.microsoft.us/"
  cloud                 = "usgov"
  tenant_id             = var.tenant
  client_id             = local.client
  auth                  = "workload_identity"
  mailbox_concurrency   = 2
  mailbox_upload_limit  = "100MB/5m"
  mailbox_request_limit = "5000/10m"
  max_message_size      = "50MB"
}
`})
	g := mustLoad(t, dir, LoadOptions{}).Graph
	want := Graph{
		Endpoint: "https://graph.microsoft.us", Cloud: "usgov",
		TenantID: "11111111-2222-3333-4444-555555555555", ClientID: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
		Auth: "workload_identity", MailboxConcurrency: 2,
		MailboxUploadLimit:  ByteRate{Bytes: 100 * MiB, Per: 5 * time.Minute},
		MailboxRequestLimit: Rate{N: 5000, Per: 10 * time.Minute},
		MaxMessageSize:      50 * MiB,
	}
	if g != want {
		t.Errorf("Graph = %+v\nwant    %+v", g, want)
	}
	if g.EffectiveMaxMessageSize() != 50*MiB || (Graph{}).EffectiveMaxMessageSize() != DefaultMaxMessageSize {
		t.Error("EffectiveMaxMessageSize")
	}
	dir = writeConfig(t, map[string]string{"main.attach.hcl": "graph {\n  auth = \"default\"\n}\n"})
	if g := mustLoad(t, dir, LoadOptions{}).Graph; g.Auth != "" {
		t.Errorf(`auth "default" = %q, want "" (the default chain)`, g.Auth)
	}
}

func TestAttachmentAttributes(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		"main.attach.hcl": inboxTarget + `
target "task" {
  mailbox   = "ops@contoso.com"
  todo_list = "L1"
  todo_task = "T1"
}

locals {
  logos = {
    logo   = { file = "img/logo.png", target = target.inbox }
    banner = { file = "img/banner.png", target = target.inbox }
  }
}

attachment "image" {
  for_each   = local.logos
  target     = each.value.target
  source     = each.value.file
  inline     = true
  content_id = each.key
}

attachment "sheet" {
  target       = target.task
  source       = "data/sheet.bin"
  name         = "Budget.xlsx"
  content_type = "application/octet-stream; x=1"

  lifecycle {
    prevent_destroy       = true
    create_before_destroy = false
  }
}
`,
		"img/logo.png": "logo", "img/banner.png": "banner", "data/sheet.bin": "0123456789",
	})
	cfg := mustLoad(t, dir, LoadOptions{})
	logo := attachmentOf(cfg, `attachment.image["logo"]`)
	if logo == nil || !logo.Inline || logo.ContentID != "logo" || logo.Target.Name != "inbox" || logo.Name != "logo.png" || logo.ContentType != "image/png" {
		t.Errorf("logo = %+v", logo)
	}
	sheet := attachmentOf(cfg, "attachment.sheet")
	if sheet == nil || sheet.Name != "Budget.xlsx" || sheet.ContentType != "application/octet-stream; x=1" || sheet.Size != 10 || sheet.Target.Item.Kind != item.TodoTask {
		t.Fatalf("sheet = %+v", sheet)
	}
	if !sheet.PreventDestroy || sheet.CreateBeforeDestroy == nil || *sheet.CreateBeforeDestroy {
		t.Errorf("sheet lifecycle = %v %v, want prevent_destroy and create_before_destroy=false", sheet.PreventDestroy, sheet.CreateBeforeDestroy)
	}
	if logo.CreateBeforeDestroy != nil {
		t.Error("create_before_destroy not set should be nil (the planner's choice)")
	}
	real, _ := filepath.EvalSymlinks(filepath.Join(dir, "data", "sheet.bin"))
	if sheet.Source != real {
		t.Errorf("Source = %q, want %q", sheet.Source, real)
	}
}

func TestSourcesAndSymlinks(t *testing.T) {
	outside := writeConfig(t, map[string]string{"secret.txt": "token"})
	dir := writeConfig(t, map[string]string{
		"main.attach.hcl": inboxTarget + `
attachment "inside" {
  target = target.inbox
  source = "links/inside.txt"
}

attachment "outside" {
  target = target.inbox
  source = "links/outside.txt"
}
`,
		"real/inside.txt": "inside",
		"links/.keep":     "",
	})
	if err := os.Symlink("../real/inside.txt", filepath.Join(dir, "links/inside.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(dir, "links/outside.txt")); err != nil {
		t.Fatal(err)
	}
	errs, _ := loadErrors(t, dir, LoadOptions{})
	if joinLines(errs) != "Source outside the config directory" {
		t.Errorf("errors = %q, want only the escaping symlink refused", errs)
	}
	cfg := mustLoad(t, dir, LoadOptions{AllowOutsideSources: true})
	if a := attachmentOf(cfg, "attachment.outside"); a == nil || !strings.HasSuffix(a.Source, "secret.txt") || a.Name != "secret.txt" {
		t.Errorf("with AllowOutsideSources: %+v", a)
	}
	if a := attachmentOf(cfg, "attachment.inside"); a == nil || !strings.HasSuffix(a.Source, filepath.Join("real", "inside.txt")) || a.Name != "inside.txt" {
		t.Errorf("a symlink inside resolves to its file: %+v", a)
	}
}

// Limits are checked per kind: exactly the limit passes, one byte more does
// not. Sparse files keep the test cheap.
func TestSizeLimits(t *testing.T) {
	for _, tc := range []struct {
		name   string
		target string
		size   int64
		errors string
	}{
		{"Outlook at the limit", "inbox", item.Message.Traits().MaxBytes, "Attachments exceed the maximum message size"},
		{"To Do at the limit", "task", item.TodoTask.Traits().MaxBytes, ""},
		{"To Do over", "task", item.TodoTask.Traits().MaxBytes + 1, "File too large for a To Do task"},
		{"Outlook within message size", "inbox", DefaultMaxMessageSize, ""},
		{"Outlook over message size", "inbox", DefaultMaxMessageSize + 1, "Attachments exceed the maximum message size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeConfig(t, map[string]string{"main.attach.hcl": inboxTarget + `
target "task" {
  mailbox   = "ops@contoso.com"
  todo_list = "L1"
  todo_task = "T1"
}

attachment "big" {
  target = target.` + tc.target + `
  source = "big.bin"
}
`})
			f, err := os.Create(filepath.Join(dir, "big.bin"))
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Truncate(tc.size); err != nil {
				t.Fatal(err)
			}
			f.Close()
			errs, diags := loadErrors(t, dir, LoadOptions{})
			if joinLines(errs) != tc.errors {
				t.Errorf("errors = %q, want %q", errs, tc.errors)
			}
			if tc.errors != "" && !strings.Contains(diags[0].Detail, "MiB") {
				t.Errorf("detail lacks the limit: %s", diags[0].Detail)
			}
		})
	}
	// With max_message_size raised, 150 MB fits; one byte more does not.
	dir := writeConfig(t, map[string]string{"main.attach.hcl": "graph {\n  max_message_size = \"150MB\"\n}\n" + inboxTarget + "attachment \"big\" {\n  target = target.inbox\n  source = \"big.bin\"\n}\n"})
	if err := os.WriteFile(filepath.Join(dir, "big.bin"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for size, want := range map[int64]string{item.Message.Traits().MaxBytes: "", item.Message.Traits().MaxBytes + 1: "File too large for a message"} {
		if err := os.Truncate(filepath.Join(dir, "big.bin"), size); err != nil {
			t.Fatal(err)
		}
		if errs, _ := loadErrors(t, dir, LoadOptions{}); joinLines(errs) != want {
			t.Errorf("%d bytes with max_message_size 150MB: errors %q, want %q", size, errs, want)
		}
	}
}

func TestMovedAndImport(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		"main.attach.hcl": inboxTarget + `
attachment "docs" {
  for_each = fileset("docs", "*.txt")
  target   = target.inbox
  source   = "docs/${each.value}"
}

attachment "agenda" {
  target = target.inbox
  source = "docs/a.txt"
  name   = "Agenda.txt"
}

moved {
  from = attachment.old_agenda
  to   = attachment.agenda
}

moved {
  from = attachment.handbook["a.txt"]
  to   = attachment.docs["a.txt"]
}

import {
  to = attachment.docs["b.txt"]
  id = "AAMkAtt=="
}
`,
		"docs/a.txt": "a", "docs/b.txt": "b",
	})
	cfg := mustLoad(t, dir, LoadOptions{})
	var moved []string
	for _, m := range cfg.Moved {
		moved = append(moved, m.From+" -> "+m.To)
	}
	if joinLines(moved) != "attachment.old_agenda -> attachment.agenda\n"+`attachment.handbook["a.txt"] -> attachment.docs["a.txt"]` {
		t.Errorf("Moved = %q", moved)
	}
	if len(cfg.Imports) != 1 || cfg.Imports[0].To != `attachment.docs["b.txt"]` || cfg.Imports[0].ID != "AAMkAtt==" {
		t.Errorf("Imports = %+v", cfg.Imports)
	}
}

func TestParseAddress(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"attachment.agenda", "attachment.agenda", true},
		{`attachment.handbook["intro.pdf"]`, `attachment.handbook["intro.pdf"]`, true},
		{`attachment.handbook["with \"quote\""]`, `attachment.handbook["with \"quote\""]`, true},
		{"target.agenda", "", false},
		{"attachment", "", false},
		{"attachment.a[0]", "attachment.a[0]", true},
		{"attachment.a[-1]", "", false},
		{`attachment.a["${x}"]`, "", false},
		{"attachment.a.b", "", false},
		{"attachment.", "", false},
	} {
		a, diags := ParseAddress(tc.in)
		if diags.HasErrors() == tc.ok || (tc.ok && a.String() != tc.want) {
			t.Errorf("ParseAddress(%q) = %s, %v; want %s ok=%v", tc.in, a, diags, tc.want, tc.ok)
		}
	}
}

// for_each over data not looked up is skipped offline, and an error when
// a resolver is given but the value is still unknown.
func TestForEachUnknownOffline(t *testing.T) {
	dir := writeConfig(t, map[string]string{"main.attach.hcl": inboxTarget + `
data "message" "m" {
  mailbox = "ops@contoso.com"
  filter  = "subject eq 'x'"
}

attachment "a" {
  for_each = toset([data.message.m.id])
  target   = target.inbox
  source   = "a.txt"
  name     = "${each.key}.txt"
}
`, "a.txt": "a"})
	cfg := mustLoad(t, dir, LoadOptions{})
	if len(cfg.Attachments) != 0 {
		t.Errorf("offline instances = %d, want none", len(cfg.Attachments))
	}
	cfg = mustLoad(t, dir, LoadOptions{Data: &fakeData{items: map[string][]DataItem{"message:subject eq 'x'": {{ID: "M1"}}}}})
	if len(cfg.Attachments) != 1 || cfg.Attachments[0].Name != "M1.txt" {
		t.Errorf("resolved instances = %+v", cfg.Attachments)
	}
}
