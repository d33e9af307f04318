package plan

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/attachform/attachform/spec"
	"github.com/hashicorp/hcl/v2"
)

// savedFixture plans a create, a replace, a delete and a resumable session
// and saves the plan.
func savedFixture(t *testing.T) (*fixture, *Saved) {
	f := newFixture(t)
	f.cfg.Files = map[string]*hcl.File{"main.attach.hcl": {Bytes: []byte(`attachment "a" {}`)}}
	f.declare("a.txt", "new")
	f.declare("b.txt", "v2")
	f.declare("s.txt", "session bytes")
	f.applied("attachment.b", "b.txt", "v1", "IDB")
	f.applied("attachment.gone", "gone.txt", "x", "IDG")
	f.session("attachment.s", "session bytes", now.Add(3*3600e9))
	f.st.Serial = 7
	c := &contents{bytes: map[string]string{}, downloads: map[string]int{}}
	live := f.liveWith(c, map[string][2]string{"IDB": {"b.txt", "v1"}, "IDG": {"gone.txt", "x"}})
	p, diags := Build(context.Background(), f.cfg, f.st, live, c, Options{Now: now, Targets: []string{"attachment.a", "attachment.b", "attachment.gone", "attachment.s"}})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return f, &Saved{Plan: p, Manifests: ManifestsDigest(f.cfg)}
}

func TestSavedPlanRoundTripsWithoutSecrets(t *testing.T) {
	_, s := savedFixture(t)
	s.Plan.Replace, s.Plan.AllowMassDestroy = []string{"attachment.b"}, true // apply -reviewed plans with them again
	var b bytes.Buffer
	if err := WriteSaved(&b, s); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "authtoken") || strings.Contains(b.String(), "outlook.office.com") {
		t.Fatalf("the saved plan carries an upload URL:\n%s", b.String())
	}
	if !strings.Contains(b.String(), `"action": "replace"`) {
		t.Errorf("actions are not spelled out:\n%s", b.String())
	}
	back, err := LoadSaved(&b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Plan.Changes, s.Plan.Changes) || back.Manifests != s.Manifests || !reflect.DeepEqual(back.Plan.Targets, s.Plan.Targets) ||
		!reflect.DeepEqual(back.Plan.Replace, s.Plan.Replace) || back.Plan.AllowMassDestroy != s.Plan.AllowMassDestroy ||
		back.Plan.Serial != s.Plan.Serial || back.Plan.Lineage != s.Plan.Lineage || !back.Plan.Created.Equal(s.Plan.Created) {
		t.Fatalf("round trip differs:\n got  %+v\n want %+v", back.Plan, s.Plan)
	}
}

func TestCheckSaved(t *testing.T) {
	tests := []struct {
		name   string
		change func(f *fixture)
		want   string // "" = may be applied
	}{
		{"nothing moved", func(*fixture) {}, ""},
		{"the state moved", func(f *fixture) { f.st.Serial++ }, "the state changed"},
		{"another state", func(f *fixture) { f.st.Lineage = "other" }, "another state"},
		{"a manifest changed", func(f *fixture) {
			f.cfg.Files["main.attach.hcl"] = &hcl.File{Bytes: []byte(`attachment "b" {}`)}
		}, "manifests changed"},
		{"a variable file appeared", func(f *fixture) {
			f.cfg.Files["x.auto.attachvars"] = &hcl.File{Bytes: []byte(`x = 1`)}
		}, "manifests changed"},
		{"a source changed", func(f *fixture) {
			if err := os.WriteFile(filepath.Join(f.cfg.Dir, "b.txt"), []byte("v3"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, "b.txt changed since the plan was reviewed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, s := savedFixture(t)
			tt.change(f)
			err := CheckSaved(context.Background(), s, f.cfg, f.st)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrStalePlan) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("CheckSaved = %v; want ErrStalePlan saying %q", err, tt.want)
			}
		})
	}
}

func TestLoadSavedRefusesWhatItDidNotWrite(t *testing.T) {
	for name, in := range map[string]string{
		"not JSON":            "plan",
		"another version":     `{"format_version": 9, "manifests_sha256": "x", "mode": "normal", "changes": []}`,
		"unknown field":       `{"format_version": 1, "manifests_sha256": "x", "mode": "normal", "changes": [], "upload_url": "https://x"}`,
		"unknown action":      `{"format_version": 1, "manifests_sha256": "x", "mode": "normal", "changes": [{"address": "a", "action": "explode"}]}`,
		"a delete of nothing": `{"format_version": 1, "manifests_sha256": "x", "mode": "normal", "changes": [{"address": "a", "action": "delete"}]}`,
		"unknown mode":        `{"format_version": 1, "manifests_sha256": "x", "mode": "yolo", "changes": []}`,
	} {
		if _, err := LoadSaved(strings.NewReader(in)); err == nil {
			t.Errorf("%s: read without error", name)
		}
	}
}

