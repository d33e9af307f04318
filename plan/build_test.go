package plan

import (
	"context"
	"github.com/attachform/attachform/content"
	"github.com/attachform/attachform/item"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
	"github.com/hashicorp/hcl/v2"
)

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// fixture is a config dir with files, the config declaring them and the
// state as a previous apply would have left it.
type fixture struct {
	t   *testing.T
	cfg *spec.Config
	st  *state.State
	mbx *spec.Target
}

func newFixture(t *testing.T) *fixture {
	dir := t.TempDir()
	f := &fixture{t: t, cfg: &spec.Config{Dir: dir}, st: state.New()}
	f.mbx = &spec.Target{Name: "welcome", Item: item.Ref{Mailbox: "ops@contoso.example", Kind: item.Message, ID: "MSG="}}
	f.cfg.Targets = []*spec.Target{f.mbx}
	return f
}

// declare writes a file and declares an attachment of it.
func (f *fixture) declare(name, content string, edit ...func(*spec.Attachment)) *spec.Attachment {
	path := filepath.Join(f.cfg.Dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		f.t.Fatal(err)
	}
	a := &spec.Attachment{Address: "attachment." + strings.TrimSuffix(name, filepath.Ext(name)), Target: f.mbx,
		Source: path, Size: int64(len(content)), Name: name, ContentType: "text/plain"}
	for _, e := range edit {
		e(a)
	}
	f.cfg.Attachments = append(f.cfg.Attachments, a)
	slices.SortFunc(f.cfg.Attachments, func(x, y *spec.Attachment) int { return strings.Compare(x.Address, y.Address) })
	return a
}

// applied records a as uploaded with content.
func (f *fixture) applied(addr, name, body, id string) {
	d, _, _ := content.SHA256(strings.NewReader(body))
	f.st.SetAttachment(state.Attachment{Address: addr, Target: f.mbx.Item, ID: id,
		Descriptor: state.Descriptor{Name: name, ContentType: "text/plain", SHA256: d, Bytes: int64(len(body))}, ReportedSize: int64(len(body)) + 158})
}

func (f *fixture) live(atts ...graph.Attachment) Live {
	return Live{f.mbx.Item.Key(): &LiveItem{Attachments: atts}}
}

func (f *fixture) build(live Live, opts Options) (*Plan, hcl.Diagnostics) {
	opts.Now = now
	return Build(context.Background(), f.cfg, f.st, live, nil, opts)
}

func actions(p *Plan) map[string]string {
	out := map[string]string{}
	for _, c := range p.Changes {
		out[c.Address] = c.Action.String() + ":" + c.Reason
	}
	return out
}

