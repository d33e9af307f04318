package spec

import (
	"context"
	"github.com/attachform/attachform/item"
	"path/filepath"
	"testing"
)

func TestLoadBasic(t *testing.T) {
	dir := filepath.Join("testdata", "valid", "basic")
	cfg, diags := Load(context.Background(), dir, LoadOptions{})
	if diags.HasErrors() {
		t.Fatalf("Load: %s", diags.Error())
	}
	abs, _ := filepath.Abs(dir)
	if cfg.Dir != abs {
		t.Errorf("Dir = %q, want %q", cfg.Dir, abs)
	}
	if _, ok := cfg.Files["main.attach.hcl"]; !ok {
		t.Errorf("Files = %v, want main.attach.hcl", cfg.Files)
	}
	if cfg.Graph.Endpoint != "emulator" {
		t.Errorf("Graph.Endpoint = %q", cfg.Graph.Endpoint)
	}
	if cfg.Backend.Type != "local" || cfg.Backend.Attrs["path"] != "state/attachform.state.json" {
		t.Errorf("Backend = %+v", cfg.Backend)
	}
	if len(cfg.Targets) != 2 || cfg.Targets[0].Name != "all_hands" || cfg.Targets[1].Name != "welcome" {
		t.Fatalf("Targets = %+v, want all_hands and welcome in name order", cfg.Targets)
	}
	if ev := cfg.Targets[0]; ev.Item.Kind != item.Event || ev.Item.ID != "AAMkEvent=" || ev.Item.Mailbox != "ops@contoso.com" || ev.Unknown {
		t.Errorf("all_hands = %+v", ev)
	}
	if !cfg.Targets[1].Exclusive || cfg.Targets[1].Item.Kind != item.Message {
		t.Errorf("welcome = %+v", cfg.Targets[1])
	}
	want := []struct{ addr, name, ct, target string }{
		{"attachment.agenda", "Agenda.pdf", "application/pdf", "all_hands"},
		{`attachment.handbook["intro.pdf"]`, "intro.pdf", "application/pdf", "welcome"},
		{`attachment.handbook["rules.pdf"]`, "rules.pdf", "application/pdf", "welcome"},
	}
	if len(cfg.Attachments) != len(want) {
		t.Fatalf("got %d attachments, want %d", len(cfg.Attachments), len(want))
	}
	for i, w := range want {
		a := cfg.Attachments[i]
		if a.Address != w.addr || a.Name != w.name || a.ContentType != w.ct || a.Target.Name != w.target {
			t.Errorf("attachment %d = %s %q %q on %s, want %s %q %q on %s", i, a.Address, a.Name, a.ContentType, a.Target.Name, w.addr, w.name, w.ct, w.target)
		}
		if !filepath.IsAbs(a.Source) || a.Size == 0 {
			t.Errorf("%s: Source %q, Size %d: want an absolute path and the file's size", a.Address, a.Source, a.Size)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		wantErr        bool
	}{
		{"aligns equals", "target \"t\" {\nmailbox = \"a\"\n  message=\"m\"\n}\n", "target \"t\" {\n  mailbox = \"a\"\n  message = \"m\"\n}\n", false},
		{"already formatted", "variable \"x\" {\n  default = 1\n}\n", "variable \"x\" {\n  default = 1\n}\n", false},
		{"trailing blank lines", "locals {\n  a = 1\n}\n\n\n", "locals {\n  a = 1\n}\n", false},
		{"adds final newline", "locals {\n  a = 1\n}", "locals {\n  a = 1\n}\n", false},
		{"empty", "", "", false},
		{"syntax error kept", "target \"t\" {\n  mailbox = \n", "target \"t\" {\n  mailbox = \n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, diags := Format([]byte(tc.in), "x.attach.hcl")
			if diags.HasErrors() != tc.wantErr {
				t.Fatalf("errors = %v, want %v: %s", diags.HasErrors(), tc.wantErr, diags.Error())
			}
			if string(got) != tc.want {
				t.Errorf("Format(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
