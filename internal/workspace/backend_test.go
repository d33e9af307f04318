package workspace

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
	"github.com/attachform/attachform/state/local"
	"github.com/hashicorp/hcl/v2"
)

// localManifest keeps the state in path, on the embedded emulator.
func localManifest(path string) string {
	return "graph {\n  endpoint = \"emulator\"\n}\n\nbackend \"local\" {\n  path = \"" + path + "\"\n}\n"
}

// Open refuses a backend other than the one init set up, and a state left
// in the default local file beside an empty backend; on a CI runner with
// no local state it warns and goes on. Each is a diagnostic on the
// backend block.
func TestOpenChecksWhereTheStateIs(t *testing.T) {
	for _, tt := range []struct {
		name     string
		path     string // the manifests' local backend
		initPath string // the one init recorded ("" = none)
		oldState bool   // a state in local.DefaultPath
		ci       bool
		opens    bool
		want     string // the one diagnostic's summary
		severity hcl.DiagnosticSeverity
	}{
		{name: "as init set up", path: "a.json", initPath: "a.json", opens: true},
		{name: "no init", path: "a.json", opens: true},
		{name: "moved since init", path: "b.json", initPath: "a.json", want: "Backend configuration changed", severity: hcl.DiagError},
		{name: "stranded", path: "b.json", oldState: true, want: "State left in " + local.DefaultPath, severity: hcl.DiagError},
		{name: "default path kept", path: local.DefaultPath, oldState: true, opens: true},
		{name: "fresh CI runner", path: "a.json", ci: true, opens: true, want: "No state on this CI runner", severity: hcl.DiagWarning},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := testEnv(t, map[string]string{"main.attach.hcl": localManifest(tt.path)})
			if tt.ci {
				env.Getenv = func(key string) string { return map[string]string{"CI": "true"}[key] }
			}
			if tt.initPath != "" {
				rec := RecordOf(spec.Backend{Type: "local", Attrs: map[string]string{"path": tt.initPath}}, nil)
				if err := WriteInitRecord(env.Dir, rec); err != nil {
					t.Fatal(err)
				}
			}
			if tt.oldState {
				st := state.New()
				st.Attachments = []state.Attachment{{Address: "attachment.a", ID: "AAMk1"}}
				if err := local.New(filepath.Join(env.Dir, local.DefaultPath)).Write(env.Ctx, st); err != nil {
					t.Fatal(err)
				}
			}
			r := &recorder{}
			w, ok := Open(env, r, OpenOptions{Operation: "test", Lock: true})
			if ok {
				w.Close()
			}
			if ok != tt.opens {
				t.Errorf("opens = %v, want %v (%v)", ok, tt.opens, r.diags)
			}
			switch {
			case tt.want == "" && len(r.diags) > 0:
				t.Errorf("diagnostics: %v", r.diags)
			case tt.want != "" && (len(r.diags) != 1 || r.diags[0].Summary != tt.want || r.diags[0].Severity != tt.severity || r.diags[0].Subject == nil):
				t.Errorf("diagnostics: %v; want one %q on the backend block", r.diags, tt.want)
			}
		})
	}
}

// Given no -backend-config, Open loads the manifests with those init was
// given, in both evaluations when data sources are looked up.
func TestOpenUsesInitsBackendConfig(t *testing.T) {
	manifest := strings.Replace(emulatorManifest, "backend \"local\" {\n  path = \"state.json\"\n}", "backend \"local\" {}", 1)
	env := testEnv(t, map[string]string{"main.attach.hcl": manifest, "agenda.md": "# Agenda\n"})
	rec := RecordOf(spec.Backend{Type: "local", Attrs: map[string]string{"path": "remembered.json"}}, []string{"path=remembered.json"})
	if err := WriteInitRecord(env.Dir, rec); err != nil {
		t.Fatal(err)
	}
	r := &recorder{}
	w := openTest(t, env, r)
	defer w.Close()
	if got := w.Config.Backend.Attrs["path"]; got != "remembered.json" || w.Config.DataSources == 0 || len(r.diags) > 0 {
		t.Fatalf("backend path %q, %d data sources, %v", got, w.Config.DataSources, r.diags)
	}
	p, ok := w.Plan(r, PlanOptions{Refresh: true, Parallelism: 4})
	if !ok {
		t.Fatal(r.diags)
	}
	if _, err := w.Apply(p, ApplyOptions{Parallelism: 4}); err != nil {
		t.Fatal(err)
	}
	st, err := local.New(filepath.Join(env.Dir, "remembered.json")).Read(env.Ctx)
	if err != nil || st == nil || len(st.Attachments) != 1 {
		t.Errorf("the state where init's -backend-config put it: %+v, %v", st, err)
	}
}
