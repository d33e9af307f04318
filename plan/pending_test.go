package plan

import (
	"context"
	"fmt"
	"github.com/attachform/attachform/content"
	"github.com/attachform/attachform/item"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
	"github.com/hashicorp/hcl/v2"
)

// contents is a Graph that holds the bytes of live attachments by id; it
// counts downloads so a test can see that each is hashed once, and the
// most it served at once. Downloads run in parallel.
type contents struct {
	bytes     map[string]string
	downloads map[string]int

	mu          sync.Mutex
	inFlight    int
	maxInFlight int
	hold        chan struct{} // if set, each download waits for it
}

func (c *contents) ReadContent(_ context.Context, _ item.Ref, id string, read func(io.Reader) error) error {
	c.mu.Lock()
	c.downloads[id]++
	b, ok := c.bytes[id]
	c.inFlight++
	c.maxInFlight = max(c.maxInFlight, c.inFlight)
	hold := c.hold
	c.mu.Unlock()
	if hold != nil {
		<-hold
	}
	c.mu.Lock()
	c.inFlight--
	c.mu.Unlock()
	if !ok {
		return fmt.Errorf("%s: %w", id, graph.ErrNotFound)
	}
	return read(strings.NewReader(b))
}

func (c *contents) RefreshBatch(context.Context, []item.Ref) (map[item.Ref]graph.Listing, error) {
	return nil, fmt.Errorf("not used by Build")
}

func sha(s string) string {
	d, _, _ := content.SHA256(strings.NewReader(s))
	return d
}

// intend records an intent as a killed apply would have left it.
func (f *fixture) intend(id, addr, name, content string) {
	f.st.AddIntent(state.Intent{ID: id, Address: addr, Target: f.mbx.Item,
		Descriptor: state.Descriptor{Name: name, ContentType: "text/plain", SHA256: sha(content), Bytes: int64(len(content))}})
}

// openSession records an open upload session for content.
func (f *fixture) openSession(url, addr, name, content string) {
	f.st.SetSession(state.Session{Address: addr, Target: f.mbx.Item, UploadURL: url, ExpiresAt: now.Add(time.Hour),
		Descriptor: state.Descriptor{Name: name, ContentType: "text/plain", SHA256: sha(content), Bytes: int64(len(content))}})
}

// liveWith puts attachments with their bytes on the fixture's item.
func (f *fixture) liveWith(c *contents, atts map[string][2]string) Live {
	var list []graph.Attachment
	for id, nameContent := range atts {
		list = append(list, graph.Attachment{ID: id, Name: nameContent[0], ContentType: "text/plain", Size: int64(len(nameContent[1])) + 150})
		c.bytes[id] = nameContent[1]
	}
	slices.SortFunc(list, func(a, b graph.Attachment) int { return strings.Compare(a.ID, b.ID) })
	return f.live(list...)
}

// sessionURLs names the sessions the tests open by their upload URLs.
var sessionURLs = map[string]string{state.SessionID("https://up/1"): "https://up/1"}

