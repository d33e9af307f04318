package apply_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/attachform/attachform/item"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/attachform/attachform/apply"
	"github.com/attachform/attachform/emulator"
	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/internal/azurite"
	"github.com/attachform/attachform/state"
	"github.com/attachform/attachform/state/azurerm"
	"github.com/attachform/attachform/state/local"
)

// errKilled is what a writer returns once the process it stands for died.
var errKilled = errors.New("killed")

// dyingWriter persists the first n writes and then dies: the write that
// would have recorded what Graph just did is lost, and so is every later
// one, as when the process is killed at that instant.
type dyingWriter struct {
	w state.Writer

	mu     sync.Mutex
	n      int
	writes int
}

func (d *dyingWriter) Write(ctx context.Context, s *state.State) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.writes++
	if d.n >= 0 && d.writes > d.n {
		return errKilled
	}
	return d.w.Write(ctx, s)
}

// killScene is a configuration before and after an edit that exercises
// every kind of change at once: replacements small and large, a delete, a
// move to another item, new files small and large, an unchanged one.
type killScene struct {
	e     *env
	files map[string][]byte // by file name, what the manifest now declares
}

const twoTargets = header + `
data "event" "all_hands" {
  mailbox = "demo@contoso.example"
  filter  = "subject eq 'Quarterly all hands'"
}
target "all_hands" {
  mailbox = "demo@contoso.example"
  event   = data.event.all_hands.id
}
`

// declare writes the files and a manifest putting each on its target.
func (k *killScene) declare(files map[string][]byte, on map[string]string) {
	k.files = files
	var b strings.Builder
	b.WriteString(twoTargets)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		k.e.write("files/"+n, files[n])
		target := on[n]
		if target == "" {
			target = "welcome"
		}
		block := strings.TrimSuffix(n, filepath.Ext(n))
		fmt.Fprintf(&b, "attachment %q {\n  target = target.%s\n  source = \"files/%s\"\n}\n", block, target, n)
	}
	k.e.write("main.attach.hcl", []byte(b.String()))
}

func (k *killScene) before() {
	k.declare(map[string][]byte{
		"a.txt": content(900, 1), "b.txt": content(700, 2), "c.bin": content(3<<20+5000, 3),
		"d.txt": content(500, 4), "e.txt": content(300, 5),
	}, nil)
}

func (k *killScene) after(rev byte) {
	k.declare(map[string][]byte{
		"a.txt": content(901, 10+rev), "c.bin": content(3<<20+7000, 11+rev), "d.txt": content(500, 4),
		"e.txt": content(300, 5), "f.txt": content(1200, 12+rev), "g.bin": content(3<<20+9000, 13+rev),
	}, map[string]string{"d.txt": "all_hands"})
}

// graphHolds returns name -> sha256 of every attachment on both items,
// failing on a name attached twice.
func (e *env) graphHolds() map[string]string {
	e.t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for _, q := range []struct {
		kind item.Kind
		find func() ([]graph.ItemSummary, error)
	}{
		{item.Message, func() ([]graph.ItemSummary, error) {
			return e.client.FindMessages(ctx, emulator.DemoMailbox, "subject eq 'Welcome to attachform'")
		}},
		{item.Event, func() ([]graph.ItemSummary, error) {
			return e.client.FindEvents(ctx, emulator.DemoMailbox, "subject eq 'Quarterly all hands'")
		}},
	} {
		found, err := q.find()
		if err != nil || len(found) != 1 {
			e.t.Fatalf("find the %s: %v %v", q.kind, found, err)
		}
		it := item.Ref{Mailbox: emulator.DemoMailbox, Kind: q.kind, ID: found[0].ID}
		atts, err := e.client.ListAttachments(ctx, it)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, a := range atts {
			r, err := e.client.Content(ctx, it, a.ID)
			if err != nil {
				e.t.Fatal(err)
			}
			h := sha256.New()
			_, err = io.Copy(h, r)
			r.Close()
			if err != nil {
				e.t.Fatal(err)
			}
			key := string(q.kind) + "/" + a.Name
			if _, dup := out[key]; dup {
				e.t.Errorf("%s is attached twice", key)
			}
			out[key] = hex.EncodeToString(h.Sum(nil))
		}
	}
	return out
}

