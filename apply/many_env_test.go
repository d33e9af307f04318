package apply_test

// The harness of the many-changes tests: an emulator, a recorder of the
// requests apply sends, and checks of Graph against what is declared.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attachform/attachform/item"

	"github.com/attachform/attachform/apply"
	"github.com/attachform/attachform/emulator"
	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/state"
	"github.com/attachform/attachform/state/local"
)

// rangeSize is the upload-session range size of these tests: small, so a
// file just over the 3 MB session minimum takes several ranges and an upload
// can stop part-way.
const rangeSize = 1 << 20

// big is a size that must go through an upload session (4 ranges).
var big = int(item.Message.Traits().SmallMax + 100<<10)

// parallelisms are the two ways every case runs: one change at a time, and
// apply's default.
var parallelisms = []struct {
	name string
	n    int
}{{"parallelism=1", 1}, {"default parallelism", 0}}

// manyHeader declares three targets on the demo mailbox: its draft message,
// its event and its To Do task.
const manyHeader = header + `
data "event" "all_hands" {
  mailbox = "demo@contoso.example"
  filter  = "subject eq 'Quarterly all hands'"
}
target "all_hands" {
  mailbox = "demo@contoso.example"
  event   = data.event.all_hands.id
}
data "todo_list" "onboarding" {
  mailbox = "demo@contoso.example"
  name    = "Onboarding"
}
data "todo_task" "read" {
  mailbox = "demo@contoso.example"
  list_id = data.todo_list.onboarding.id
  title   = "Read the handbook"
}
target "read" {
  mailbox   = "demo@contoso.example"
  todo_list = data.todo_list.onboarding.id
  todo_task = data.todo_task.read.id
}
`

// decl is one attachment block: attachment.<name> on target.<target>, its
// source files/<name>.bin holding data, attached as <name>.bin.
type decl struct {
	name, target string
	data         []byte
}

func (d decl) address() string { return "attachment." + d.name }
func (d decl) file() string    { return d.name + ".bin" }

// recorder sees every HTTP request the client sends.
type recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	reqs []sentRequest
}

type sentRequest struct {
	method, url, contentRange string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, sentRequest{req.Method, req.URL.String(), req.Header.Get("Content-Range")})
	r.mu.Unlock()
	return r.base.RoundTrip(req)
}

// take returns the requests recorded since the last take.
func (r *recorder) take() []sentRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reqs
	r.reqs = nil
	return out
}

