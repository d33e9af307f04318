package workspace

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
	"github.com/attachform/attachform/state/local"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"
)

// recorder is a Reporter that keeps what it is shown.
type recorder struct {
	diags hcl.Diagnostics
	notes []string
}

func (r *recorder) Diagnostics(_ map[string]*hcl.File, diags hcl.Diagnostics) {
	r.diags = append(r.diags, diags...)
}
func (r *recorder) LockWaiting(*state.LockError, time.Duration) {}
func (r *recorder) LockLost(error)                              {}
func (r *recorder) DeviceCode(string) error                     { return nil }
func (r *recorder) Note(msg string)                             { r.notes = append(r.notes, msg) }

// testEnv is a configuration directory holding files, with no process
// environment.
func testEnv(t testing.TB, files map[string]string) Env {
	t.Helper()
	// The serial memory goes to the user's cache directory: a test's own.
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	dir := t.TempDir()
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return Env{
		Ctx: context.Background(), Dir: dir, Getenv: func(string) string { return "" },
		Log: hclog.NewNullLogger(), Version: "test", Now: func() time.Time { return time.Now().UTC() },
	}
}

// emulatorManifest attaches a file to the embedded emulator's demo
// message, with the state in state.json.
const emulatorManifest = `
graph {
  endpoint = "emulator"
}

backend "local" {
  path = "state.json"
}

data "message" "welcome" {
  mailbox = "demo@contoso.example"
  filter  = "subject eq 'Welcome to attachform'"
}

target "welcome" {
  mailbox = "demo@contoso.example"
  message = data.message.welcome.id
}

attachment "agenda" {
  target = target.welcome
  source = "agenda.md"
}
`

func openTest(t *testing.T, env Env, r *recorder) *Workspace {
	t.Helper()
	w, ok := Open(env, r, OpenOptions{Operation: "test", Lock: true})
	if !ok {
		t.Fatalf("Open failed: %v", r.diags)
	}
	return w
}

// A workspace opens on the embedded emulator with no binary: it plans the
// upload, saves the plan, applies it once; then the saved plan no longer
// binds (the state moved), as a typed stale-plan error, and a fresh plan
// has nothing to do.
func TestPlanApplyAndASavedPlanGoneStale(t *testing.T) {
	env := testEnv(t, map[string]string{"main.attach.hcl": emulatorManifest, "agenda.md": "# Agenda\n"})
	r := &recorder{}
	w := openTest(t, env, r)
	p, ok := w.Plan(r, PlanOptions{Refresh: true, Parallelism: 4})
	if !ok || len(p.Changes) != 1 || p.Changes[0].Action != plan.Create {
		t.Fatalf("plan: %+v, %v", p, r.diags)
	}
	if err := w.SavePlan(p, spec.LoadOptions{}, "tfplan"); err != nil {
		t.Fatal(err)
	}
	saved, err := ReadSavedPlan(env, "tfplan")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.BindSaved(saved); err != nil {
		t.Fatalf("a plan saved just now does not bind: %v", err)
	}
	result, err := w.Apply(saved.Plan, ApplyOptions{Parallelism: 4})
	if err != nil || len(result.Errors) > 0 || result.Added != 1 {
		t.Fatalf("apply: %+v, %v", result, err)
	}
	w.Close()

	w = openTest(t, env, r)
	defer w.Close()
	err = w.BindSaved(saved)
	var stale *plan.StalePlanError
	if !errors.As(err, &stale) || !errors.Is(err, plan.ErrStalePlan) || !strings.HasPrefix(StaleReason(err), "the state changed since it was made (serial 0, now ") {
		t.Errorf("the saved plan binds again: %v", err)
	}
	again, ok := w.Plan(r, PlanOptions{Refresh: true, Parallelism: 4})
	if !ok || again.HasChanges() {
		t.Errorf("after the apply the plan still has changes: %+v, %v", again, r.diags)
	}
}

// Init refuses to leave a state behind in the default local file when the
// manifests now keep it elsewhere, and copies it, lineage and all, with
// Migrate; the backend is then remembered.
func TestInitMovesTheStateOnlyWhenAsked(t *testing.T) {
	env := testEnv(t, map[string]string{"main.attach.hcl": "backend \"local\" {\n  path = \"moved.json\"\n}\n"})
	old := state.New()
	old.Serial = 7
	if err := local.New(filepath.Join(env.Dir, local.DefaultPath)).Write(env.Ctx, old); err != nil {
		t.Fatal(err)
	}
	r := &recorder{}
	if _, ok := Init(env, r, InitOptions{Lock: true}); ok || len(r.diags) != 1 || r.diags[0].Summary != "Backend configuration changed" {
		t.Fatalf("init without -migrate-state: %v", r.diags)
	}
	if rec, err := ReadInitRecord(env.Dir); err != nil || rec != nil {
		t.Fatalf("a refused init remembered a backend: %+v, %v", rec, err)
	}

	r = &recorder{}
	rec, ok := Init(env, r, InitOptions{Migrate: true, Lock: true})
	if !ok || rec.Type != "local" || rec.Settings["path"] != "moved.json" {
		t.Fatalf("init -migrate-state: %+v, %v", rec, r.diags)
	}
	moved, err := local.New(filepath.Join(env.Dir, "moved.json")).Read(env.Ctx)
	if err != nil || moved == nil || moved.Lineage != old.Lineage || moved.Serial < old.Serial {
		t.Fatalf("the moved state: %+v, %v", moved, err)
	}
	if len(r.notes) != 1 || !strings.HasPrefix(r.notes[0], "Copied the state") {
		t.Errorf("notes: %q", r.notes)
	}
	if got, err := ReadInitRecord(env.Dir); err != nil || got == nil || !got.Same(rec.Backend()) {
		t.Errorf("remembered: %+v, %v", got, err)
	}
}
