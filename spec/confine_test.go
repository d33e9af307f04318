package spec

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// outsideFile writes the secret to a file in a directory of its own and
// returns its path.
func outsideFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "environ")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("symlinks: %v", err)
	}
}

// noSecret fails when the secret shows anywhere a user could see it:
// summaries, details, or the files kept for snippets.
func noSecret(t *testing.T, cfg *Config, diags hcl.Diagnostics) {
	t.Helper()
	for _, d := range diags {
		if strings.Contains(d.Summary+d.Detail, "s3cr3t") {
			t.Errorf("diagnostic quotes the outside file: %s: %s", d.Summary, d.Detail)
		}
	}
	for name, f := range cfg.Files {
		if strings.Contains(string(f.Bytes), "s3cr3t") {
			t.Errorf("%s keeps the outside file's bytes for snippets", name)
		}
	}
}

func hasSummary(diags hcl.Diagnostics, summary string) bool {
	for _, d := range diags {
		if d.Severity == hcl.DiagError && d.Summary == summary {
			return true
		}
	}
	return false
}

// Each way a manifest could read a file outside the configuration
// directory is refused before the file is read. The outside file is an
// HCL attribute, so that a reader that did parse it would quote it in a
// snippet ("Unsupported argument") or as a value.
func TestConfinedReads(t *testing.T) {
	secretHCL := `AZURE_CLIENT_SECRET = "s3cr3t-from-outside-0f1e2d"` + "\n"
	valid := inboxTarget + "variable \"v\" {\n  default = \"x\"\n}\n"
	for _, tc := range []struct {
		name    string
		files   map[string]string
		link    string // a symlink in the config dir to the outside file
		opts    func(dir, outside string) LoadOptions
		summary string
	}{
		{"symlinked manifest", map[string]string{"main.attach.hcl": valid}, "zz.attach.hcl", nil, "File outside the configuration directory"},
		{"symlinked JSON manifest", map[string]string{"main.attach.hcl": valid}, "zz.attach.hcl.json", nil, "File outside the configuration directory"},
		{"symlinked automatic variables file", map[string]string{"main.attach.hcl": valid}, "zz.auto.attachvars", nil, "File outside the configuration directory"},
		{"symlinked -var-file", map[string]string{"main.attach.hcl": valid}, "prod.attachvars",
			func(string, string) LoadOptions { return LoadOptions{VarFiles: []string{"prod.attachvars"}} }, "Cannot read -var-file"},
		{"-var-file outside", map[string]string{"main.attach.hcl": valid}, "",
			func(_, outside string) LoadOptions {
				return LoadOptions{VarArgs: []VarArg{{File: true, Value: outside}}}
			}, "Cannot read -var-file"},
		{"-var-file through ..", map[string]string{"main.attach.hcl": valid}, "",
			func(dir, outside string) LoadOptions {
				rel, _ := filepath.Rel(dir, outside)
				return LoadOptions{VarFiles: []string{rel}}
			}, "Cannot read -var-file"},
		{"-backend-config file", map[string]string{"main.attach.hcl": valid}, "backend.conf",
			func(string, string) LoadOptions { return LoadOptions{BackendConfig: []string{"backend.conf"}} }, "File outside the configuration directory"},
		{"template", map[string]string{"main.attach.hcl": valid + `locals {
  greeting = templatefile("greeting.tpl", {})
}
attachment "a" {
  target = target.inbox
  source = "a.txt"
  name   = local.greeting
}
`, "a.txt": "a"}, "greeting.tpl", nil, "Invalid function argument"},
		{"file()", map[string]string{"main.attach.hcl": valid + `attachment "a" {
  target = target.inbox
  source = "a.txt"
  name   = file("notes.txt")
}
`, "a.txt": "a"}, "notes.txt", nil, "Invalid function argument"},
		{"source", map[string]string{"main.attach.hcl": valid + `attachment "a" {
  target = target.inbox
  source = "files/report.pdf"
}
`, "files/.keep": ""}, "files/report.pdf", nil, "Source outside the config directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeConfig(t, tc.files)
			outside := outsideFile(t, secretHCL)
			if tc.link != "" {
				symlink(t, outside, filepath.Join(dir, tc.link))
			}
			var opts LoadOptions
			if tc.opts != nil {
				opts = tc.opts(dir, outside)
			}
			cfg, diags := Load(context.Background(), dir, opts)
			if !hasSummary(diags, tc.summary) {
				t.Fatalf("no %q error; got %s", tc.summary, diags.Error())
			}
			noSecret(t, cfg, diags)
			for _, d := range diags {
				if d.Summary == tc.summary && !strings.Contains(d.Detail, "outside") {
					t.Errorf("the error does not say the file is outside: %s", d.Detail)
				}
			}
		})
	}
}