// newManyEnv is newEnv with a small range size, a request recorder, and
// retries that wait for nothing (Retry-After is observed, not slept).
func newManyEnv(t *testing.T) (*env, *recorder) {
	t.Helper()
	clock := emulator.NewFakeClock(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	srv, err := emulator.New(emulator.Options{Demo: true, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DisableCompression = true // $value's Content-Length is the real byte count
	t.Cleanup(tr.CloseIdleConnections)
	rec := &recorder{base: tr}
	client, err := graph.New(graph.Options{
		Endpoint:  srv.URL(),
		Now:       clock.Now,
		RangeSize: rangeSize,
		Transport: rec,
		Retry:     graph.RetryOptions{Wait: func(time.Duration) time.Duration { return 0 }},
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	return &env{t: t, dir: dir, srv: srv, client: client, clock: clock,
		backend: local.New(filepath.Join(dir, "attachform.state.json"))}, rec
}

// declare writes the sources and a manifest declaring exactly ds.
func (e *env) declare(ds []decl) {
	e.t.Helper()
	var b strings.Builder
	b.WriteString(manyHeader)
	for _, d := range ds {
		e.write("files/"+d.file(), d.data)
		fmt.Fprintf(&b, "attachment %q {\n  target = target.%s\n  source = %q\n}\n", d.name, d.target, "files/"+d.file())
	}
	e.write("main.attach.hcl", []byte(b.String()))
}

// items finds the three demo items by name, the way a person would, not
// through the state under test.
func (e *env) items() map[string]item.Ref {
	e.t.Helper()
	ctx := context.Background()
	one := func(what string, found []graph.ItemSummary, err error) string {
		e.t.Helper()
		if err != nil || len(found) != 1 {
			e.t.Fatalf("find the demo %s: %v %v", what, found, err)
		}
		return found[0].ID
	}
	mb := emulator.DemoMailbox
	found, err := e.client.FindMessages(ctx, mb, "subject eq '"+emulator.DemoMessageSubject+"'")
	msg := one("message", found, err)
	found, err = e.client.FindEvents(ctx, mb, "subject eq '"+emulator.DemoEventSubject+"'")
	ev := one("event", found, err)
	found, err = e.client.FindTodoLists(ctx, mb, emulator.DemoListName)
	list := one("list", found, err)
	found, err = e.client.FindTodoTasks(ctx, mb, list, emulator.DemoTaskTitle)
	task := one("task", found, err)
	return map[string]item.Ref{
		"welcome":   {Mailbox: mb, Kind: item.Message, ID: msg},
		"all_hands": {Mailbox: mb, Kind: item.Event, ID: ev},
		"read":      {Mailbox: mb, Kind: item.TodoTask, ID: task, ListID: list},
	}
}

// mustApply plans, checks the plan's changes other than no-ops against want
// (in the plan's order) when want is given, and applies the plan at
// parallelism n, wanting no error.
func (e *env) mustApply(n int, want ...string) apply.Result {
	e.t.Helper()
	p, st := e.plan()
	if len(want) > 0 {
		var todo []string
		for _, c := range p.Changes {
			if c.Action != plan.NoOp {
				todo = append(todo, c.Action.String()+" "+c.Address)
			}
		}
		if got := strings.Join(todo, ", "); got != strings.Join(want, ", ") {
			e.t.Fatalf("plan:\n  %s\nwant:\n  %s", got, strings.Join(want, ", "))
		}
	}
	_, res, err := apply.Run(context.Background(), p, st, e.backend, e.client, apply.Options{Parallelism: n, Now: e.clock.Now})
	if err != nil || len(res.Errors) > 0 {
		e.t.Fatalf("apply: fatal %v, errors %v", err, res.Errors)
	}
	return res
}

// liveAttachment is one attachment as Graph holds it.
type liveAttachment struct {
	id   string
	data []byte
}

// liveAll reads every attachment of the three demo items, content included:
// target name -> attachment name -> what Graph holds. An item holding one
// name twice is an error.
func (e *env) liveAll() map[string]map[string]liveAttachment {
	e.t.Helper()
	ctx := context.Background()
	out := map[string]map[string]liveAttachment{}
	for target, it := range e.items() {
		atts, err := e.client.ListAttachments(ctx, it)
		if err != nil {
			e.t.Fatal(err)
		}
		out[target] = map[string]liveAttachment{}
		for _, a := range atts {
			r, err := e.client.Content(ctx, it, a.ID)
			if err != nil {
				e.t.Fatal(err)
			}
			data, err := io.ReadAll(r)
			r.Close()
			if err != nil {
				e.t.Fatal(err)
			}
			if _, dup := out[target][a.Name]; dup {
				e.t.Errorf("the %s holds %s twice", target, a.Name)
			}
			out[target][a.Name] = liveAttachment{id: a.ID, data: data}
		}
	}
	return out
}

// verify checks that Graph holds exactly ds, byte for byte and once each;
// that the state records each of them with Graph's id, item and the digest
// of its bytes; that nothing is left pending (sessions or deposed
// attachments in state, open sessions on the server); and that the next plan
// has no changes. It returns the recorded attachments by address.
func (e *env) verify(ds []decl) map[string]state.Attachment {
	e.t.Helper()
	ctx := context.Background()

	// Graph first: it is what the user has.
	live := e.liveAll()
	items := e.items()
	for _, d := range ds {
		la, ok := live[d.target][d.file()]
		switch {
		case !ok:
			e.t.Errorf("%s: the %s does not hold %s", d.address(), d.target, d.file())
		case !bytes.Equal(la.data, d.data):
			e.t.Errorf("%s: the %s holds %d bytes as %s that differ from its file (%d bytes)", d.address(), d.target, len(la.data), d.file(), len(d.data))
		}
	}
	declared := map[string]decl{}
	for _, d := range ds {
		declared[d.target+"/"+d.file()] = d
	}
	for target, atts := range live {
		for name := range atts {
			if _, ok := declared[target+"/"+name]; !ok {
				e.t.Errorf("the %s holds %s, which is not declared there", target, name)
			}
		}
	}
	if s := e.srv.Stats(); s.OpenUploadSessions != 0 || s.Attachments != len(ds) {
		e.t.Errorf("the emulator holds %d attachments and %d open upload sessions; want %d and none", s.Attachments, s.OpenUploadSessions, len(ds))
	}

	// Then the state: it must describe exactly that.
	st, err := e.backend.Read(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	if len(st.Sessions) != 0 || len(st.Deposed) != 0 {
		e.t.Errorf("the state keeps %d upload sessions and %d deposed attachments", len(st.Sessions), len(st.Deposed))
	}
	recorded := map[string]state.Attachment{}
	var got, want []string
	for _, a := range st.Attachments {
		recorded[a.Address] = a
		got = append(got, a.Address)
	}
	for _, d := range ds {
		want = append(want, d.address())
		a, ok := recorded[d.address()]
		if !ok {
			continue
		}
		la, present := live[d.target][d.file()]
		sum := sha256.Sum256(d.data)
		switch {
		case !present:
			// Reported above.
		case a.Target != items[d.target] || a.Name != d.file():
			e.t.Errorf("%s: the state records %s on %s, declared on the %s", a.Address, a.Name, a.Target, d.target)
		case a.ID != la.id:
			e.t.Errorf("%s: the state records id %s, Graph holds %s as %s", a.Address, a.ID, d.file(), la.id)
		case a.SHA256 != hex.EncodeToString(sum[:]) || a.Bytes != int64(len(d.data)):
			e.t.Errorf("%s: the state records %s (%d bytes), the file is %x (%d bytes)", a.Address, a.SHA256, a.Bytes, sum, len(d.data))
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		e.t.Errorf("the state records %q, want %q", got, want)
	}
	if e.t.Failed() {
		e.t.FailNow()
	}
	if p, _ := e.plan(); p.HasChanges() {
		e.t.Fatalf("the next plan has changes: %s", changes(p))
	}
	return recorded
}

// sized declares name on target with n bytes made from seed.
func sized(name, target string, n int, seed byte) decl {
	return decl{name: name, target: target, data: blob(n, seed)}
}

// blob is content for large files that is cheap to make under the race
// detector: a pseudo-random block of the seed's repeated, each 4 KiB stamped
// with its offset, so bytes from the wrong place never match.
func blob(n int, seed byte) []byte {
	block := content(64<<10+7, seed)
	b := make([]byte, n)
	for off := 0; off < n; off += copy(b[off:], block) {
	}
	for off := 0; off+8 <= n; off += 4 << 10 {
		binary.LittleEndian.PutUint64(b[off:], uint64(off)<<8|uint64(seed))
	}
	return b
}
