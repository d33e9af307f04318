package spec

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/attachform/attachform/internal/backendconf"
	"github.com/hashicorp/hcl/v2"
)

// A command loads through one Manifests as often as it needs, and every
// file is read once: loaded again after each file was broken on disk, the
// configuration is the one first read, with the same diagnostics (the
// automatic variables file's warning once per load), where a fresh Load
// sees the broken files, and Relisted the manifest written since alone.
func TestManifestsReadEachFileOnce(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		"main.attach.hcl": `
variable "mailbox" {}

backend "local" {}

target "inbox" {
  mailbox = var.mailbox
  message = "AAMkADraft="
}
`,
		"extra.auto.attachvars": "mailbox = \"auto@contoso.com\"\nundeclared = 1\n",
		"given.attachvars":      "mailbox = \"given@contoso.com\"\n",
		"be.hcl":                "path = \"kept.json\"\n",
	})
	opts := LoadOptions{VarFiles: []string{"given.attachvars"}, BackendConfig: []string{"be.hcl"}}
	m := NewManifests(dir)
	load := func() (*Config, []string) {
		t.Helper()
		cfg, diags := m.LoadWithBackends(context.Background(), opts, testBackends)
		if diags.HasErrors() {
			t.Fatalf("Load: %s", diags.Error())
		}
		var got []string
		for _, d := range diags {
			got = append(got, rangeString(*d.Subject)+" "+d.Summary)
		}
		return cfg, got
	}
	first, firstDiags := load()
	if len(firstDiags) != 1 {
		t.Fatalf("want the undeclared variable's warning once, got %q", firstDiags)
	}
	for _, name := range []string{"main.attach.hcl", "extra.auto.attachvars", "given.attachvars", "be.hcl"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("{{{ broken\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "later.attach.hcl"), []byte("{{{ broken\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	second, secondDiags := load()
	if joinLines(secondDiags) != joinLines(firstDiags) {
		t.Errorf("diagnostics of the second load: %q, first %q", secondDiags, firstDiags)
	}
	if got := second.Targets[0].Item.Mailbox; got != "given@contoso.com" {
		t.Errorf("second load's mailbox %q, want the -var-file's as first read", got)
	}
	if got := second.Backend.Attrs["path"]; got != "kept.json" {
		t.Errorf("second load's backend path %q, want the -backend-config file's as first read", got)
	}
	if len(second.Files) != len(first.Files) || second.Files["main.attach.hcl"] != first.Files["main.attach.hcl"] {
		t.Errorf("second load's files %v, want the first's", second.Files)
	}
	if _, diags := LoadWithBackends(context.Background(), dir, opts, testBackends); !diags.HasErrors() {
		t.Error("a fresh load does not see the broken files: the test proves nothing")
	}
	// Relisted: the new manifest is read (and is broken), the others are
	// those first read.
	_, diags := m.Relisted().LoadWithBackends(context.Background(), opts, testBackends)
	if !diags.HasErrors() {
		t.Error("Relisted does not read the manifest written since")
	}
	for _, d := range diags {
		if d.Subject == nil || d.Subject.Filename != "later.attach.hcl" {
			t.Errorf("Relisted read a file again: %s", d.Error())
		}
	}
}

// Each load is given its own copy of a file's diagnostics: what one load
// does to its diagnostics (redactSensitive rewrites them) does not reach
// the next.
func TestManifestsCopyDiagnostics(t *testing.T) {
	dir := writeConfig(t, map[string]string{"main.attach.hcl": "target \"inbox\" {\n  mailbox = \"ops@contoso.com\"\n  message = \n}\n"})
	m := NewManifests(dir)
	_, diags := m.Load(context.Background(), LoadOptions{})
	if !diags.HasErrors() {
		t.Fatal("a syntax error loads")
	}
	want := diags[0].Summary
	diags[0].Summary = "changed by the first load"
	_, again := m.Load(context.Background(), LoadOptions{})
	if len(again) != len(diags) || again[0].Summary != want || again[0].Severity != hcl.DiagError {
		t.Errorf("the second load's diagnostics %v, want %q", again, want)
	}
}

// BackendType is the type a load would give, read from the parsed blocks
// alone: each case checked against Config.Backend.Type too.
func TestManifestsBackendType(t *testing.T) {
	for _, tc := range []struct {
		name, manifest string
		backends       []backendconf.Type
		want           string
	}{
		{"the block's type", "backend \"blob\" {\n  key = \"k\"\n}\n", testBackends, "blob"},
		{"a type that does not exist", "backend \"s3\" {}\n", testBackends, "s3"},
		{"no block: the first backend", inboxTarget, testBackends, "local"},
		{"no block and no backends", inboxTarget, nil, ""},
		{"the first of two blocks", "backend \"blob\" {}\nbackend \"local\" {}\n", testBackends, "blob"},
		{"a syntax error", "backend \"blob\" {\n", testBackends, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewManifests(writeConfig(t, map[string]string{"main.attach.hcl": tc.manifest}))
			if got := m.BackendType(context.Background(), tc.backends); got != tc.want {
				t.Errorf("BackendType = %q, want %q", got, tc.want)
			}
			if cfg, _ := m.LoadWithBackends(context.Background(), LoadOptions{}, tc.backends); cfg.Backend.Type != tc.want {
				t.Errorf("a load gives type %q, BackendType %q", cfg.Backend.Type, tc.want)
			}
		})
	}
}
