package spec

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attachform/attachform/spec/spectest"
	"github.com/hashicorp/hcl/v2"
)

var update = flag.Bool("update", false, "rewrite the want.txt golden files of the invalid corpus")

// TestInvalidCorpus loads every broken configuration under
// testdata/invalid (see package spectest for the layout) and requires
// exactly its golden diagnostics, each renderable (its file in
// Config.Files) and explained (a Summary and a Detail).
func TestInvalidCorpus(t *testing.T) {
	names := spectest.Names(t)
	if len(names) < 40 {
		t.Errorf("the invalid corpus has %d cases; issue 5 asks for at least 40", len(names))
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			c := spectest.Prepare(t, name)
			opts := LoadOptions{Vars: c.Vars, VarFiles: c.VarFiles, BackendConfig: c.BackendConfig, Environ: c.Environ}
			cfg, diags := LoadWithBackends(context.Background(), c.Dir, opts, testBackends)
			if cfg == nil {
				t.Fatal("Load returned a nil Config")
			}
			if !diags.HasErrors() {
				t.Errorf("Load reported no error")
			}
			for _, d := range diags {
				if d.Subject != nil && cfg.Files[d.Subject.Filename] == nil {
					t.Errorf("diagnostic %q points into %s, which is not in Config.Files", d.Summary, d.Subject.Filename)
				}
				if d.Severity == hcl.DiagError && (d.Summary == "" || d.Detail == "") {
					t.Errorf("diagnostic %+v lacks a summary or a detail", d)
				}
			}
			got := spectest.Lines(diags)
			if *update {
				text := strings.Join(got, "\n") + "\n"
				if err := os.WriteFile(filepath.Join(spectest.Root(), name, "want.txt"), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if strings.Join(got, "\n") != strings.Join(c.Want, "\n") {
				t.Errorf("diagnostics differ\n got:\n  %s\nwant:\n  %s\n\nfull text:\n%s",
					strings.Join(got, "\n  "), strings.Join(c.Want, "\n  "), diags.Error())
			}
		})
	}
}