func FuzzLoadSaved(f *testing.F) {
	f.Add([]byte(`{"format_version": 1, "manifests_sha256": "x", "mode": "destroy", "lineage": "l", "serial": 3,
  "moves": [{"from": "attachment.a", "to": "attachment.b"}],
  "changes": [{"address": "attachment.b", "action": "delete", "before": {"address": "attachment.b", "target": {"mailbox": "m", "kind": "message", "item_id": "I"}, "id": "X", "name": "b", "content_type": "", "sha256": "", "bytes": 0, "reported_size": 0, "created_at": "2026-01-01T00:00:00Z"}}]}`))
	f.Add([]byte(`{"format_version": 1, "manifests_sha256": "x", "mode": "normal", "changes": [{"address": "a", "action": "cancel", "session": {"id": ""}}]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := LoadSaved(bytes.NewReader(in))
		if err != nil {
			return
		}
		// What reads must write and read back the same.
		var out bytes.Buffer
		if err := WriteSaved(&out, s); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadSaved(&out); err != nil {
			t.Fatalf("a plan read once does not read again: %v", err)
		}
	})
}

// A saved plan keeps how the manifests were loaded (so apply loads them
// the same way) but never the -var value of a sensitive variable.
func TestNewSavedKeepsLoadOptionsWithoutSecrets(t *testing.T) {
	f, s := savedFixture(t)
	f.cfg.Sensitive = map[string]bool{"token": true}
	f.cfg.Graph.TenantID = "contoso.onmicrosoft.com"
	opts := spec.LoadOptions{AllowOutsideSources: true, VarArgs: []spec.VarArg{
		{Value: "mailbox=ops@contoso.com"},
		{Value: "token=s3cr3t-value"},
		{File: true, Value: "prod.attachvars"},
		{Value: " token = again"},
	}}
	saved := NewSaved(s.Plan, f.cfg, opts)
	var b bytes.Buffer
	if err := WriteSaved(&b, saved); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "s3cr3t") || strings.Contains(b.String(), "again") {
		t.Fatalf("the saved plan holds a sensitive value:\n%s", b.String())
	}
	back, err := LoadSaved(&b)
	if err != nil {
		t.Fatal(err)
	}
	want := SavedLoad{
		VarArgs:             []spec.VarArg{{Value: "mailbox=ops@contoso.com"}, {File: true, Value: "prod.attachvars"}},
		Withheld:            []string{"token"},
		AllowOutsideSources: true,
	}
	if !reflect.DeepEqual(back.Load, want) {
		t.Errorf("Load = %+v, want %+v", back.Load, want)
	}
	if back.Graph.TenantID != "contoso.onmicrosoft.com" || back.Manifests != saved.Manifests {
		t.Errorf("Graph = %+v, Manifests = %s", back.Graph, back.Manifests)
	}
	if err := CheckSaved(context.Background(), back, f.cfg, f.st); err != nil {
		t.Errorf("a fresh plan read back is stale: %v", err)
	}
	f.cfg.Graph.TenantID = "fabrikam.onmicrosoft.com"
	if err := CheckSaved(context.Background(), back, f.cfg, f.st); !errors.Is(err, ErrStalePlan) || !strings.Contains(err.Error(), "graph block now points elsewhere") {
		t.Errorf("CheckSaved after the tenant moved = %v", err)
	}
}

// A plan saved in one checkout applies in another: Rebase points the
// sources at the applying run's configuration directory, and the plan is
// checked against the bytes there.
func TestSavedPlanAppliesInAnotherCheckout(t *testing.T) {
	f, s := savedFixture(t)
	var b bytes.Buffer
	if err := WriteSaved(&b, s); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	for _, name := range []string{"a.txt", "b.txt", "s.txt"} {
		data, err := os.ReadFile(filepath.Join(f.cfg.Dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(other, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.RemoveAll(f.cfg.Dir); err != nil {
		t.Fatal(err)
	}
	back, err := LoadSaved(&b)
	if err != nil {
		t.Fatal(err)
	}
	back.Rebase(other)
	for _, c := range back.Plan.Changes {
		if c.After != nil && filepath.Dir(c.After.Source) != other {
			t.Errorf("%s reads %s, not in %s", c.Address, c.After.Source, other)
		}
	}
	f.cfg.Dir = other
	if err := CheckSaved(context.Background(), back, f.cfg, f.st); err != nil {
		t.Fatalf("a plan moved to another checkout: %v", err)
	}
	if err := os.WriteFile(filepath.Join(other, "a.txt"), []byte("edited"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CheckSaved(context.Background(), back, f.cfg, f.st); !errors.Is(err, ErrStalePlan) {
		t.Errorf("an edited source in the other checkout: %v", err)
	}
}