// /proc/self/environ, the file the report names, is refused like any
// other outside file (and would be refused as not regular anyway), as a
// manifest and as a variable file. Each is its own load: a manifest that
// cannot be read stops the load before variable files are read.
func TestConfinedProcEnviron(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("no /proc/self/environ")
	}
	for _, link := range []string{"zz.attach.hcl", "zz.auto.attachvars"} {
		t.Run(link, func(t *testing.T) {
			dir := writeConfig(t, map[string]string{"main.attach.hcl": inboxTarget})
			symlink(t, "/proc/self/environ", filepath.Join(dir, link))
			cfg, diags := Load(context.Background(), dir, LoadOptions{})
			n := 0
			for _, d := range diags {
				if d.Summary == "File outside the configuration directory" {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("%d refusals, want 1: %s", n, diags.Error())
			}
			if _, ok := cfg.Files[link]; ok {
				t.Error("the environment was kept for snippets")
			}
			environ, _ := os.ReadFile("/proc/self/environ")
			for _, kv := range strings.Split(string(environ), "\x00") {
				if _, v, ok := strings.Cut(kv, "="); ok && len(v) > 12 && strings.Contains(diags.Error(), v) {
					t.Errorf("a diagnostic quotes the environment: %s", kv)
				}
			}
		})
	}
}

// Links that stay inside are followed as before; fileset leaves out
// matches that lead outside.
func TestConfinedInsideLinks(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		"real/main.hcl":       inboxTarget,
		"real/vars.txt":       "v = \"from-link\"\n",
		"handbook/intro.pdf":  "i",
		"real/greeting.tpl":   "Hi ${who}",
		"main2.attach.hcl":    "variable \"v\" {}\n",
		"handbook/.gitignore": "",
	})
	symlink(t, "real/main.hcl", filepath.Join(dir, "main.attach.hcl"))
	symlink(t, "real/vars.txt", filepath.Join(dir, "x.auto.attachvars"))
	symlink(t, "../real/greeting.tpl", filepath.Join(dir, "handbook", "greeting.tpl"))
	outside := outsideFile(t, "secret pdf")
	symlink(t, outside, filepath.Join(dir, "handbook", "secret.pdf"))
	symlink(t, filepath.Dir(outside), filepath.Join(dir, "handbook", "elsewhere"))
	if err := os.WriteFile(filepath.Join(dir, "main3.attach.hcl"), []byte(`
locals {
  pdfs     = fileset("handbook", "**/*.pdf")
  greeting = templatefile("handbook/greeting.tpl", { who = var.v })
}
attachment "h" {
  for_each = local.pdfs
  target   = target.inbox
  source   = "handbook/${each.value}"
  name     = "${local.greeting} ${each.value}"
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := mustLoad(t, dir, LoadOptions{})
	if len(cfg.Attachments) != 1 || cfg.Attachments[0].Name != "Hi from-link intro.pdf" {
		for _, a := range cfg.Attachments {
			t.Logf("%s %q", a.Address, a.Name)
		}
		t.Fatalf("want only handbook/intro.pdf, named from the linked template and variables")
	}
}

// Manifests that are not regular files, or are too large, are refused
// without being read: a FIFO would block, a huge file exhaust memory.
func TestConfinedSpecialFiles(t *testing.T) {
	dir := writeConfig(t, map[string]string{"main.attach.hcl": inboxTarget})
	big := filepath.Join(dir, "big.attach.hcl")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxConfigFileSize + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.Mkdir(filepath.Join(dir, "dir.auto.attachvars"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, diags := Load(context.Background(), dir, LoadOptions{})
	if !strings.Contains(diags.Error(), "larger than the 16 MiB") {
		t.Errorf("a huge manifest: %s", diags.Error())
	}
	dir = writeConfig(t, map[string]string{"main.attach.hcl": inboxTarget})
	mkfifo(t, filepath.Join(dir, "pipe.attach.hcl"))
	_, diags = Load(context.Background(), dir, LoadOptions{})
	if !strings.Contains(diags.Error(), "not a regular file") {
		t.Errorf("a FIFO manifest: %s", diags.Error())
	}
}

// The templatefile function: variables, directives, functions, errors.
func TestTemplatefile(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		"t/list.tpl":  "%{ for n in names }${upper(n)};%{ endfor }",
		"t/bad.tpl":   "${",
		"t/other.tpl": "${nope}",
		"t/self.tpl":  "${templatefile(\"t/list.tpl\", {names = []})}",
	})
	real, _ := filepath.EvalSymlinks(dir)
	funcs := functions(dir, real, false)
	for _, tc := range []struct{ expr, want, err string }{
		{`templatefile("t/list.tpl", { names = ["a", "b"] })`, "A;B;", ""},
		{`templatefile("t/bad.tpl", {})`, "", "is not valid"},
		{`templatefile("t/other.tpl", { x = 1 })`, "", `refers to "nope"`},
		{`templatefile("t/self.tpl", {})`, "", "templatefile"},
		{`templatefile("t/missing.tpl", {})`, "", "cannot be used"},
		{`templatefile("t/list.tpl", "x")`, "", "object or a map"},
	} {
		got, diags := evalDoc(tc.expr, funcs)
		switch {
		case tc.err == "" && diags.HasErrors():
			t.Errorf("%s: %s", tc.expr, diags.Error())
		case tc.err == "" && got.AsString() != tc.want:
			t.Errorf("%s = %q, want %q", tc.expr, got.AsString(), tc.want)
		case tc.err != "" && !strings.Contains(diags.Error(), tc.err):
			t.Errorf("%s: %s, want an error saying %q", tc.expr, diags.Error(), tc.err)
		}
	}
}
