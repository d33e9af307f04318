package backends

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attachform/attachform/state/backend"
	"github.com/attachform/attachform/state/local"
)

func TestTypes(t *testing.T) {
	all := Types()
	if len(all) == 0 || all[0].Name != Default {
		t.Fatalf("Types() does not start with the default %q: %+v", Default, all)
	}
	seen := map[string]bool{}
	for _, bt := range all {
		if bt.Name == "" || seen[bt.Name] {
			t.Errorf("type name %q empty or repeated", bt.Name)
		}
		seen[bt.Name] = true
		if got, ok := Lookup(bt.Name); !ok || got.Name != bt.Name {
			t.Errorf("Lookup(%q) = %v, %v", bt.Name, got.Name, ok)
		}
		if bt.Summary == "" {
			t.Errorf("%s has no summary", bt.Name)
		}
		if (bt.Open == nil) != (bt.Unavailable != "") {
			t.Errorf("%s: Open and Unavailable must be one or the other (Open nil: %v, Unavailable %q)", bt.Name, bt.Open == nil, bt.Unavailable)
		}
		settings := map[string]bool{}
		defaults := map[string]string{}
		for _, s := range bt.Settings {
			if s.Name == "" || settings[s.Name] {
				t.Errorf("%s: setting %q empty or repeated", bt.Name, s.Name)
			}
			settings[s.Name] = true
			if s.Default != "" {
				defaults[s.Name] = s.Default
			}
		}
		// A block that says nothing gets the defaults: those must pass
		// when they are all an available type needs.
		if bt.Open != nil && bt.Check != nil && len(defaults) == len(bt.Settings) {
			if p := bt.Check(defaults); len(p) > 0 {
				t.Errorf("%s: the defaults fail the check: %+v", bt.Name, p)
			}
		}
	}
	if _, ok := Lookup("s3"); ok {
		t.Error(`Lookup("s3") found a type`)
	}
	Types()[0].Name = "changed"
	if Types()[0].Name != Default {
		t.Error("Types() hands out the registry itself")
	}
}

func TestOpenLocal(t *testing.T) {
	dir := t.TempDir()
	abs := filepath.Join(t.TempDir(), "elsewhere.json")
	for _, tc := range []struct {
		settings map[string]string
		want     string
	}{
		{nil, filepath.Join(dir, local.DefaultPath)},
		{map[string]string{"path": "state/prod.json"}, filepath.Join(dir, "state", "prod.json")},
		{map[string]string{"path": abs}, abs},
	} {
		b, err := Open("local", backend.Options{Dir: dir, Settings: tc.settings})
		if err != nil {
			t.Fatalf("Open(local, %v): %v", tc.settings, err)
		}
		lb, ok := b.(*local.Backend)
		if !ok || lb.Path != tc.want {
			t.Errorf("Open(local, %v) = %#v, want a local backend at %s", tc.settings, b, tc.want)
		}
	}
}

func TestOpenRefuses(t *testing.T) {
	for _, tc := range []struct {
		name     string
		settings map[string]string
		want     string
	}{
		{"s3", nil, `there is no backend "s3"`},
		{"azurerm", map[string]string{"storage_account_name": "contosostate", "key": "k"}, "Missing container_name"},
		{"azurerm", map[string]string{"storage_account_name": "contosostate", "container_name": "c", "key": "k", "access_key": "x"}, `the azurerm backend has no setting "access_key"`},
		{"local", map[string]string{"access_key": "x"}, `the local backend has no setting "access_key"`},
		{"local", map[string]string{"path": " "}, "Empty backend path"},
	} {
		b, err := Open(tc.name, backend.Options{Dir: t.TempDir(), Settings: tc.settings})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Open(%s, %v) = %v, %v; want an error saying %q", tc.name, tc.settings, b, err, tc.want)
		}
	}
}

// docs/manifest.md documents every type and every setting, and says of a
// type that cannot be used yet that it is not available.
func TestDocs(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "manifest.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, bt := range Types() {
		heading := "### backend \"" + bt.Name + "\""
		i := strings.Index(doc, heading)
		if i < 0 {
			t.Errorf("docs/manifest.md has no section %s", heading)
			continue
		}
		section := doc[i+len(heading):]
		if j := strings.Index(section, "\n#"); j >= 0 {
			section = section[:j]
		}
		for _, s := range bt.Settings {
			if !strings.Contains(section, "`"+s.Name+"`") {
				t.Errorf("%s does not document %s", heading, s.Name)
			}
			if s.Default != "" && !strings.Contains(section, "`"+s.Default+"`") {
				t.Errorf("%s does not give %s's default %q", heading, s.Name, s.Default)
			}
		}
		if unavailable := strings.Contains(section, "Not available yet"); unavailable != (bt.Open == nil) {
			t.Errorf("%s says \"Not available yet\": %v; the backend is available: %v", heading, unavailable, bt.Open != nil)
		}
	}
}
