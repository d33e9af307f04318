package spec

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// writeConfig writes files (name → content) into a fresh directory.
func writeConfig(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// mustLoad loads and fails the test on any error.
func mustLoad(t *testing.T, dir string, opts LoadOptions) *Config {
	t.Helper()
	cfg, diags := Load(context.Background(), dir, opts)
	if diags.HasErrors() {
		t.Fatalf("Load: %s", diags.Error())
	}
	return cfg
}

// loadErrors loads and returns the error summaries.
func loadErrors(t *testing.T, dir string, opts LoadOptions) ([]string, hcl.Diagnostics) {
	t.Helper()
	_, diags := Load(context.Background(), dir, opts)
	var out []string
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			out = append(out, d.Summary)
		}
	}
	return out, diags
}

const inboxTarget = "target \"inbox\" {\n  mailbox = \"ops@contoso.com\"\n  message = \"AAMkADraft=\"\n}\n"

func attachmentOf(cfg *Config, addr string) *Attachment {
	for _, a := range cfg.Attachments {
		if a.Address == addr {
			return a
		}
	}
	return nil
}

func joinLines(s []string) string { return strings.Join(s, "\n") }