// converged checks that Graph holds exactly what is declared, byte for
// byte, that the state says the same, and that the next plan is empty.
func (k *killScene) converged(moved map[string]bool) {
	e := k.e
	e.t.Helper()
	want := map[string]string{}
	for n, b := range k.files {
		kind := "message"
		if moved[n] {
			kind = "event"
		}
		sum := sha256.Sum256(b)
		want[kind+"/"+n] = hex.EncodeToString(sum[:])
	}
	got := e.graphHolds()
	for name, sum := range want {
		if got[name] != sum {
			e.t.Errorf("%s: Graph holds %.12q, want %.12q", name, got[name], sum)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			e.t.Errorf("%s is on Graph but not declared", name)
		}
	}
	st, err := e.backend.Read(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	if len(st.Attachments) != len(want) || len(st.Sessions) != 0 || len(st.Intents) != 0 || len(st.Deposed) != 0 {
		e.t.Errorf("state: %d attachments (want %d), %d sessions, %d intents, %d deposed",
			len(st.Attachments), len(want), len(st.Sessions), len(st.Intents), len(st.Deposed))
	}
	if p, _ := e.plan(); p.HasChanges() {
		e.t.Errorf("the next plan has changes: %s", changes(p))
	}
}

// Kill the apply at every state write it makes, one run per write: the
// write that would record what Graph just did is lost, and nothing after
// it is recorded. The next apply (with the same sources, or with sources
// changed once more) must leave Graph holding exactly the declared
// attachments once each, byte for byte, with a clean plan after it.
func TestEveryKillPointConverges(t *testing.T) {
	if testing.Short() {
		t.Skip("runs one apply per state write")
	}
	for _, tc := range []struct {
		backend     string
		parallelism int
		changed     bool
	}{{"local", 1, false}, {"local", 0, true}, {"azurerm", 1, false}, {"azurerm", 0, true}} {
		parallelism, changed := tc.parallelism, tc.changed
		{
			t.Run(fmt.Sprintf("%s/parallelism=%d/sources-changed-after-kill=%v", tc.backend, parallelism, changed), func(t *testing.T) {
				on := backendFor(t, tc.backend)
				writes := countWrites(t, on, parallelism)
				if writes < 6 {
					t.Fatalf("a clean apply made only %d state writes", writes)
				}
				for n := 0; n < writes; n++ {
					t.Run(fmt.Sprintf("killed-after-%d-writes", n), func(t *testing.T) {
						k := &killScene{e: newEnvOn(t, on)}
						k.before()
						if _, res, err := k.e.apply(context.Background(), apply.Options{Parallelism: parallelism}); err != nil || len(res.Errors) > 0 {
							t.Fatalf("first apply: %v %v", err, res.Errors)
						}
						k.after(0)
						p, st := k.e.plan()
						dying := &dyingWriter{w: k.e.backend, n: n}
						_, _, err := apply.Run(context.Background(), p, st, dying, k.e.client, apply.Options{Parallelism: parallelism, Now: k.e.clock.Now})
						// Group commit can merge writes, so a parallel run may
						// make fewer than n and not be killed at all.
						if !errors.Is(err, errKilled) && (err != nil || dying.writes > n) {
							t.Fatalf("the killed apply ended with %v, want the kill", err)
						}
						if changed {
							k.after(1)
						}
						if _, res, err := k.e.apply(context.Background(), apply.Options{Parallelism: parallelism}); err != nil || len(res.Errors) > 0 {
							t.Fatalf("apply after the kill: %v %v", err, res.Errors)
						}
						k.converged(map[string]bool{"d.txt": true})
					})
				}
			})
		}
	}
}

// countWrites runs the edit cleanly once and counts its state writes.
func countWrites(t *testing.T, on func(dir string) state.Backend, parallelism int) int {
	k := &killScene{e: newEnvOn(t, on)}
	k.before()
	if _, res, err := k.e.apply(context.Background(), apply.Options{Parallelism: parallelism}); err != nil || len(res.Errors) > 0 {
		t.Fatalf("first apply: %v %v", err, res.Errors)
	}
	k.after(0)
	p, st := k.e.plan()
	counter := &dyingWriter{w: k.e.backend, n: -1}
	if _, res, err := apply.Run(context.Background(), p, st, counter, k.e.client, apply.Options{Parallelism: parallelism, Now: k.e.clock.Now}); err != nil || len(res.Errors) > 0 {
		t.Fatalf("clean apply: %v %v", err, res.Errors)
	}
	k.converged(map[string]bool{"d.txt": true})
	return counter.writes
}

// A source overwritten in place while it uploads never reaches Graph as a
// mix: the upload is cancelled before its last range commits, the change
// fails naming the file, and the state records nothing for it.
func TestSourceChangedDuringUploadIsCancelled(t *testing.T) {
	e := newEnv(t)
	original := content(9<<20, 7)
	e.write("files/big.bin", original)
	e.manifest("files/big.bin")
	p, st := e.plan()
	path := filepath.Join(e.dir, "files", "big.bin")
	var once sync.Once
	_, res, err := apply.Run(context.Background(), p, st, e.backend, e.client, apply.Options{Now: e.clock.Now, OnEvent: func(ev apply.Event) {
		if ev.Phase == apply.Progress && ev.Sent > 0 {
			once.Do(func() {
				// Overwrite the file in place, as an editor or a checkout would.
				if err := os.WriteFile(path, content(9<<20, 8), 0o644); err != nil {
					t.Error(err)
				}
			})
		}
	}})
	if err != nil || len(res.Errors) != 1 || !errors.Is(res.Errors[0], apply.ErrSourceChanged) {
		t.Fatalf("apply: %v %v; want one ErrSourceChanged", err, res.Errors)
	}
	if msg := res.Errors[0].Error(); !strings.Contains(msg, "files/big.bin") {
		t.Errorf("the error does not name the file: %s", msg)
	}
	if got := e.live(); len(got) != 0 {
		t.Fatalf("Graph holds %d attachments; the mixed upload must not complete", len(got))
	}
	persisted, err := e.backend.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(persisted.Attachments)+len(persisted.Sessions)+len(persisted.Intents) != 0 {
		t.Fatalf("state keeps %d attachments, %d sessions, %d intents; want nothing",
			len(persisted.Attachments), len(persisted.Sessions), len(persisted.Intents))
	}
	if s := e.srv.Stats(); s.OpenUploadSessions != 0 {
		t.Errorf("%d upload sessions left open; the changed upload must be cancelled", s.OpenUploadSessions)
	}
	// The file as it is now is planned and uploaded whole.
	if _, res, err := e.apply(context.Background(), apply.Options{}); err != nil || len(res.Errors) > 0 {
		t.Fatalf("apply again: %v %v", err, res.Errors)
	}
	if got := e.live(); !bytes.Equal(got["big.bin"], content(9<<20, 8)) {
		t.Fatal("the second apply did not upload the file as it is now")
	}
}

// newEnvOn is newEnv with the state in the backend on makes.
func newEnvOn(t *testing.T, on func(dir string) state.Backend) *env {
	e := newEnv(t)
	e.backend = on(e.dir)
	return e
}

// backendFor returns how to make a fresh state store of the named type:
// a file in the directory, or a blob of its own in Azurite (unpaced, so
// that one apply per write stays quick; the writes and their order are
// the same).
func backendFor(t *testing.T, name string) func(dir string) state.Backend {
	if name == "local" {
		return func(dir string) state.Backend { return local.New(filepath.Join(dir, "attachform.state.json")) }
	}
	endpoint, container := azurite.Container(t)
	c, err := azurite.Client(endpoint, container)
	if err != nil {
		t.Fatal(err)
	}
	var keys atomic.Int64
	return func(string) state.Backend {
		b := azurerm.New(c, fmt.Sprintf("kill-%d.json", keys.Add(1)))
		b.MinWriteInterval = 0
		return b
	}
}
