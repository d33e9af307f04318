package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runIn runs attachform with args and the environment environ, returning
// its exit code, stdout and stderr.
func runIn(args []string, environ ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, streams{in: strings.NewReader(""), out: &out, err: &errOut}, environ)
	return code, out.String(), errOut.String()
}

// examples/dry-run: its real manifests, unchanged, plan cleanly against
// "attachform emulator -fixtures fixtures.hcl" — exit 2 with
// -detailed-exitcode, as terraform plan's "changes present" — while the same
// manifests against an emulator without the fixtures fail their lookups.
func TestDryRunExamplePlansAgainstFixtures(t *testing.T) {
	dir := t.TempDir()
	if err := copyDir(filepath.Join("..", "..", "examples", "dry-run"), dir); err != nil {
		t.Fatal(err)
	}
	manifests := filepath.Join(dir, "attachments")

	// Without fixtures the data sources find nothing: the README's old
	// advice alone could not work.
	bare := startEmulatorCommand(t, "-users", "ops@contoso.com")
	code, out, errOut := runIn([]string{"-chdir=" + manifests, "plan", "-no-color"}, "ATTACHFORM_GRAPH_ENDPOINT="+bare)
	if code != exitError || !strings.Contains(errOut, "No message found") {
		t.Fatalf("plan without fixtures: exit %d\n%s%s", code, out, errOut)
	}

	url := startEmulatorCommand(t, "-fixtures", filepath.Join(dir, "fixtures.hcl"))
	env := "ATTACHFORM_GRAPH_ENDPOINT=" + url
	if code, out, errOut := runIn([]string{"-chdir=" + manifests, "validate", "-no-color"}, env); code != exitOK {
		t.Fatalf("validate: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runIn([]string{"-chdir=" + manifests, "plan", "-detailed-exitcode", "-no-color"}, env)
	if code != exitChanges {
		t.Fatalf("dry run: exit %d, want %d (changes present)\n%s%s", code, exitChanges, out, errOut)
	}
	for _, want := range []string{
		`# attachment.agenda will be created`,
		`# attachment.handbook["01-first-week.md"] will be created`,
		`# attachment.handbook["02-how-we-work.md"] will be created`,
		"Plan: 3 to add, 0 to change, 0 to destroy.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	// The attachment the fixtures put on the event is not the manifests'
	// and the target is not exclusive: it is left alone.
	if strings.Contains(out, "Seating plan") || errOut != "" {
		t.Errorf("plan mentions the fixtures' own attachment, or warns:\n%s%s", out, errOut)
	}
	// Plan is read-only: the fixtures are as they were.
	var stats struct{ Items, Attachments int }
	getJSONTo(t, url+"/_emulator/stats", &stats)
	if stats.Items != 2 || stats.Attachments != 1 {
		t.Errorf("after the plan the emulator holds %d items and %d attachments, want the fixtures' 2 and 1", stats.Items, stats.Attachments)
	}
}

// A mistake in the fixtures is a diagnostic with file, line and snippet on
// stderr, the exit code is 1, and the emulator never starts: nothing is
// printed on stdout, where its URL would be, and it does not wait for an
// interrupt.
func TestEmulatorRefusesBadFixtures(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, file, src string
		want            []string
	}{
		{"unknown folder", "fixtures.hcl", "mailbox \"ops@contoso.com\" {\n  message \"Welcome\" {\n    folder = \"Projects\"\n  }\n}\n",
			[]string{"Error: Unknown folder", "on fixtures.hcl line 3", `folder = "Projects"`}},
		{"missing source", "fixtures.hcl", "mailbox \"ops@contoso.com\" {\n  event \"E\" {\n    attachment \"a.pdf\" {\n      source = \"files/a.pdf\"\n    }\n  }\n}\n",
			[]string{"Error: Cannot read attachment source", "on fixtures.hcl line 4"}},
		{"duplicate subject", "fixtures.hcl", "mailbox \"ops@contoso.com\" {\n  event \"E\" {}\n  event \"e\" {}\n}\n",
			[]string{"Error: Duplicate event", "on fixtures.hcl line 3", "already declared at fixtures.hcl:2"}},
		{"JSON syntax", "fixtures.json", "{\"mailbox\": {\"not a upn\": {}}}\n",
			[]string{"Error: Invalid mailbox", "on fixtures.json line 1"}},
		{"over the message size", "fixtures.hcl", "mailbox \"ops@contoso.com\" {\n  message \"M\" {\n    attachment \"a\" { source = \"big.bin\" }\n  }\n}\n",
			[]string{"Error: Attachments over the maximum message size", "on fixtures.hcl line 2", "-limits message=SIZE"}},
		{"no such file", "", "", []string{"Cannot read the fixtures file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := "absent.hcl"
			if tc.file != "" {
				path = tc.file
				if err := os.WriteFile(filepath.Join(dir, path), []byte(tc.src), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(dir, "big.bin"), make([]byte, 2<<20), 0o644); err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			var code int
			var out, errOut string
			go func() {
				defer close(done)
				// Relative to -chdir, and named so in the diagnostics.
				code, out, errOut = runIn([]string{"-chdir=" + dir, "emulator", "-fixtures", path, "-limits", "message=1MB"})
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the emulator started despite bad fixtures")
			}
			if code != exitError || out != "" {
				t.Fatalf("exit %d, stdout %q; want 1 and nothing", code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
		})
	}
}
