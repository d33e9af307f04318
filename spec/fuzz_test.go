package spec

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attachform/attachform/internal/addrs"
	"github.com/attachform/attachform/spec/spectest"
	"github.com/hashicorp/hcl/v2"
)

// FuzzLoad feeds arbitrary bytes to Load as a manifest. Load must not
// panic, must return a Config holding the file, and every error must be a
// diagnostic that explains itself and points into a file it can render.
//
//	go test ./spec -run '^$' -fuzz FuzzLoad -fuzztime 60s
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join(spectest.Root(), "*", "*.attach.hcl"))
	seeds = append(seeds, filepath.Join("testdata", "valid", "basic", "main.attach.hcl"))
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("attachment \"a\" {\n  for_each = {for i in range(3) : i => i}\n  target = target.t\n  source = \"a.txt\"\n}\n"))
	f.Add([]byte("locals {\n  a = [for x in local.b : x]\n  b = local.a\n}\n"))
	f.Add([]byte(fanOut))
	f.Add([]byte("target \"t\" {\n  count   = 2\n  mailbox = \"m${count.index}@contoso.com\"\n  message = \"D\"\n}\nattachment \"a\" {\n  count  = 2\n  target = target.t[count.index]\n  source = \"a.txt\"\n}\nmoved {\n  from = attachment.b[0]\n  to   = attachment.a[1]\n}\n"))
	f.Add([]byte("variable \"v\" {\n  type = object({a = optional(list(number), [1])})\n  default = {}\n}\n"))

	f.Fuzz(func(t *testing.T, src []byte) {
		dir := t.TempDir()
		must := func(err error) {
			if err != nil {
				t.Fatal(err)
			}
		}
		must(os.WriteFile(filepath.Join(dir, "main.attach.hcl"), src, 0o644))
		must(os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a"), 0o644))
		must(os.Mkdir(filepath.Join(dir, "docs"), 0o755))
		must(os.WriteFile(filepath.Join(dir, "docs", "b.txt"), []byte("b"), 0o644))

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cfg, diags := Load(ctx, dir, LoadOptions{Environ: []string{"ATTACHFORM_VAR_v=1"}})
		if cfg == nil {
			t.Fatal("Load returned a nil Config")
		}
		if cfg.Files["main.attach.hcl"] == nil {
			t.Fatal("Config.Files lacks the manifest")
		}
		for _, d := range diags {
			if d.Summary == "" {
				t.Errorf("diagnostic without a summary: %+v", d)
			}
			if d.Severity != hcl.DiagError {
				continue
			}
			if d.Subject == nil {
				t.Errorf("error %q has no location", d.Summary)
				continue
			}
			if cfg.Files[d.Subject.Filename] == nil {
				t.Errorf("error %q points into %q, not a file of the Config", d.Summary, d.Subject.Filename)
			}
		}
		if diags.HasErrors() {
			return
		}
		// A clean load yields a consistent Config.
		for _, a := range cfg.Attachments {
			if a.Target == nil || !strings.HasPrefix(a.Address, "attachment.") || a.Name == "" || a.Size <= 0 || !filepath.IsAbs(a.Source) {
				t.Errorf("inconsistent attachment %+v", a)
			}
			if addr, err := addrs.Parse(a.Address); err != nil || addr.String() != a.Address {
				t.Errorf("address %s does not parse back: %v", a.Address, err)
			}
		}
	})
}