// describeChanges renders each change as "action address [adopt=ID]
// [delete=ID] [settles=…]" in plan order.
func describeChanges(p *Plan) []string {
	var out []string
	for _, c := range p.Changes {
		if c.Action == NoOp {
			continue
		}
		s := c.Action.String() + " " + c.Address
		if c.AdoptID != "" {
			s += " adopt=" + c.AdoptID
		}
		if c.Orphan && c.Before != nil && c.Before.ID != "" {
			s += " orphan=" + c.Before.ID
		}
		settles := slices.Clone(c.Intents)
		if c.Session != nil && c.Action != Resume {
			settles = append(settles, sessionURLs[c.Session.ID])
		}
		if len(settles) > 0 {
			s += " settles=" + strings.Join(settles, ",")
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// What interrupted applies left behind — intents, sessions that completed
// unseen, copies of files — is adopted when the manifest wants exactly it
// and deleted when not; nothing a killed run created stays invisible.
func TestPendingWorkOfInterruptedApplies(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *fixture, c *contents) Live
		want  []string
	}{
		{
			name: "a create whose answer died is adopted",
			setup: func(f *fixture, c *contents) Live {
				f.declare("a.txt", "v1")
				f.intend("I1", "attachment.a", "a.txt", "v1")
				return f.liveWith(c, map[string][2]string{"X1": {"a.txt", "v1"}})
			},
			want: []string{"adopt attachment.a adopt=X1 settles=I1"},
		},
		{
			name: "a create whose source changed again is deleted, the new bytes uploaded",
			setup: func(f *fixture, c *contents) Live {
				f.declare("a.txt", "v2")
				f.intend("I1", "attachment.a", "a.txt", "v1")
				return f.liveWith(c, map[string][2]string{"X1": {"a.txt", "v1"}})
			},
			want: []string{"create attachment.a", "delete attachment.a orphan=X1 settles=I1"},
		},
		{
			name: "an intent that created nothing is forgotten",
			setup: func(f *fixture, c *contents) Live {
				f.declare("a.txt", "v1")
				f.intend("I1", "attachment.a", "a.txt", "v1")
				return f.liveWith(c, nil)
			},
			want: []string{"create attachment.a", "forget attachment.a settles=I1"},
		},
		{
			name: "a replacement killed after its upload adopts the new copy and deletes the old",
			setup: func(f *fixture, c *contents) Live {
				f.declare("a.txt", "v2")
				f.applied("attachment.a", "a.txt", "v1", "OLD")
				f.intend("I1", "attachment.a", "a.txt", "v2")
				return f.liveWith(c, map[string][2]string{"OLD": {"a.txt", "v1"}, "X1": {"a.txt", "v2"}})
			},
			want: []string{"replace attachment.a adopt=X1 settles=I1"},
		},
		{
			name: "a replacement killed after its upload, then the file changed again",
			setup: func(f *fixture, c *contents) Live {
				f.declare("a.txt", "v3")
				f.applied("attachment.a", "a.txt", "v1", "OLD")
				f.intend("I1", "attachment.a", "a.txt", "v2")
				return f.liveWith(c, map[string][2]string{"OLD": {"a.txt", "v1"}, "X1": {"a.txt", "v2"}})
			},
			want: []string{"delete attachment.a orphan=X1 settles=I1", "replace attachment.a"},
		},
		{
			name: "a replacement killed after its upload, then the file reverted",
			setup: func(f *fixture, c *contents) Live {
				f.declare("a.txt", "v1")
				f.applied("attachment.a", "a.txt", "v1", "OLD")
				f.intend("I1", "attachment.a", "a.txt", "v2")
				return f.liveWith(c, map[string][2]string{"OLD": {"a.txt", "v1"}, "X1": {"a.txt", "v2"}})
			},
			want: []string{"delete attachment.a orphan=X1 settles=I1"},
		},
		{
			name: "a session whose final answer died is adopted, not resumed",
			setup: func(f *fixture, c *contents) Live {
				f.declare("a.txt", "v1")
				f.openSession("https://up/1", "attachment.a", "a.txt", "v1")
				return f.liveWith(c, map[string][2]string{"X1": {"a.txt", "v1"}})
			},
			want: []string{"adopt attachment.a adopt=X1 settles=https://up/1"},
		},
		{
			name: "a completed session whose block was removed is deleted",
			setup: func(f *fixture, c *contents) Live {
				f.openSession("https://up/1", "attachment.a", "a.txt", "v1")
				return f.liveWith(c, map[string][2]string{"X1": {"a.txt", "v1"}})
			},
			want: []string{"delete attachment.a orphan=X1 settles=https://up/1"},
		},
		{
			name: "two killed runs left two copies: one adopted, one deleted",
			setup: func(f *fixture, c *contents) Live {
				f.declare("a.txt", "v1")
				f.intend("I1", "attachment.a", "a.txt", "v1")
				f.intend("I2", "attachment.a", "a.txt", "v1")
				return f.liveWith(c, map[string][2]string{"X1": {"a.txt", "v1"}, "X2": {"a.txt", "v1"}})
			},
			want: []string{"adopt attachment.a adopt=X1 settles=I1", "delete attachment.a orphan=X2 settles=I2"},
		},
		{
			name: "a managed attachment deleted by hand with an identical copy on the item is adopted",
			setup: func(f *fixture, c *contents) Live {
				f.declare("a.txt", "v1")
				f.applied("attachment.a", "a.txt", "v1", "GONE")
				return f.liveWith(c, map[string][2]string{"X1": {"a.txt", "v1"}})
			},
			want: []string{"adopt attachment.a adopt=X1"},
		},
		{
			name: "a declared attachment that moved to another item still deletes the copy its killed run left",
			setup: func(f *fixture, c *contents) Live {
				other := &spec.Target{Name: "other", Item: item.Ref{Mailbox: "ops@contoso.example", Kind: item.Message, ID: "OTHER="}}
				f.cfg.Targets = append(f.cfg.Targets, other)
				f.declare("a.txt", "v1", func(a *spec.Attachment) { a.Target = other })
				f.intend("I1", "attachment.a", "a.txt", "v1")
				live := f.liveWith(c, map[string][2]string{"X1": {"a.txt", "v1"}})
				live[other.Item.Key()] = &LiveItem{}
				return live
			},
			want: []string{"create attachment.a", "delete attachment.a orphan=X1 settles=I1"},
		},
		{
			name: "on an exclusive target the orphan is deleted once",
			setup: func(f *fixture, c *contents) Live {
				f.mbx.Exclusive = true
				f.intend("I1", "attachment.a", "a.txt", "v1")
				return f.liveWith(c, map[string][2]string{"X1": {"a.txt", "v1"}})
			},
			want: []string{"delete attachment.a orphan=X1 settles=I1"},
		},
		{
			name: "prevent_destroy does not guard an orphan copy",
			setup: func(f *fixture, c *contents) Live {
				f.declare("a.txt", "v1", func(a *spec.Attachment) { a.PreventDestroy = true })
				f.applied("attachment.a", "a.txt", "v1", "KEEP")
				f.intend("I1", "attachment.a", "a.txt", "v0")
				return f.liveWith(c, map[string][2]string{"KEEP": {"a.txt", "v1"}, "X1": {"a.txt", "v0"}})
			},
			want: []string{"delete attachment.a orphan=X1 settles=I1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			c := &contents{bytes: map[string]string{}, downloads: map[string]int{}}
			live := tt.setup(f, c)
			p, diags := Build(context.Background(), f.cfg, f.st, live, c, Options{Now: now})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if got := describeChanges(p); !slices.Equal(got, tt.want) {
				t.Errorf("changes:\n  got  %q\n  want %q", got, tt.want)
			}
			for id, n := range c.downloads {
				if n > 1 {
					t.Errorf("%s downloaded %d times; once is enough", id, n)
				}
			}
		})
	}
}

// A managed attachment that vanished while a foreign one took its name
// is uploaded again, and the plan says so; on an exclusive target the
// foreign one is deleted instead of warned about.
func TestSameNameDriftIsNamed(t *testing.T) {
	for _, exclusive := range []bool{false, true} {
		t.Run(fmt.Sprintf("exclusive=%v", exclusive), func(t *testing.T) {
			f := newFixture(t)
			f.mbx.Exclusive = exclusive
			c := &contents{bytes: map[string]string{}, downloads: map[string]int{}}
			f.declare("a.txt", "ours")
			f.applied("attachment.a", "a.txt", "ours", "GONE")
			live := f.liveWith(c, map[string][2]string{"THEIRS": {"a.txt", "someone else's"}})
			p, diags := Build(context.Background(), f.cfg, f.st, live, c, Options{Now: now})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			var warnings []*hcl.Diagnostic
			for _, d := range diags {
				if d.Severity == hcl.DiagWarning {
					warnings = append(warnings, d)
				}
			}
			got := describeChanges(p)
			if exclusive {
				if len(warnings) != 0 || !slices.Contains(got, `delete target.welcome.undeclared["a.txt"]`) {
					t.Fatalf("exclusive: changes %q, warnings %v; want the foreign one deleted, no warning", got, warnings)
				}
				return
			}
			if len(warnings) != 1 || !strings.Contains(warnings[0].Detail, "exclusive = true") || !strings.Contains(warnings[0].Detail, "deleted outside attachform") {
				t.Fatalf("warnings = %v; want one naming the drift and the fix", warnings)
			}
			if !slices.Equal(got, []string{"create attachment.a"}) {
				t.Fatalf("changes %q", got)
			}
		})
	}
}

// Candidates for adoption are downloaded several at a time, up to the
// mailbox's concurrency (Graph's 4), not one after another; each once.
func TestAdoptionDownloadsInParallel(t *testing.T) {
	f := newFixture(t)
	c := &contents{bytes: map[string]string{}, downloads: map[string]int{}, hold: make(chan struct{})}
	atts := map[string][2]string{}
	for i := range 12 {
		name := fmt.Sprintf("f%02d.txt", i)
		f.declare(name, "content of "+name)
		atts[fmt.Sprintf("LIVE%02d", i)] = [2]string{name, "content of " + name}
	}
	live := f.liveWith(c, atts)
	// Release the downloads once four are waiting at once (or, failing
	// that, after a while, for the test to fail and say so).
	go func() {
		deadline := time.Now().Add(10 * time.Second)
		for {
			c.mu.Lock()
			n := c.inFlight
			c.mu.Unlock()
			if n == 4 || time.Now().After(deadline) {
				close(c.hold)
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	p, diags := Build(context.Background(), f.cfg, f.st, live, c, Options{Now: now, Parallelism: 10})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for _, ch := range p.Changes {
		if ch.Action != Adopt {
			t.Errorf("%s: %s, want adopt", ch.Address, ch.Action)
		}
	}
	if c.maxInFlight != 4 {
		t.Errorf("%d downloads at once, want the mailbox's 4", c.maxInFlight)
	}
	for id, n := range c.downloads {
		if n != 1 {
			t.Errorf("%s downloaded %d times", id, n)
		}
	}
}
