package spec

import (
	"context"
	"strings"
	"testing"

	"github.com/attachform/attachform/internal/backendconf"
	"github.com/attachform/attachform/spec/spectest"
)

// testBackends stand for the state registry, which spec may not import:
// one type with a default, two with required settings (azurerm's as the
// shared corpus needs them), one not available.
// The CLI's tests load the same corpus against the real registry.
var testBackends = []backendconf.Type{
	{
		Name: "local", Summary: "a file next to the manifests",
		Settings: []backendconf.Setting{{Name: "path", Default: "default.state.json"}},
		Check: func(s map[string]string) []backendconf.Problem {
			if strings.TrimSpace(s["path"]) == "" {
				return []backendconf.Problem{{Summary: "Empty backend path", Detail: "Give a path."}}
			}
			return nil
		},
	},
	{
		Name: "blob", Summary: "a blob somewhere",
		Settings: []backendconf.Setting{{Name: "account"}, {Name: "container"}, {Name: "key"}},
		Check: func(s map[string]string) []backendconf.Problem {
			var out []backendconf.Problem
			if s["container"] == "" {
				out = append(out, backendconf.Problem{Summary: "Missing container", Detail: "Set container."})
			}
			if s["key"] == "" {
				out = append(out, backendconf.Problem{Summary: "Missing key", Detail: "Set key."})
			}
			return out
		},
	},
	{
		Name: "azurerm", Summary: "a blob in Azure Storage",
		Settings: []backendconf.Setting{{Name: "storage_account_name"}, {Name: "endpoint"}, {Name: "container_name"}, {Name: "key"}},
		Check: func(s map[string]string) []backendconf.Problem {
			var out []backendconf.Problem
			if s["container_name"] == "" {
				out = append(out, backendconf.Problem{Summary: "Missing container_name", Detail: "Set container_name."})
			}
			if s["key"] == "" {
				out = append(out, backendconf.Problem{Summary: "Missing key", Detail: "Set key."})
			}
			return out
		},
	},
	{
		Name: "gcs", Summary: "an object in Google Cloud Storage",
		Settings:    []backendconf.Setting{{Name: "bucket"}},
		Unavailable: "The gcs backend is not available in this version. Use backend \"local\".",
	},
}

func TestBackend(t *testing.T) {
	for _, tc := range []struct {
		name     string
		manifest string
		config   []string // -backend-config
		want     Backend
		errors   string // golden lines, as the corpus writes them
	}{
		{name: "no block", manifest: inboxTarget,
			want: Backend{Type: "local", Attrs: map[string]string{"path": "default.state.json"}}},
		{name: "local default path", manifest: "backend \"local\" {}\n",
			want: Backend{Type: "local", Attrs: map[string]string{"path": "default.state.json"}}},
		{name: "local path in the block", manifest: "backend \"local\" {\n  path = \"state/prod.json\"\n}\n",
			want: Backend{Type: "local", Attrs: map[string]string{"path": "state/prod.json"}}},
		{name: "local path from -backend-config", manifest: "backend \"local\" {\n  path = \"a.json\"\n}\n", config: []string{"path=prod.json"},
			want: Backend{Type: "local", Attrs: map[string]string{"path": "prod.json"}}},
		{name: "-backend-config without a block", manifest: inboxTarget, config: []string{"path=x.json"},
			want: Backend{Type: "local", Attrs: map[string]string{"path": "x.json"}}},
		{name: "partial, completed on the command line",
			manifest: "backend \"blob\" {\n  account = \"contoso\"\n  container = \"attachform\"\n}\n", config: []string{"key=prod.json"},
			want: Backend{Type: "blob", Attrs: map[string]string{"account": "contoso", "container": "attachform", "key": "prod.json"}}},
		{name: "from a backend config file", manifest: "backend \"blob\" {}\n", config: []string{"prod.backend.hcl"},
			want: Backend{Type: "blob", Attrs: map[string]string{"account": "contoso", "container": "state", "key": "k"}}},

		{name: "settings checked after merging", manifest: "backend \"blob\" {\n  container = \"c\"\n}\n",
			errors: "main.attach.hcl:1: Missing key"},
		{name: "empty local path", manifest: "backend \"local\" {\n  path = \" \"\n}\n",
			errors: "main.attach.hcl:1: Empty backend path"},
		{name: "check without a block has no location", manifest: inboxTarget, config: []string{"path="},
			errors: "-: Empty backend path"},
		{name: "unknown type", manifest: "backend \"s3\" {\n  bucket = \"b\"\n}\n",
			errors: "main.attach.hcl:1: Unknown backend type"},
		{name: "not available", manifest: "backend \"gcs\" {\n  bucket = \"c\"\n}\n", config: []string{"nonsense=1"},
			errors: "main.attach.hcl:1: Backend not available"},
		{name: "setting of another type", manifest: "backend \"local\" {\n  path = \"a.json\"\n  key  = \"k\"\n}\n",
			errors: "main.attach.hcl:3: Unsupported argument"},
		{name: "-backend-config key of another type", manifest: "backend \"local\" {}\n", config: []string{"access_key=secret"},
			errors: "-: Invalid -backend-config key"},
		{name: "-backend-config file key of another type", manifest: "backend \"local\" {}\n", config: []string{"prod.backend.hcl"},
			errors: "prod.backend.hcl:1: Invalid -backend-config key\nprod.backend.hcl:2: Invalid -backend-config key\nprod.backend.hcl:3: Invalid -backend-config key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeConfig(t, map[string]string{
				"main.attach.hcl":  tc.manifest,
				"prod.backend.hcl": "account = \"contoso\"\ncontainer = \"state\"\nkey = \"k\"\n",
			})
			cfg, diags := LoadWithBackends(context.Background(), dir, LoadOptions{BackendConfig: tc.config}, testBackends)
			if got := strings.Join(spectest.Lines(diags), "\n"); got != tc.errors {
				t.Fatalf("diagnostics\n%s\nwant\n%s\n%s", got, tc.errors, diags.Error())
			}
			for _, d := range diags {
				if d.Detail == "" {
					t.Errorf("%q has no detail", d.Summary)
				}
			}
			if tc.errors != "" {
				return
			}
			assertBackend(t, cfg.Backend, tc.want)
		})
	}
}

