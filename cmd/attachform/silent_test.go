package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attachform/attachform/emulator"
	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/item"
)

// A Graph that goes silent mid-apply, as behind a dead proxy that holds
// connections open and sends nothing: the small file's POST takes effect
// but its answer stops half-way, the large file's range stops half-sent,
// and nothing after that is answered at all. The apply ends by itself,
// exit 1, naming the host and what it waited for, and no upload URL; once
// Graph answers again, the next apply converges: every file once, byte for
// byte, and a clean plan.
func TestSilentGraphEndsApplyThenConverges(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	srv, err := emulator.New(emulator.Options{Demo: true, AutoCreateMailboxes: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "quickstart")
	if err := copyDir(filepath.Join("..", "..", "examples", "quickstart"), dir); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(dir, "main.attach.hcl")
	src, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	// The shortest idle timeout a manifest may set keeps the test short.
	withIdle := strings.Replace(string(src), `endpoint = "emulator"`, "endpoint = \"emulator\"\n  idle_timeout = \"1s\"", 1)
	if withIdle == string(src) {
		t.Fatal("the quickstart's graph block changed: update this test")
	}
	if err := os.WriteFile(manifest, []byte(withIdle), 0o644); err != nil {
		t.Fatal(err)
	}

	stall := &silentGraph{}
	if err := srv.SetFaults(emulator.Faults{Stall: stall.pick}); err != nil {
		t.Fatal(err)
	}
	env := []string{"ATTACHFORM_GRAPH_ENDPOINT=" + srv.URL(), "NO_COLOR=1"}
	stall.arm()
	start := time.Now()
	code, out, errOut := runIn([]string{"-chdir=" + dir, "apply", "-auto-approve", "-no-color"}, env...)
	took := time.Since(start)
	t.Logf("apply against a silent Graph, %v:\n%s%s", took.Round(time.Millisecond), out, errOut)
	if code != exitError {
		t.Fatalf("exit %d, want 1", code)
	}
	if took > 20*time.Second {
		t.Errorf("the apply took %v with a 1s idle timeout; it should end within a few", took)
	}
	host := strings.TrimPrefix(srv.URL(), "http://")
	for _, w := range []string{"Graph (" + host + ") did not answer for 1s, 3 attempts", "Apply failed."} {
		if !strings.Contains(out+errOut, w) {
			t.Errorf("the output does not say %q", w)
		}
	}
	if kinds := stall.seen(); !kinds[emulator.StallMidAnswer] || !kinds[emulator.StallMidRequest] || !kinds[emulator.StallUnanswered] {
		t.Errorf("the stalls met were %v: the test did not run as designed", kinds)
	}
	// The upload URL's host may be named (it is what did not answer), never
	// the URL.
	for _, secret := range []string{"AttachmentSessions", "authtoken"} {
		if strings.Contains(out+errOut, secret) {
			t.Errorf("the output shows the upload URL (%q)", secret)
		}
	}

	// Graph answers again.
	stall.disarm()
	if code, out, errOut := runIn([]string{"-chdir=" + dir, "apply", "-auto-approve", "-no-color"}, env...); code != exitOK {
		t.Fatalf("the apply after Graph answered again: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := runIn([]string{"-chdir=" + dir, "plan", "-detailed-exitcode", "-no-color"}, env...); code != exitOK {
		t.Errorf("the plan after converging: exit %d, want 0 (no changes)\n%s%s", code, out, errOut)
	}
	st := decodeStateFile(t, filepath.Join(dir, "attachform.state.json"))
	if len(st.Attachments) != 2 || len(st.Intents) != 0 || len(st.Sessions) != 0 {
		t.Fatalf("state: %d attachments, %d intents, %d sessions; want 2, 0, 0", len(st.Attachments), len(st.Intents), len(st.Sessions))
	}
	client, err := graph.New(graph.Options{Endpoint: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"agenda.md": "agenda.md", "Onboarding roster.csv": "onboarding-roster.csv"}
	for _, a := range st.Attachments {
		want, err := os.ReadFile(filepath.Join(dir, "files", files[a.Name]))
		if err != nil {
			t.Fatalf("%s: %v", a.Name, err)
		}
		if n := countAndCheck(t, client, a.Target, a.Name, want); n != 1 {
			t.Errorf("%s is on its item %d times, want once", a.Name, n)
		}
	}
}

// silentGraph picks the stalls: once armed, the first small POST is served
// and its answer cut, the first range cut half-sent, the first upload
// session made as asked; after the first stall nothing else is answered.
type silentGraph struct {
	mu       sync.Mutex
	armed    bool
	stalled  bool
	sessions int
	met      map[emulator.StallKind]bool
}

func (g *silentGraph) arm() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.armed, g.met = true, map[emulator.StallKind]bool{}
}

func (g *silentGraph) disarm() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.armed = false
}

func (g *silentGraph) seen() map[emulator.StallKind]bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.met
}

func (g *silentGraph) pick(r *http.Request) emulator.StallKind {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.armed {
		return emulator.NoStall
	}
	kind := emulator.NoStall
	switch {
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/createUploadSession") && g.sessions == 0:
		g.sessions++
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/attachments") && !g.met[emulator.StallMidAnswer]:
		kind = emulator.StallMidAnswer
	case r.Method == http.MethodPut && !g.met[emulator.StallMidRequest]:
		kind = emulator.StallMidRequest
	case g.stalled:
		kind = emulator.StallUnanswered
	}
	if kind != emulator.NoStall {
		g.stalled = true
		g.met[kind] = true
	}
	return kind
}

// countAndCheck counts the attachments named name on it, and checks that
// each holds want.
func countAndCheck(t *testing.T, c *graph.Client, it item.Ref, name string, want []byte) int {
	t.Helper()
	ctx := context.Background()
	list, err := c.ListAttachments(ctx, it)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, a := range list {
		if a.Name != name {
			continue
		}
		n++
		rc, err := c.Content(ctx, it, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes on the item differ from the file's %d", name, len(got), len(want))
		}
	}
	return n
}
