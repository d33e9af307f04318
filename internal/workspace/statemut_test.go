package workspace

import (
	"slices"
	"strings"
	"testing"

	"github.com/attachform/attachform/state"
)

func stateAt(addresses ...string) *state.State {
	st := state.New()
	for i, a := range addresses {
		st.SetAttachment(state.Attachment{Address: a, ID: "id" + string(rune('a'+i))})
	}
	return st
}

// state mv: one instance, every instance of a block (keys kept), and the
// refusals, each naming what to do; a refused move renames nothing.
func TestMoveRules(t *testing.T) {
	for _, tc := range []struct {
		name      string
		present   []string
		src, dst  string
		want      [][2]string
		wantError string
	}{
		{"one instance", []string{`attachment.a`}, `attachment.a`, `attachment.b`, [][2]string{{`attachment.a`, `attachment.b`}}, ""},
		{"every instance, keys kept", []string{`attachment.a["x"]`, `attachment.a["y"]`, `attachment.c`}, `attachment.a`, `attachment.b`,
			[][2]string{{`attachment.a["x"]`, `attachment.b["x"]`}, {`attachment.a["y"]`, `attachment.b["y"]`}}, ""},
		{"same address", []string{`attachment.a`}, `attachment.a`, `attachment.a`, nil, "Invalid move"},
		{"instances into one", []string{`attachment.a["x"]`}, `attachment.a`, `attachment.b["z"]`, nil, "Invalid move"},
		{"nothing at the source", []string{`attachment.a`}, `attachment.c`, `attachment.d`, nil, "Invalid source address"},
		{"destination taken", []string{`attachment.a`, `attachment.b["k"]`}, `attachment.a`, `attachment.b`, nil, "Invalid destination address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := stateAt(tc.present...)
			moves, diags := Move(st, tc.src, tc.dst, false)
			if tc.wantError != "" {
				if !diags.HasErrors() || diags[0].Summary != tc.wantError {
					t.Fatalf("diags = %v, want %q", diags, tc.wantError)
				}
				if got := AddressesIn(st); !slices.Equal(got, SortedAddresses(tc.present)) {
					t.Errorf("a refused move changed the state: %v", got)
				}
				return
			}
			if diags.HasErrors() || !slices.Equal(moves, tc.want) {
				t.Fatalf("moves = %v (%v), want %v", moves, diags, tc.want)
			}
			for _, mv := range moves {
				if _, ok := st.Attachment(mv[1]); !ok {
					t.Errorf("nothing at %s after the move", mv[1])
				}
			}
		})
	}
	if _, diags := Move(nil, "attachment.a", "attachment.b", false); !diags.HasErrors() || diags[0].Summary != "No state" {
		t.Errorf("no state: %v", diags)
	}
}

// state rm: a block address removes every instance; an address matching
// nothing removes nothing; -dry-run lists and keeps.
func TestRemoveRules(t *testing.T) {
	st := stateAt(`attachment.a["x"]`, `attachment.a["y"]`, `attachment.b`)
	removed, diags := Remove(st, []string{`attachment.a`}, true)
	if diags.HasErrors() || len(removed) != 2 || len(st.Attachments) != 3 {
		t.Fatalf("dry run: removed %v (%v), state %d", removed, diags, len(st.Attachments))
	}
	if _, diags := Remove(st, []string{`attachment.b`, `attachment.c`}, false); !diags.HasErrors() || len(st.Attachments) != 3 {
		t.Fatalf("an unmatched address: %v, state %d", diags, len(st.Attachments))
	}
	removed, diags = Remove(st, []string{`attachment.a`}, false)
	if diags.HasErrors() || len(removed) != 2 || len(st.Attachments) != 1 || st.Attachments[0].Address != `attachment.b` {
		t.Fatalf("removed %v (%v), left %v", removed, diags, st.Attachments)
	}
}

// state push: another lineage, an older serial, or the same serial with
// other content are refused unless forced; a redacted upload URL comes
// back from the stored state, or the push is refused.
func TestPushRules(t *testing.T) {
	cur := stateAt(`attachment.a`)
	cur.Serial = 5
	cur.Sessions = []state.Session{{ID: "s1", Address: `attachment.a`, UploadURL: "https://upload.example/secret"}}
	for _, tc := range []struct {
		name    string
		edit    func(p *state.State)
		refused string
	}{
		{"newer", func(p *state.State) { p.Serial = 6 }, ""},
		{"same content", func(p *state.State) {}, ""},
		{"other lineage", func(p *state.State) { p.Lineage = "other" }, "lineage"},
		{"older", func(p *state.State) { p.Serial = 4 }, "lower"},
		{"changed by hand", func(p *state.State) { p.Attachments[0].Name = "x" }, "other content"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pushed := cur.Clone().Redacted()
			tc.edit(pushed)
			next, diags := Push(cur, pushed, false)
			if tc.refused != "" {
				if !diags.HasErrors() || !strings.Contains(diags[0].Detail, tc.refused) {
					t.Fatalf("diags = %v, want a refusal naming %q", diags, tc.refused)
				}
				if _, diags := Push(cur, pushed, true); diags.HasErrors() {
					t.Errorf("-force: %v", diags)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if next.Sessions[0].UploadURL != "https://upload.example/secret" || next.Serial < cur.Serial {
				t.Errorf("pushed: url restored %v, serial %d", next.Sessions[0].UploadURL == cur.Sessions[0].UploadURL, next.Serial)
			}
		})
	}
	pushed := cur.Clone().Redacted()
	pushed.Serial = 6
	pushed.Sessions[0].ID = "unknown"
	if _, diags := Push(cur, pushed, true); !diags.HasErrors() || strings.Contains(diags[0].Detail, "secret") {
		t.Errorf("a redacted URL the store does not have: %v", diags)
	}
}