// The diagnostics of a type that is not there say what to use instead, and
// those of one not available say the type's own words.
func TestBackendTypeDiagnostics(t *testing.T) {
	for _, tc := range []struct{ label, detail string }{
		{"s3", `There is no backend "s3". Use "local" (a file next to the manifests) or "blob" (a blob somewhere) or "azurerm" (a blob in Azure Storage).`},
		{"azurem", `Did you mean "azurerm"?`},
		{"lokal", `Did you mean "local"?`},
		{"gcs", testBackends[3].Unavailable},
	} {
		dir := writeConfig(t, map[string]string{"main.attach.hcl": "\n\nbackend \"" + tc.label + "\" {}\n"})
		_, diags := LoadWithBackends(context.Background(), dir, LoadOptions{}, testBackends)
		if len(diags) != 1 || !strings.Contains(diags[0].Detail, tc.detail) {
			t.Errorf("backend %q: %v, want one diagnostic saying %q", tc.label, diags, tc.detail)
			continue
		}
		if s := diags[0].Subject; s == nil || s.Start.Line != 3 || s.Start.Column != 9 {
			t.Errorf("backend %q: subject %v, want the label on line 3", tc.label, s)
		}
	}
}

// Load, which knows no backend type, takes the block as it is.
func TestBackendUnchecked(t *testing.T) {
	for _, tc := range []struct {
		manifest string
		config   []string
		want     Backend
	}{
		{inboxTarget, nil, Backend{Type: "", Attrs: map[string]string{}}},
		{inboxTarget, []string{"path=x.json"}, Backend{Type: "", Attrs: map[string]string{"path": "x.json"}}},
		{"backend \"anything\" {\n  setting = \"1\"\n}\n", []string{"other=2"}, Backend{Type: "anything", Attrs: map[string]string{"setting": "1", "other": "2"}}},
	} {
		dir := writeConfig(t, map[string]string{"main.attach.hcl": tc.manifest})
		cfg, diags := Load(context.Background(), dir, LoadOptions{BackendConfig: tc.config})
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		assertBackend(t, cfg.Backend, tc.want)
	}
}

func assertBackend(t *testing.T, got, want Backend) {
	t.Helper()
	if got.Type != want.Type || len(got.Attrs) != len(want.Attrs) {
		t.Fatalf("Backend = %+v, want %+v", got, want)
	}
	for k, v := range want.Attrs {
		if got.Attrs[k] != v {
			t.Errorf("Attrs[%s] = %q, want %q", k, got.Attrs[k], v)
		}
	}
}