func TestBuild(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *fixture) Live
		opts  Options
		want  map[string]string
	}{
		{
			name: "new attachment is created",
			setup: func(f *fixture) Live {
				f.declare("a.txt", "hello")
				return f.live()
			},
			want: map[string]string{"attachment.a": "create:"},
		},
		{
			name: "unchanged attachment is a no-op",
			setup: func(f *fixture) Live {
				f.declare("a.txt", "hello")
				f.applied("attachment.a", "a.txt", "hello", "ID1")
				return f.live(graph.Attachment{ID: "ID1", Name: "a.txt", Size: 163})
			},
			want: map[string]string{"attachment.a": "no-op:"},
		},
		{
			name: "edited content is replaced",
			setup: func(f *fixture) Live {
				f.declare("a.txt", "hello, world")
				f.applied("attachment.a", "a.txt", "hello", "ID1")
				return f.live(graph.Attachment{ID: "ID1", Name: "a.txt"})
			},
			want: map[string]string{"attachment.a": "replace:content changed"},
		},
		{
			name: "renamed and retyped attachment is replaced with every reason",
			setup: func(f *fixture) Live {
				f.declare("a.txt", "hello", func(a *spec.Attachment) { a.Name = "A.txt"; a.ContentType = "text/markdown" })
				f.applied("attachment.a", "a.txt", "hello", "ID1")
				return f.live(graph.Attachment{ID: "ID1", Name: "a.txt"})
			},
			want: map[string]string{"attachment.a": "replace:name changed, content type changed"},
		},
		{
			name: "removed block is destroyed",
			setup: func(f *fixture) Live {
				f.applied("attachment.gone", "gone.txt", "bye", "ID9")
				return f.live(graph.Attachment{ID: "ID9", Name: "gone.txt"})
			},
			want: map[string]string{"attachment.gone": "delete:no longer in the configuration"},
		},
		{
			name: "removed block already deleted by hand is only forgotten",
			setup: func(f *fixture) Live {
				f.applied("attachment.gone", "gone.txt", "bye", "ID9")
				return f.live()
			},
			want: map[string]string{"attachment.gone": "forget:already deleted outside attachform"},
		},
		{
			name: "declared attachment deleted by hand is created again",
			setup: func(f *fixture) Live {
				f.declare("a.txt", "hello")
				f.applied("attachment.a", "a.txt", "hello", "ID1")
				return f.live()
			},
			want: map[string]string{"attachment.a": "create:deleted outside attachform"},
		},
		{
			name: "exclusive target deletes what nobody declared",
			setup: func(f *fixture) Live {
				f.mbx.Exclusive = true
				f.declare("a.txt", "hello")
				f.applied("attachment.a", "a.txt", "hello", "ID1")
				return f.live(graph.Attachment{ID: "ID1", Name: "a.txt"}, graph.Attachment{ID: "STRAY0001", Name: "old.pdf"})
			},
			want: map[string]string{
				"attachment.a":                         "no-op:",
				`target.welcome.undeclared["old.pdf"]`: "delete:not declared, and the target is exclusive",
			},
		},
		{
			name: "an exclusive target instance names what it deletes by its key",
			setup: func(f *fixture) Live {
				f.mbx.Exclusive, f.mbx.Name = true, `welcome["alice@contoso.example"]`
				f.declare("a.txt", "hello")
				f.applied("attachment.a", "a.txt", "hello", "ID1")
				return f.live(graph.Attachment{ID: "ID1", Name: "a.txt"}, graph.Attachment{ID: "STRAY0001", Name: "old.pdf"})
			},
			want: map[string]string{
				"attachment.a": "no-op:",
				`target.welcome["alice@contoso.example"].undeclared["old.pdf"]`: "delete:not declared, and the target is exclusive",
			},
		},
		{
			name: "non-exclusive target leaves strangers alone",
			setup: func(f *fixture) Live {
				f.declare("a.txt", "hello")
				f.applied("attachment.a", "a.txt", "hello", "ID1")
				return f.live(graph.Attachment{ID: "ID1", Name: "a.txt"}, graph.Attachment{ID: "STRAY", Name: "old.pdf"})
			},
			want: map[string]string{"attachment.a": "no-op:"},
		},
		{
			name: "-replace forces a replacement",
			setup: func(f *fixture) Live {
				f.declare("a.txt", "hello")
				f.applied("attachment.a", "a.txt", "hello", "ID1")
				return f.live(graph.Attachment{ID: "ID1", Name: "a.txt"})
			},
			opts: Options{Replace: []string{"attachment.a"}},
			want: map[string]string{"attachment.a": "replace:replacement requested"},
		},
		{
			name: "-target keeps only the named addresses",
			setup: func(f *fixture) Live {
				f.declare("a.txt", "hello")
				f.declare("b.txt", "world")
				return f.live()
			},
			opts: Options{Targets: []string{"attachment.b"}},
			want: map[string]string{"attachment.b": "create:"},
		},
		{
			name: "-target of a block keeps every instance of it, and no other block",
			setup: func(f *fixture) Live {
				f.declare("a.txt", "hello", func(a *spec.Attachment) { a.Address = `attachment.a["x"]` })
				f.declare("b.txt", "world", func(a *spec.Attachment) { a.Address = `attachment.a[0]` })
				f.declare("c.txt", "other", func(a *spec.Attachment) { a.Address = `attachment.ab["x"]` })
				return f.live()
			},
			opts: Options{Targets: []string{"attachment.a"}},
			want: map[string]string{`attachment.a["x"]`: "create:", `attachment.a[0]`: "create:"},
		},
		{
			name: "-target of one instance keeps that instance only",
			setup: func(f *fixture) Live {
				f.declare("a.txt", "hello", func(a *spec.Attachment) { a.Address = `attachment.a["x"]` })
				f.declare("b.txt", "world", func(a *spec.Attachment) { a.Address = `attachment.a["y"]` })
				return f.live()
			},
			opts: Options{Targets: []string{`attachment.a["y"]`}},
			want: map[string]string{`attachment.a["y"]`: "create:"},
		},
		{
			name: "-target of a target instance keeps the attachments on its item, those removed too",
			setup: func(f *fixture) Live {
				other := &spec.Target{Name: `welcome["bob"]`, Item: item.Ref{Mailbox: "bob@contoso.example", Kind: item.Message, ID: "B="}}
				f.mbx.Name = `welcome["alice"]`
				f.cfg.Targets = append(f.cfg.Targets, other)
				f.declare("a.txt", "hello", func(a *spec.Attachment) { a.Address = `attachment.pack["alice"]` })
				f.declare("b.txt", "world", func(a *spec.Attachment) { a.Address, a.Target = `attachment.pack["bob"]`, other })
				f.applied(`attachment.old["alice"]`, "old.txt", "v0", "OLD")
				return Live{f.mbx.Item.Key(): &LiveItem{Attachments: []graph.Attachment{{ID: "OLD", Name: "old.txt"}}}, other.Item.Key(): &LiveItem{}}
			},
			opts: Options{Targets: []string{`target.welcome["alice"]`}},
			want: map[string]string{`attachment.pack["alice"]`: "create:", `attachment.old["alice"]`: "delete:no longer in the configuration"},
		},
		{
			name: "interrupted upload of the same file is resumed",
			setup: func(f *fixture) Live {
				f.declare("a.txt", "hello")
				f.session("attachment.a", "hello", now.Add(time.Hour))
				return f.live()
			},
			want: map[string]string{"attachment.a": "resume:an earlier upload was interrupted"},
		},
		{
			name: "expired session is cancelled and the file uploaded anew",
			setup: func(f *fixture) Live {
				f.declare("a.txt", "hello")
				f.session("attachment.a", "hello", now.Add(time.Minute))
				return f.live()
			},
			want: map[string]string{"attachment.a": "create:"},
		},
		{
			name: "session of a file edited since is cancelled",
			setup: func(f *fixture) Live {
				f.declare("a.txt", "hello again")
				f.session("attachment.a", "hello", now.Add(time.Hour))
				return f.live()
			},
			want: map[string]string{"attachment.a": "create:"},
		},
		{
			name: "deposed attachment of an interrupted replacement is deleted",
			setup: func(f *fixture) Live {
				f.declare("a.txt", "new")
				f.applied("attachment.a", "a.txt", "old", "OLD")
				f.st.Depose(f.st.Attachments[0])
				f.applied("attachment.a", "a.txt", "new", "NEW")
				return f.live(graph.Attachment{ID: "OLD", Name: "a.txt"}, graph.Attachment{ID: "NEW", Name: "a.txt"})
			},
			want: map[string]string{"attachment.a": "delete:replaced by an earlier apply that was interrupted before deleting it"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			live := tt.setup(f)
			p, diags := f.build(live, tt.opts)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			got := actions(p)
			for addr, want := range tt.want {
				if got[addr] != want {
					t.Errorf("%s: got %q, want %q", addr, got[addr], want)
				}
			}
			for addr, g := range got {
				if _, ok := tt.want[addr]; !ok && !strings.HasPrefix(g, "cancel:") {
					t.Errorf("unexpected change %s: %s", addr, g)
				}
			}
		})
	}
}

