package apply_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
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
	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
	"github.com/attachform/attachform/state/local"
)

// env is a configuration directory planned and applied against a fresh
// emulator through the real client.
type env struct {
	t       *testing.T
	dir     string
	srv     *emulator.Server
	client  *graph.Client
	backend state.Backend // a local file, unless newEnvOn says otherwise
	clock   *emulator.FakeClock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clock := emulator.NewFakeClock(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	srv, err := emulator.New(emulator.Options{Demo: true, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	client, err := graph.New(graph.Options{Endpoint: srv.URL(), Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	return &env{t: t, dir: dir, srv: srv, client: client, clock: clock,
		backend: local.New(filepath.Join(dir, "attachform.state.json"))}
}

const header = `
data "message" "welcome" {
  mailbox = "demo@contoso.example"
  filter  = "subject eq 'Welcome to attachform'"
}
target "welcome" {
  mailbox = "demo@contoso.example"
  message = data.message.welcome.id
}
`

// write creates a file in the configuration directory.
func (e *env) write(name string, content []byte) {
	e.t.Helper()
	path := filepath.Join(e.dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(path, content, 0o644); err != nil {
		e.t.Fatal(err)
	}
}

// manifest declares one attachment per source file on the welcome draft.
func (e *env) manifest(sources ...string) {
	var b strings.Builder
	b.WriteString(header)
	for _, s := range sources {
		name := strings.TrimSuffix(filepath.Base(s), filepath.Ext(s))
		fmt.Fprintf(&b, "attachment %q {\n  target = target.welcome\n  source = %q\n}\n", name, s)
	}
	e.write("main.attach.hcl", []byte(b.String()))
}

func (e *env) plan() (*plan.Plan, *state.State) {
	e.t.Helper()
	ctx := context.Background()
	cfg, diags := spec.Load(ctx, e.dir, spec.LoadOptions{Data: plan.Lookups{Client: e.client}})
	if diags.HasErrors() {
		e.t.Fatal(diags)
	}
	st, err := e.backend.Read(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	live, err := plan.Refresh(ctx, e.client, plan.Touched(cfg, st))
	if err != nil {
		e.t.Fatal(err)
	}
	// The mass-destroy guard has its own tests; these are about applying.
	p, diags := plan.Build(ctx, cfg, st, live, e.client, plan.Options{Now: e.clock.Now(), AllowMassDestroy: true})
	if diags.HasErrors() {
		e.t.Fatal(diags)
	}
	return p, st
}

func (e *env) apply(ctx context.Context, opts apply.Options) (*state.State, apply.Result, error) {
	p, st := e.plan()
	opts.Now = e.clock.Now
	return apply.Run(ctx, p, st, e.backend, e.client, opts)
}

func changes(p *plan.Plan) string {
	var out []string
	for _, c := range p.Changes {
		out = append(out, c.Action.String()+" "+c.Address)
	}
	return strings.Join(out, ", ")
}

// content returns a deterministic, incompressible-enough file of n bytes.
func content(n int, seed byte) []byte {
	b := make([]byte, n)
	x := uint32(seed) + 1
	for i := range b {
		x = x*1664525 + 1013904223
		b[i] = byte(x >> 24)
	}
	return b
}

// draft is the welcome draft the manifests attach to.
func (e *env) draft() item.Ref {
	e.t.Helper()
	found, err := e.client.FindMessages(context.Background(), emulator.DemoMailbox, "subject eq 'Welcome to attachform'")
	if err != nil || len(found) != 1 {
		e.t.Fatalf("find the draft: %v %v", found, err)
	}
	return item.Ref{Mailbox: emulator.DemoMailbox, Kind: item.Message, ID: found[0].ID}
}

// live returns name -> bytes of what the welcome draft holds.
func (e *env) live() map[string][]byte {
	e.t.Helper()
	ctx := context.Background()
	it := e.draft()
	atts, err := e.client.ListAttachments(ctx, it)
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string][]byte{}
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
		if _, dup := out[a.Name]; dup {
			e.t.Fatalf("%s is attached twice", a.Name)
		}
		out[a.Name] = data
	}
	return out
}

func TestApplyUploadsSmallAndLargeFilesAndRecordsThem(t *testing.T) {
	e := newEnv(t)
	small, large := content(2000, 1), content(5<<20+123, 2)
	e.write("files/small.bin", small)
	e.write("files/large.bin", large)
	e.manifest("files/small.bin", "files/large.bin")

	st, res, err := e.apply(context.Background(), apply.Options{})
	if err != nil || len(res.Errors) > 0 {
		t.Fatalf("apply: %v %v", err, res.Errors)
	}
	if res.Added != 2 {
		t.Fatalf("added %d, want 2", res.Added)
	}
	got := e.live()
	if !bytes.Equal(got["small.bin"], small) || !bytes.Equal(got["large.bin"], large) || len(got) != 2 {
		t.Fatalf("the draft holds %d attachments, not the two files byte for byte", len(got))
	}
	persisted, err := e.backend.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(persisted.Attachments) != 2 || len(persisted.Sessions) != 0 || persisted.Serial != st.Serial {
		t.Fatalf("persisted state: %d attachments, %d sessions, serial %d (returned serial %d)",
			len(persisted.Attachments), len(persisted.Sessions), persisted.Serial, st.Serial)
	}
	for _, a := range persisted.Attachments {
		if a.ReportedSize == a.Bytes || a.ReportedSize == 0 {
			t.Errorf("%s: reported size %d should be Graph's figure, not the byte count %d", a.Address, a.ReportedSize, a.Bytes)
		}
	}
	if p, _ := e.plan(); p.HasChanges() {
		t.Fatalf("a second plan has changes: %s", changes(p))
	}
}

func TestInterruptedUploadIsResumedWithoutResendingConfirmedBytes(t *testing.T) {
	e := newEnv(t)
	large := content(12<<20, 3)
	e.write("files/large.bin", large)
	e.manifest("files/large.bin")

	ctx, cancel := context.WithCancel(context.Background())
	var once sync.Once
	_, res, err := e.apply(ctx, apply.Options{OnEvent: func(ev apply.Event) {
		if ev.Phase == apply.Progress && ev.Sent > 0 {
			once.Do(cancel) // Ctrl-C after the first confirmed range
		}
	}})
	if err != nil || len(res.Errors) != 0 || len(res.Unfinished) != 1 || res.Unfinished[0] != "attachment.large" {
		t.Fatalf("interrupted apply: fatal %v, errors %v, unfinished %v; want attachment.large unfinished", err, res.Errors, res.Unfinished)
	}
	st, err := e.backend.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Sessions) != 1 || len(st.Attachments) != 0 {
		t.Fatalf("after the interruption the state has %d sessions, %d attachments; want the open session only", len(st.Sessions), len(st.Attachments))
	}
	sent := st.Sessions[0].Confirmed
	if sent <= 0 || sent >= int64(len(large)) {
		t.Fatalf("confirmed %d bytes; want part of the file", sent)
	}

	p, _ := e.plan()
	if got := changes(p); got != "resume attachment.large" {
		t.Fatalf("plan after the interruption: %q, want a resume", got)
	}
	before := e.srv.Stats().Requests.ByMethod["PUT"]
	_, res, err = e.apply(context.Background(), apply.Options{})
	if err != nil || len(res.Errors) > 0 || res.Resumed != 1 {
		t.Fatalf("resume: %v %v %+v", err, res.Errors, res)
	}
	puts := e.srv.Stats().Requests.ByMethod["PUT"] - before
	rangeSize := int64(graph.DefaultRangeSize)
	if want := (int64(len(large)) - sent + rangeSize - 1) / rangeSize; puts != want {
		t.Fatalf("resume sent %d ranges, want %d: confirmed bytes were sent again", puts, want)
	}
	if got := e.live(); !bytes.Equal(got["large.bin"], large) {
		t.Fatal("the resumed attachment differs from the file")
	}
}

func TestExpiredSessionIsCancelledAndTheFileUploadedAnew(t *testing.T) {
	e := newEnv(t)
	large := content(6<<20, 4)
	e.write("files/large.bin", large)
	e.manifest("files/large.bin")
	ctx, cancel := context.WithCancel(context.Background())
	var once sync.Once
	e.apply(ctx, apply.Options{OnEvent: func(ev apply.Event) {
		if ev.Phase == apply.Progress && ev.Sent > 0 {
			once.Do(cancel)
		}
	}})
	e.clock.Advance(3 * time.Hour) // past the emulator's session lifetime

	p, _ := e.plan()
	if got := changes(p); got != "cancel attachment.large, create attachment.large" {
		t.Fatalf("plan after expiry: %q", got)
	}
	_, res, err := e.apply(context.Background(), apply.Options{})
	if err != nil || len(res.Errors) > 0 || res.Cancelled != 1 || res.Added != 1 {
		t.Fatalf("apply after expiry: %v %v %+v", err, res.Errors, res)
	}
	if s := e.srv.Stats(); s.OpenUploadSessions != 0 {
		t.Fatalf("%d upload sessions left open", s.OpenUploadSessions)
	}
	if got := e.live(); !bytes.Equal(got["large.bin"], large) || len(got) != 1 {
		t.Fatal("the draft does not hold exactly the file")
	}
}

// An upload session that expires mid-upload is started over, but only
// after looking: here an identical attachment arrived on the draft while
// the upload was under way, and it is recorded instead of a second copy.
func TestExpiredSessionLooksBeforeStartingOver(t *testing.T) {
	e := newEnv(t)
	large := content(6<<20, 5)
	e.write("files/large.bin", large)
	e.manifest("files/large.bin")
	var once sync.Once
	other, err := graph.New(graph.Options{Endpoint: e.srv.URL(), Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	_, res, err := e.apply(context.Background(), apply.Options{Parallelism: 1, OnEvent: func(ev apply.Event) {
		if ev.Phase != apply.Progress || ev.Sent == 0 {
			return
		}
		once.Do(func() {
			it := e.draft()
			s, err := other.CreateUploadSession(context.Background(), it, graph.NewAttachment{Name: "large.bin", ContentType: "application/octet-stream", Size: int64(len(large))})
			if err == nil {
				_, err = other.Upload(context.Background(), s, bytes.NewReader(large), int64(len(large)), nil)
			}
			if err != nil {
				t.Errorf("the other upload: %v", err)
			}
			e.clock.Advance(3 * time.Hour) // past the lifetime of apply's session
		})
	}})
	if err != nil || len(res.Errors) > 0 {
		t.Fatalf("apply: %v %v %+v", err, res.Errors, res)
	}
	atts, err := e.client.ListAttachments(context.Background(), e.draft())
	if err != nil || len(atts) != 1 {
		t.Fatalf("the draft holds %d attachments (%v), want the one file once", len(atts), err)
	}
	if got := e.live(); !bytes.Equal(got["large.bin"], large) {
		t.Fatal("the attachment differs from the file")
	}
	st, _ := e.backend.Read(context.Background())
	if len(st.Attachments) != 1 || st.Attachments[0].ID != atts[0].ID || len(st.Sessions) != 0 || len(st.Intents) != 0 {
		t.Fatalf("state: %+v", st)
	}
}

// The upload finishes but reading the new attachment back fails: it is
// recorded all the same, by the id Graph gave, so that removing its block
// later deletes it rather than leaving it unowned.
func TestUploadedButUnreadableIsStillRecorded(t *testing.T) {
	e := newEnv(t)
	large := content(4<<20, 6)
	e.write("files/large.bin", large)
	e.manifest("files/large.bin")
	readBack := regexp.MustCompile(`/attachments/[^/$]+$`)
	if err := e.srv.SetFaults(emulator.Faults{Rate503: 1, RetryAfterZero: true, Only: func(r *http.Request) bool {
		return r.Method == http.MethodGet && readBack.MatchString(r.URL.Path)
	}}); err != nil {
		t.Fatal(err)
	}
	_, res, err := e.apply(context.Background(), apply.Options{})
	if err != nil || len(res.Errors) > 0 || res.Added != 1 {
		t.Fatalf("apply: %v %v %+v", err, res.Errors, res)
	}
	if err := e.srv.SetFaults(emulator.Faults{}); err != nil {
		t.Fatal(err)
	}
	atts, err := e.client.ListAttachments(context.Background(), e.draft())
	if err != nil || len(atts) != 1 {
		t.Fatalf("the draft holds %d attachments (%v), want one", len(atts), err)
	}
	st, _ := e.backend.Read(context.Background())
	if len(st.Attachments) != 1 || st.Attachments[0].ID != atts[0].ID || len(st.Sessions)+len(st.Intents) != 0 {
		t.Fatalf("state: %+v", st)
	}
	// Removed from the manifests, it is deleted.
	e.manifest()
	if _, res, err := e.apply(context.Background(), apply.Options{}); err != nil || len(res.Errors) > 0 || res.Destroyed != 1 {
		t.Fatalf("apply after removing the block: %v %v %+v", err, res.Errors, res)
	}
	if atts, _ := e.client.ListAttachments(context.Background(), e.draft()); len(atts) != 0 {
		t.Fatalf("the draft still holds %d attachments", len(atts))
	}
}

func TestReplacementPassesThroughDeposedAndDeletesTheOld(t *testing.T) {
	e := newEnv(t)
	e.write("files/a.txt", []byte("first version"))
	e.manifest("files/a.txt")
	if _, res, err := e.apply(context.Background(), apply.Options{}); err != nil || len(res.Errors) > 0 {
		t.Fatal(err, res.Errors)
	}
	e.write("files/a.txt", []byte("second version"))
	p, _ := e.plan()
	if got := changes(p); got != "replace attachment.a" || p.Changes[0].DestroyFirst {
		t.Fatalf("plan: %q (destroy first: %v), want a create-before-destroy replacement", got, p.Changes[0].DestroyFirst)
	}
	_, res, err := e.apply(context.Background(), apply.Options{})
	if err != nil || len(res.Errors) > 0 || res.Added != 1 || res.Destroyed != 1 {
		t.Fatalf("apply: %v %v %+v", err, res.Errors, res)
	}
	st, _ := e.backend.Read(context.Background())
	if len(st.Deposed) != 0 || len(st.Attachments) != 1 {
		t.Fatalf("state: %d deposed, %d attachments", len(st.Deposed), len(st.Attachments))
	}
	if got := e.live(); string(got["a.txt"]) != "second version" || len(got) != 1 {
		t.Fatalf("draft holds %q", got)
	}
}

// A replacement creates the new attachment before it deletes the old, and
// records the old as deposed before the delete is sent: a run killed
// between the two leaves the old attachment live on Graph and deposed in
// the state, never an attachment gone with nothing in its place. The
// emulator's fault hook sees each request arrive; when the DELETE comes,
// the state on disk is what a kill there would leave, and the DELETE is
// refused (as if it never ran) to look at Graph after.
func TestReplacementCreatesBeforeItDeletes(t *testing.T) {
	e := newEnv(t)
	e.write("files/a.txt", []byte("first version"))
	e.manifest("files/a.txt")
	first, res, err := e.apply(context.Background(), apply.Options{})
	if err != nil || len(res.Errors) > 0 {
		t.Fatal(err, res.Errors)
	}
	oldID := first.Attachments[0].ID
	e.write("files/a.txt", []byte("second version"))

	var (
		mu       sync.Mutex
		order    []string
		atDelete *state.State
	)
	err = e.srv.SetFaults(emulator.Faults{
		Rate503: 1, RetryAfterZero: true,
		Only: func(r *http.Request) bool {
			mu.Lock()
			defer mu.Unlock()
			// The attachment's create (POST …/attachments) and delete; not
			// the reads, which go as POST $batch.
			if (r.Method != http.MethodPost && r.Method != http.MethodDelete) || !strings.Contains(r.URL.Path, "/attachments") {
				return false
			}
			order = append(order, r.Method)
			if r.Method != http.MethodDelete {
				return false
			}
			if atDelete == nil {
				atDelete = readStateFile(t, filepath.Join(e.dir, "attachform.state.json"))
			}
			return true // refused: the old attachment stays, as after a kill
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, res, _ = e.apply(context.Background(), apply.Options{Parallelism: 1})
	if err := e.srv.SetFaults(emulator.Faults{}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(order) < 2 || order[0] != http.MethodPost || !slices.Contains(order, http.MethodDelete) {
		t.Fatalf("requests %q: want the new attachment's POST before the old one's DELETE", order)
	}
	if atDelete == nil {
		t.Fatal("no DELETE was sent")
	}
	if len(atDelete.Deposed) != 1 || atDelete.Deposed[0].ID != oldID {
		t.Errorf("when the DELETE was sent the state had deposed %+v, want the old attachment %s", atDelete.Deposed, oldID)
	}
	if len(atDelete.Attachments) != 1 || atDelete.Attachments[0].ID == oldID {
		t.Errorf("when the DELETE was sent the state had attachments %+v, want the new one", atDelete.Attachments)
	}
	atts, err := e.client.ListAttachments(context.Background(), e.draft())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range atts {
		ids = append(ids, a.ID)
	}
	if len(ids) != 2 || !slices.Contains(ids, oldID) {
		t.Errorf("Graph holds %q after the refused DELETE, want the old %s and the new", ids, oldID)
	}
	// The next run deletes the deposed one, and Graph holds the new only.
	if _, res, err = e.apply(context.Background(), apply.Options{}); err != nil || len(res.Errors) > 0 {
		t.Fatal(err, res.Errors)
	}
	if got := e.live(); len(got) != 1 || string(got["a.txt"]) != "second version" {
		t.Fatalf("after the next apply Graph holds %q", got)
	}
}

// readStateFile reads a local state file without the backend, as a kill
// would leave it.
func readStateFile(t *testing.T, path string) *state.State {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Error(err)
		return &state.State{}
	}
	st, err := state.Decode(bytes.NewReader(b))
	if err != nil {
		t.Error(err)
		return &state.State{}
	}
	return st
}

// failingWriter is a state store whose disk fills up after n writes.
type failingWriter struct {
	mu sync.Mutex
	n  int
}

func (w *failingWriter) Write(ctx context.Context, s *state.State) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.n == 0 {
		return errors.New("no space left on device")
	}
	w.n--
	return nil
}

func TestStateWriteFailureStopsTheRun(t *testing.T) {
	e := newEnv(t)
	var names []string
	for i := range 6 {
		name := fmt.Sprintf("files/f%d.txt", i)
		e.write(name, []byte(name))
		names = append(names, name)
	}
	e.manifest(names...)
	p, st := e.plan()
	_, res, err := apply.Run(context.Background(), p, st, &failingWriter{n: 1}, e.client, apply.Options{Parallelism: 1})
	if err == nil || !strings.Contains(err.Error(), "no space left on device") {
		t.Fatalf("fatal error = %v; want the write failure", err)
	}
	if res.Added > 1 {
		t.Fatalf("%d attachments added after the state stopped being saved", res.Added)
	}
}

func TestParallelismBoundsChangesInFlight(t *testing.T) {
	e := newEnv(t)
	var names []string
	for i := range 8 {
		name := fmt.Sprintf("files/f%d.txt", i)
		e.write(name, []byte(name))
		names = append(names, name)
	}
	e.manifest(names...)
	var mu sync.Mutex
	inFlight, peak := 0, 0
	_, res, err := e.apply(context.Background(), apply.Options{Parallelism: 2, OnEvent: func(ev apply.Event) {
		mu.Lock()
		defer mu.Unlock()
		switch ev.Phase {
		case apply.Started:
			inFlight++
			peak = max(peak, inFlight)
		case apply.Finished, apply.Failed:
			inFlight--
		}
	}})
	if err != nil || len(res.Errors) > 0 || res.Added != 8 {
		t.Fatalf("apply: %v %v %+v", err, res.Errors, res)
	}
	if peak > 2 {
		t.Fatalf("%d changes in flight, parallelism is 2", peak)
	}
}

// resetAfterCommit makes the emulator carry out every request only matches
// and then drop the connection before answering.
func (e *env) resetAfterCommit(only func(r *http.Request) bool) {
	e.t.Helper()
	if err := e.srv.SetFaults(emulator.Faults{RateReset: 1, Only: only}); err != nil {
		e.t.Fatal(err)
	}
}

func TestLostAnswersAreAdoptedNotDuplicated(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int
		lost func(r *http.Request) bool
	}{
		{"small POST", 1000, func(r *http.Request) bool {
			return r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/attachments")
		}},
		{"final range of a session", 4 << 20, func(r *http.Request) bool {
			return r.Method == "PUT" && strings.HasPrefix(r.Header.Get("Content-Range"), "bytes 3932160-")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			data := content(tc.size, 5)
			e.write("files/report.bin", data)
			e.manifest("files/report.bin")
			e.resetAfterCommit(tc.lost)

			_, res, err := e.apply(context.Background(), apply.Options{})
			if err != nil || len(res.Errors) > 0 || res.Added != 1 {
				t.Fatalf("apply: %v %v %+v", err, res.Errors, res)
			}
			if got := e.srv.Stats(); got.Faults.Reset != 1 || got.Attachments != 1 {
				t.Fatalf("%d answers lost, %d attachments on the emulator; want one lost answer and one attachment", got.Faults.Reset, got.Attachments)
			}
			if got := e.live(); !bytes.Equal(got["report.bin"], data) {
				t.Fatal("the attachment differs from the file")
			}
			e.srv.SetFaults(emulator.Faults{})
			if p, _ := e.plan(); p.HasChanges() {
				t.Fatalf("plan after adoption: %s", changes(p))
			}
		})
	}
}

func TestTodoTaskTakesSmallAndLargeFiles(t *testing.T) {
	e := newEnv(t)
	small, large := content(100, 6), content(9<<20, 7)
	e.write("files/notes.txt", small)
	e.write("files/handbook.bin", large)
	e.write("main.attach.hcl", []byte(`
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
attachment "notes" {
  target = target.read
  source = "files/notes.txt"
}
attachment "handbook" {
  target = target.read
  source = "files/handbook.bin"
}
`))
	st, res, err := e.apply(context.Background(), apply.Options{})
	if err != nil || len(res.Errors) > 0 || res.Added != 2 {
		t.Fatalf("apply: %v %v %+v", err, res.Errors, res)
	}
	byName := map[string]state.Attachment{}
	for _, a := range st.Attachments {
		byName[a.Name] = a
	}
	it := byName["handbook.bin"].Target
	for name, want := range map[string][]byte{"notes.txt": small, "handbook.bin": large} {
		r, err := e.client.Content(context.Background(), it, byName[name].ID)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(r)
		r.Close()
		if !bytes.Equal(got, want) {
			t.Fatalf("%s on the task differs from the file", name)
		}
	}
	if p, _ := e.plan(); p.HasChanges() {
		t.Fatalf("second plan: %s", changes(p))
	}
}
