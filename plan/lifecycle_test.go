package plan

import (
	"context"
	"fmt"
	"github.com/attachform/attachform/item"
	"slices"
	"strings"
	"testing"

	"github.com/attachform/attachform/spec"
	"github.com/hashicorp/hcl/v2"
)

func TestLifecycle(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(f *fixture, c *contents) Live
		opts      Options
		want      []string
		wantMoves []Move
		wantErr   string
	}{
		{
			name: "a moved block renames in the state only",
			setup: func(f *fixture, c *contents) Live {
				f.declare("new.txt", "v1", func(a *spec.Attachment) { a.Name = "a.txt" })
				f.applied("attachment.old", "a.txt", "v1", "ID1")
				f.cfg.Moved = []spec.Moved{{From: "attachment.old", To: "attachment.new"}}
				return f.liveWith(c, map[string][2]string{"ID1": {"a.txt", "v1"}})
			},
			want:      nil,
			wantMoves: []Move{{From: "attachment.old", To: "attachment.new"}},
		},
		{
			name: "a moved block whose source also changed: moved, then replaced",
			setup: func(f *fixture, c *contents) Live {
				f.declare("new.txt", "v2", func(a *spec.Attachment) { a.Name = "a.txt" })
				f.applied("attachment.old", "a.txt", "v1", "ID1")
				f.cfg.Moved = []spec.Moved{{From: "attachment.old", To: "attachment.new"}}
				return f.liveWith(c, map[string][2]string{"ID1": {"a.txt", "v1"}})
			},
			want:      []string{"replace attachment.new"},
			wantMoves: []Move{{From: "attachment.old", To: "attachment.new"}},
		},
		{
			name: "a moved block between two keys of one block renames that instance",
			setup: func(f *fixture, c *contents) Live {
				f.declare("a.txt", "v1", func(a *spec.Attachment) { a.Address = `attachment.pack["carol"]` })
				f.applied(`attachment.pack["bob"]`, "a.txt", "v1", "ID1")
				f.cfg.Moved = []spec.Moved{{From: `attachment.pack["bob"]`, To: `attachment.pack["carol"]`}}
				return f.liveWith(c, map[string][2]string{"ID1": {"a.txt", "v1"}})
			},
			wantMoves: []Move{{From: `attachment.pack["bob"]`, To: `attachment.pack["carol"]`}},
		},
		{
			name: "a moved block from a single block to one of its instances once it has for_each",
			setup: func(f *fixture, c *contents) Live {
				f.declare("a.txt", "v1", func(a *spec.Attachment) { a.Address = `attachment.pack["alice"]` })
				f.applied("attachment.pack", "a.txt", "v1", "ID1")
				f.cfg.Moved = []spec.Moved{{From: "attachment.pack", To: `attachment.pack["alice"]`}}
				return f.liveWith(c, map[string][2]string{"ID1": {"a.txt", "v1"}})
			},
			wantMoves: []Move{{From: "attachment.pack", To: `attachment.pack["alice"]`}},
		},
		{
			name: "a moved block between two repeated blocks moves every instance, keys kept",
			setup: func(f *fixture, c *contents) Live {
				f.declare("a.txt", "v1", func(a *spec.Attachment) { a.Address = `attachment.new[0]` })
				f.declare("b.txt", "v2", func(a *spec.Attachment) { a.Address = `attachment.new[1]` })
				f.applied(`attachment.old[0]`, "a.txt", "v1", "ID1")
				f.applied(`attachment.old[1]`, "b.txt", "v2", "ID2")
				f.applied(`attachment.older[0]`, "x.txt", "v3", "ID3")
				f.cfg.Moved = []spec.Moved{{From: "attachment.old", To: "attachment.new"}}
				return f.liveWith(c, map[string][2]string{"ID1": {"a.txt", "v1"}, "ID2": {"b.txt", "v2"}, "ID3": {"x.txt", "v3"}})
			},
			want:      []string{"delete attachment.older[0]"},
			wantMoves: []Move{{From: "attachment.old[0]", To: "attachment.new[0]"}, {From: "attachment.old[1]", To: "attachment.new[1]"}},
		},
		{
			name: "a moved block already carried out does nothing",
			setup: func(f *fixture, c *contents) Live {
				f.declare("new.txt", "v1", func(a *spec.Attachment) { a.Name = "a.txt" })
				f.applied("attachment.new", "a.txt", "v1", "ID1")
				f.cfg.Moved = []spec.Moved{{From: "attachment.old", To: "attachment.new"}}
				return f.liveWith(c, map[string][2]string{"ID1": {"a.txt", "v1"}})
			},
		},
		{
			name: "an import of the very file is adopted",
			setup: func(f *fixture, c *contents) Live {
				f.declare("a.txt", "v1")
				f.cfg.Imports = []spec.Import{{To: "attachment.a", ID: "LIVE"}}
				return f.liveWith(c, map[string][2]string{"LIVE": {"a.txt", "v1"}})
			},
			want: []string{"adopt attachment.a adopt=LIVE"},
		},
		{
			name: "an import whose bytes differ is replaced by the source",
			setup: func(f *fixture, c *contents) Live {
				f.declare("a.txt", "v2")
				f.cfg.Imports = []spec.Import{{To: "attachment.a", ID: "LIVE"}}
				return f.liveWith(c, map[string][2]string{"LIVE": {"a.txt", "v1"}})
			},
			want: []string{"replace attachment.a"},
		},
		{
			name: "an import of an id the item does not have is an error",
			setup: func(f *fixture, c *contents) Live {
				f.declare("a.txt", "v1")
				f.cfg.Imports = []spec.Import{{To: "attachment.a", ID: "MADE-UP"}}
				return f.liveWith(c, map[string][2]string{"LIVE": {"a.txt", "v1"}})
			},
			wantErr: "Imported attachment not found",
		},
		{
			name: "an import of an address already managed is a no-op",
			setup: func(f *fixture, c *contents) Live {
				f.declare("a.txt", "v1")
				f.applied("attachment.a", "a.txt", "v1", "ID1")
				f.cfg.Imports = []spec.Import{{To: "attachment.a", ID: "MADE-UP"}}
				return f.liveWith(c, map[string][2]string{"ID1": {"a.txt", "v1"}})
			},
		},
		{
			name: "destroy deletes everything managed, and only that",
			setup: func(f *fixture, c *contents) Live {
				f.mbx.Exclusive = true
				f.declare("a.txt", "v1")
				f.declare("b.txt", "v1")
				f.applied("attachment.a", "a.txt", "v1", "ID1")
				f.applied("attachment.b", "b.txt", "v1", "ID2")
				return f.liveWith(c, map[string][2]string{"ID1": {"a.txt", "v1"}, "ID2": {"b.txt", "v1"}, "THEIRS": {"x.txt", "x"}})
			},
			opts: Options{Mode: Destroy},
			want: []string{"delete attachment.a", "delete attachment.b"},
		},
		{
			name: "refresh-only leaves import blocks alone: importing is a change",
			setup: func(f *fixture, c *contents) Live {
				f.declare("a.txt", "v1")
				f.cfg.Imports = []spec.Import{{To: "attachment.a", ID: "GONE-SINCE"}}
				return f.liveWith(c, map[string][2]string{"LIVE": {"x.txt", "v1"}})
			},
			opts: Options{Mode: RefreshOnly},
		},
		{
			name: "refresh-only forgets what vanished and changes nothing in Graph",
			setup: func(f *fixture, c *contents) Live {
				f.declare("a.txt", "v2")
				f.declare("b.txt", "v1")
				f.applied("attachment.a", "a.txt", "v1", "ID1")
				f.applied("attachment.b", "b.txt", "v1", "GONE")
				f.applied("attachment.c", "c.txt", "v1", "ID3")
				return f.liveWith(c, map[string][2]string{"ID1": {"a.txt", "v1"}, "ID3": {"c.txt", "v1"}})
			},
			opts: Options{Mode: RefreshOnly},
			want: []string{"forget attachment.b"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			c := &contents{bytes: map[string]string{}, downloads: map[string]int{}}
			live := tt.setup(f, c)
			tt.opts.Now = now
			p, diags := Build(context.Background(), f.cfg, f.st, live, c, tt.opts)
			if tt.wantErr != "" {
				if !diags.HasErrors() || !strings.Contains(diags.Error(), tt.wantErr) {
					t.Fatalf("diagnostics %v; want %q", diags, tt.wantErr)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if got := describeChanges(p); !slices.Equal(got, tt.want) {
				t.Errorf("changes:\n  got  %q\n  want %q", got, tt.want)
			}
			if !slices.Equal(p.Moves, tt.wantMoves) {
				t.Errorf("moves %v, want %v", p.Moves, tt.wantMoves)
			}
			if p.HasChanges() != (len(tt.want)+len(tt.wantMoves) > 0) {
				t.Errorf("HasChanges = %v", p.HasChanges())
			}
			if _, renamed := f.st.Attachment("attachment.new"); renamed && len(tt.wantMoves) > 0 {
				t.Error("Build renamed the caller's state")
			}
		})
	}
}

// The mass-destroy guard: more than 30 % of 10 or more managed attachments
// deleted or replaced fails the plan, naming the way out.
func TestMassDestroyGuard(t *testing.T) {
	for _, tc := range []struct {
		managed, removed int
		allow            bool
		fails            bool
	}{
		{10, 3, false, false},
		{10, 4, false, true},
		{10, 4, true, false},
		{9, 9, false, false}, // too few managed to judge
		{45, 45, false, true},
	} {
		t.Run(fmt.Sprintf("%d of %d removed, allow=%v", tc.removed, tc.managed, tc.allow), func(t *testing.T) {
			f := newFixture(t)
			c := &contents{bytes: map[string]string{}, downloads: map[string]int{}}
			atts := map[string][2]string{}
			for i := range tc.managed {
				name := string(rune('a'+i/26)) + string(rune('a'+i%26))
				id := "ID" + name
				f.applied("attachment."+name, name+".txt", "v1", id)
				atts[id] = [2]string{name + ".txt", "v1"}
				if i >= tc.removed {
					f.declare(name+".txt", "v1")
				}
			}
			_, diags := Build(context.Background(), f.cfg, f.st, f.liveWith(c, atts), c, Options{Now: now, AllowMassDestroy: tc.allow})
			// Fatal, not Error: what follows reads the guard's diagnostic,
			// which a wrong outcome may not have.
			if diags.HasErrors() != tc.fails {
				t.Fatalf("errors: %v, want %v; diagnostics %v", diags.HasErrors(), tc.fails, diags)
			}
			if !tc.fails {
				return
			}
			var guard *hcl.Diagnostic
			for _, d := range diags {
				if d.Severity == hcl.DiagError && strings.Contains(d.Detail, "-allow-mass-destroy") {
					guard = d
				}
			}
			if guard == nil {
				t.Errorf("the guard does not say how to go on (-allow-mass-destroy): %v", diags)
			}
		})
	}
}

// With an app-only credential, a plan that writes To Do attachments says
// Graph will refuse it; message targets are fine.
func TestAppOnlyCredentialWarnsForToDoTargets(t *testing.T) {
	f := newFixture(t)
	task := &spec.Target{Name: "chores", Item: item.Ref{Mailbox: "ops@contoso.example", Kind: item.TodoTask, ID: "T", ListID: "L"}}
	f.cfg.Targets = append(f.cfg.Targets, task)
	f.declare("a.txt", "v1")
	f.declare("b.txt", "v1", func(a *spec.Attachment) { a.Target = task })
	live := f.live()
	live[task.Item.Key()] = &LiveItem{}
	for _, appOnly := range []bool{false, true} {
		_, diags := Build(context.Background(), f.cfg, f.st, live, nil, Options{Now: now, AppOnly: appOnly})
		var warned []string
		for _, d := range diags {
			if d.Severity == hcl.DiagWarning {
				warned = append(warned, d.Summary+": "+d.Detail)
			}
		}
		if !appOnly && len(warned) != 0 {
			t.Errorf("delegated credential: warnings %q", warned)
		}
		if appOnly && (len(warned) != 1 || !strings.Contains(warned[0], "target.chores") || !strings.Contains(warned[0], "Tasks.ReadWrite")) {
			t.Errorf("app-only credential: warnings %q; want one naming target.chores and the permission", warned)
		}
	}
}