func (f *fixture) session(addr, body string, expires time.Time) {
	d, n, _ := content.SHA256(strings.NewReader(body))
	name := strings.TrimPrefix(addr, "attachment.") + ".txt"
	f.st.SetSession(state.Session{Address: addr, Target: f.mbx.Item, UploadURL: "https://outlook.office.com/" + addr + "?authtoken=T",
		ExpiresAt: expires, Confirmed: 2, Descriptor: state.Descriptor{Name: name, ContentType: "text/plain", SHA256: d, Bytes: n}})
}

func TestStaleSessionsAreCancelledFirstWithAReason(t *testing.T) {
	f := newFixture(t)
	f.declare("a.txt", "hello again")
	f.session("attachment.a", "hello", now.Add(time.Hour))
	f.session("attachment.gone", "bye", now.Add(time.Hour))
	p, diags := f.build(f.live(), Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var got []string
	for _, c := range p.Changes {
		got = append(got, c.Action.String()+" "+c.Address+" "+c.Reason)
	}
	want := []string{
		"cancel attachment.a the file or its attributes changed since the upload began",
		"cancel attachment.gone no longer in the configuration",
		"create attachment.a ",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("changes\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestPreventDestroyFailsThePlanNamingTheAttachment(t *testing.T) {
	f := newFixture(t)
	f.declare("a.txt", "edited", func(a *spec.Attachment) { a.PreventDestroy = true })
	f.applied("attachment.a", "a.txt", "original", "ID1")
	p, diags := f.build(f.live(graph.Attachment{ID: "ID1"}), Options{})
	if p != nil || !diags.HasErrors() {
		t.Fatalf("plan = %v, diags = %v; want an error", p, diags)
	}
	if !strings.Contains(diags[0].Detail, "attachment.a") || !strings.Contains(diags[0].Detail, "prevent_destroy") {
		t.Fatalf("diagnostic does not name the attachment and the setting: %s", diags[0].Detail)
	}
}

func TestReplaceDestroysFirstWhenBothWouldNotFit(t *testing.T) {
	for _, tc := range []struct {
		name       string
		liveSum    int64
		cbd        *bool
		maxMessage int64 // graph { max_message_size }; 0 = default 35 MB
		want       bool
	}{
		{"room for both", 1 << 20, nil, 0, false},
		{"item near its limit", 35<<20 - 4, nil, 0, true},
		{"a mailbox allowed larger messages", 35<<20 - 4, nil, 150 << 20, false},
		{"manifest asks for destroy first", 0, new(false), 0, true},
		{"manifest insists on create first", 35 << 20, new(true), 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.cfg.Graph.MaxMessageSize = tc.maxMessage
			f.declare("a.txt", "edited", func(a *spec.Attachment) { a.CreateBeforeDestroy = tc.cbd })
			f.applied("attachment.a", "a.txt", "original", "ID1")
			p, diags := f.build(f.live(graph.Attachment{ID: "ID1", Size: tc.liveSum}), Options{})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if c := p.Changes[0]; c.Action != Replace || c.DestroyFirst != tc.want {
				t.Fatalf("change %s destroyFirst=%v, want replace with destroyFirst=%v", c.Action, c.DestroyFirst, tc.want)
			}
		})
	}
}

func TestMissingTargetItemIsADiagnostic(t *testing.T) {
	f := newFixture(t)
	f.declare("a.txt", "hello")
	_, diags := f.build(Live{f.mbx.Item.Key(): &LiveItem{Missing: true}}, Options{})
	if !diags.HasErrors() || diags[0].Summary != "Target item not found" {
		t.Fatalf("diags = %v", diags)
	}
}

// A -replace of a block with for_each names no instance: nothing is
// replaced, and a warning says which address would.
func TestReplaceOfARepeatedBlockWarns(t *testing.T) {
	f := newFixture(t)
	f.declare("a.txt", "hello", func(a *spec.Attachment) { a.Address = `attachment.pack["b"]` })
	f.declare("b.txt", "world", func(a *spec.Attachment) { a.Address = `attachment.pack["a"]` })
	f.applied(`attachment.pack["a"]`, "b.txt", "world", "ID1")
	f.applied(`attachment.pack["b"]`, "a.txt", "hello", "ID2")
	p, diags := f.build(f.live(graph.Attachment{ID: "ID1", Name: "b.txt"}, graph.Attachment{ID: "ID2", Name: "a.txt"}), Options{Replace: []string{"attachment.pack"}})
	if diags.HasErrors() || p.HasChanges() {
		t.Fatalf("plan %v, %s; want no change", actions(p), diags.Error())
	}
	if len(diags) != 1 || diags[0].Summary != "Replace address not found" || !strings.Contains(diags[0].Detail, `-replace='attachment.pack["a"]'`) {
		t.Errorf("diagnostics: %s", diags.Error())
	}
}
