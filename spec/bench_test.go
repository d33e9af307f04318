package spec

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchConfig writes a manifest whose one attachment block attaches n
// files found by fileset, the shape issue 5 measures.
func benchConfig(b *testing.B, n int) string {
	b.Helper()
	dir := b.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "handbook"), 0o755); err != nil {
		b.Fatal(err)
	}
	for i := range n {
		name := filepath.Join(dir, "handbook", fmt.Sprintf("chapter-%04d.pdf", i))
		if err := os.WriteFile(name, []byte(fmt.Sprintf("%%PDF chapter %d\n", i)), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	manifest := `
variable "mailbox" {
  default = "ops@contoso.com"
}

target "welcome" {
  mailbox   = var.mailbox
  message   = "AAMkADraft="
  exclusive = true
}

attachment "handbook" {
  for_each = fileset("handbook", "*.pdf")
  target   = target.welcome
  source   = "handbook/${each.value}"
  name     = "Handbook ${trimsuffix(each.value, ".pdf")}.pdf"
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.attach.hcl"), []byte(manifest), 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkLoad2000 is what validate does for a 2,000-attachment manifest:
// parse, evaluate for_each over fileset, stat and resolve every source,
// check every rule. Issue 5's budget is 1 s per run.
//
//	go test ./spec -run '^$' -bench Load2000 -benchmem
func BenchmarkLoad2000(b *testing.B) {
	const n = 2000
	dir := benchConfig(b, n)
	ctx := context.Background()
	for b.Loop() {
		cfg, diags := Load(ctx, dir, LoadOptions{})
		if diags.HasErrors() || len(cfg.Attachments) != n {
			b.Fatalf("%d attachments, %s", len(cfg.Attachments), diags.Error())
		}
	}
	perRun := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(n, "attachments/op")
	b.ReportMetric(perRun/n, "ns/attachment")
	b.ReportMetric(perRun/1e9, "s/op")
}

// targetsConfig writes a manifest with n targets, each an item of its own
// with one attachment, the shape issue 12 measures: validate must grow
// linearly with the number of targets.
func targetsConfig(b *testing.B, n int) string {
	b.Helper()
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "agenda.pdf"), []byte("%PDF agenda\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	var m strings.Builder
	m.WriteString("variable \"mailbox\" {\n  default = \"ops@contoso.com\"\n}\n")
	for i := range n {
		fmt.Fprintf(&m, "target \"t%05d\" {\n  mailbox = var.mailbox\n  event   = \"AAMkEvent%05d=\"\n}\n", i, i)
		fmt.Fprintf(&m, "attachment \"a%05d\" {\n  target = target.t%05d\n  source = \"agenda.pdf\"\n}\n", i, i)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.attach.hcl"), []byte(m.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkLoadTargets is validate of 1,000 and 4,000 targets with an
// attachment each. Issue 12's goal: 4,000 within 5× the time of 1,000.
//
//	go test ./spec -run '^$' -bench LoadTargets -benchmem
func BenchmarkLoadTargets(b *testing.B) {
	for _, n := range []int{1000, 4000} {
		b.Run(fmt.Sprintf("targets=%d", n), func(b *testing.B) {
			dir := targetsConfig(b, n)
			ctx := context.Background()
			for b.Loop() {
				cfg, diags := Load(ctx, dir, LoadOptions{})
				if diags.HasErrors() || len(cfg.Targets) != n || len(cfg.Attachments) != n {
					b.Fatalf("%d targets, %d attachments, %s", len(cfg.Targets), len(cfg.Attachments), diags.Error())
				}
			}
			perRun := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(perRun/float64(n), "ns/target")
			b.ReportMetric(perRun/1e9, "s/op")
		})
	}
}

// fanOutConfig writes issue 19's shape: one data lookup, one target and
// one attachment per mailbox, all three blocks with for_each over a
// variable of n mailboxes.
func fanOutConfig(b *testing.B, n int) string {
	b.Helper()
	var boxes strings.Builder
	for i := range n {
		fmt.Fprintf(&boxes, "  \"user%05d@contoso.com\",\n", i)
	}
	return writeConfig(b, map[string]string{"pack.pdf": "%PDF pack\n", "main.attach.hcl": `
variable "people" {
  type    = set(string)
  default = [
` + boxes.String() + `  ]
}

data "message" "welcome" {
  for_each = var.people
  mailbox  = each.key
  filter   = "subject eq 'Welcome aboard'"
}

target "welcome" {
  for_each = data.message.welcome
  mailbox  = each.key
  message  = each.value.id
}

attachment "pack" {
  for_each = target.welcome
  target   = each.value
  source   = "pack.pdf"
}
`})
}

// BenchmarkLoadFanOut is plan's load of a for_each fan-out over 500 and
// 5,000 mailboxes, the lookups answered in memory (Graph's time is the
// lookup benchmarks'): what expanding data, target and attachment
// instances costs. Growth must be linear: 5,000 within 12× of 500.
//
//	go test ./spec -run '^$' -bench LoadFanOut -benchmem
func BenchmarkLoadFanOut(b *testing.B) {
	for _, n := range []int{500, 5000} {
		b.Run(fmt.Sprintf("mailboxes=%d", n), func(b *testing.B) {
			dir := fanOutConfig(b, n)
			ctx := context.Background()
			for b.Loop() {
				cfg, diags := Load(ctx, dir, LoadOptions{Data: &mailboxData{}})
				if diags.HasErrors() || len(cfg.Targets) != n || len(cfg.Attachments) != n {
					b.Fatalf("%d targets, %d attachments, %s", len(cfg.Targets), len(cfg.Attachments), diags.Error())
				}
			}
			perRun := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(perRun/float64(n), "ns/mailbox")
			b.ReportMetric(perRun/1e9, "s/op")
		})
	}
}
