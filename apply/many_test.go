package apply_test

// Many changes of one kind in one apply: remove N, replace N, move N,
// cancel N sessions, resume N sessions. Each runs at -parallelism=1 and at
// the default, and every apply is checked against Graph itself.
//
// These guard against a data-loss bug where a plan's changes pointed into the
// state's slices while apply shrank them: with several deletes in one run,
// deletes hit the wrong attachment, and resumes continued another
// attachment's upload session.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"github.com/attachform/attachform/item"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

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

func TestRemoveManyOfOneMore(t *testing.T) {
	for _, tc := range []struct {
		name    string
		targets []string // of each block, in address order
		keep    int      // the block that stays
	}{
		// The reported bug: a, b and c on one message, a and b removed.
		{"a,b,c to c", []string{"welcome", "welcome", "welcome"}, 2},
		{"12 to the last", slices.Repeat([]string{"welcome"}, 12), 11},
		{"12 to the first", slices.Repeat([]string{"welcome"}, 12), 0},
		{"12 on three items to one in the middle", slices.Repeat([]string{"welcome", "all_hands", "read"}, 4), 6},
	} {
		for _, par := range parallelisms {
			t.Run(tc.name+"/"+par.name, func(t *testing.T) {
				e, _ := newManyEnv(t)
				var all []decl
				for i, target := range tc.targets {
					name := string(rune('a' + i))
					all = append(all, sized(name, target, 1000+97*i, byte(i)))
				}
				e.declare(all)
				e.mustApply(par.n)
				before := e.verify(all)

				kept := all[tc.keep : tc.keep+1]
				e.declare(kept)
				var want []string
				for i, d := range all {
					if i != tc.keep {
						want = append(want, "delete "+d.address())
					}
				}
				res := e.mustApply(par.n, want...)
				if res.Destroyed != len(all)-1 || res.Added != 0 {
					t.Fatalf("destroyed %d, added %d; want %d destroyed", res.Destroyed, res.Added, len(all)-1)
				}
				after := e.verify(kept)
				if k := kept[0].address(); after[k].ID != before[k].ID {
					t.Fatalf("%s was re-created (id %s, was %s)", k, after[k].ID, before[k].ID)
				}
			})
		}
	}
}

func TestReplaceMany(t *testing.T) {
	type file struct {
		name, target string
		v1, v2       int // sizes; v2 0 = unchanged
	}
	files := []file{
		{"r01", "welcome", 1000, 1500},
		{"r02", "welcome", 20000, 20000}, // same size, other bytes
		{"r03", "welcome", big, big + 1}, // session to session
		{"r04", "welcome", 3000, 3500},
		{"r05", "read", big + 11, 2000}, // session to POST
		{"r06", "read", 100, 100},
		{"r07", "all_hands", 5000, 6000},
		{"r08", "all_hands", 9000, 9000},
		{"r09", "read", 4000, big + 19}, // To Do: POST to session
		{"k01", "welcome", 700, 0},
		{"k02", "read", 800, 0},
	}
	for _, par := range parallelisms {
		t.Run(par.name, func(t *testing.T) {
			e, _ := newManyEnv(t)
			var v1, v2 []decl
			var want []string
			for i, f := range files {
				d := sized(f.name, f.target, f.v1, byte(i))
				v1 = append(v1, d)
				if f.v2 != 0 {
					d = sized(f.name, f.target, f.v2, byte(100+i))
					want = append(want, "replace "+d.address())
				}
				v2 = append(v2, d)
			}
			e.declare(v1)
			e.mustApply(par.n)
			before := e.verify(v1)

			e.declare(v2)
			res := e.mustApply(par.n, want...)
			if res.Added != len(want) || res.Destroyed != len(want) {
				t.Fatalf("added %d, destroyed %d; want %d each", res.Added, res.Destroyed, len(want))
			}
			after := e.verify(v2)
			for _, f := range files {
				addr := "attachment." + f.name
				if changed := after[addr].ID != before[addr].ID; changed != (f.v2 != 0) {
					t.Errorf("%s: id %s before, %s after", addr, before[addr].ID, after[addr].ID)
				}
			}
		})
	}
}

func TestMoveMany(t *testing.T) {
	type file struct {
		name     string
		from, to string
		size     int
	}
	files := []file{
		{"m01", "welcome", "all_hands", 1000},
		{"m02", "welcome", "all_hands", 2000},
		{"m03", "welcome", "all_hands", 6000},
		{"m04", "welcome", "all_hands", 3000},
		{"m05", "welcome", "all_hands", 4000},
		{"m06", "read", "welcome", 5000},
		{"m07", "read", "welcome", big + 5},
		{"s01", "welcome", "welcome", 600},
		{"s02", "read", "read", 700},
	}
	for _, par := range parallelisms {
		t.Run(par.name, func(t *testing.T) {
			e, _ := newManyEnv(t)
			var v1, v2 []decl
			var want []string
			for i, f := range files {
				d := sized(f.name, f.from, f.size, byte(i))
				v1 = append(v1, d)
				d.target = f.to
				v2 = append(v2, d)
				if f.from != f.to {
					want = append(want, "replace "+d.address())
				}
			}
			e.declare(v1)
			e.mustApply(par.n)
			before := e.verify(v1)

			e.declare(v2)
			res := e.mustApply(par.n, want...)
			if res.Added != len(want) || res.Destroyed != len(want) {
				t.Fatalf("added %d, destroyed %d; want %d each", res.Added, res.Destroyed, len(want))
			}
			after := e.verify(v2)
			for _, f := range files {
				addr := "attachment." + f.name
				if moved := after[addr].ID != before[addr].ID; moved != (f.from != f.to) {
					t.Errorf("%s: id %s before, %s after", addr, before[addr].ID, after[addr].ID)
				}
			}
		})
	}
}

// sessionFiles are uploads big enough for a session, each of its own size
// (sizes key the fault that stops them) and stopped after its own number of
// ranges, on all three kinds of item.
func sessionFiles(n int) (ds []decl, cuts map[int64]int64) {
	targets := []string{"welcome", "all_hands", "read"}
	cuts = map[int64]int64{}
	for i := range n {
		size := big + 4099*i
		ds = append(ds, sized(fmt.Sprintf("u%02d", i), targets[i%3], size, byte(50+i)))
		cuts[int64(size)] = int64(1+i%3) * rangeSize
	}
	return ds, cuts
}

// interrupt applies ds with every upload session breaking off part-way:
// Graph answers 503 to each PUT from the file's cut on, so each session is
// left open having confirmed exactly its cut. It returns the sessions the
// state then records, by address.
//
// The interrupted apply goes through a client that does not retry: the
// 503s stand for a run that ends there, and a retried PUT is not what these
// tests are about.
func (e *env) interrupt(n int, ds []decl, cuts map[int64]int64) map[string]state.Session {
	e.t.Helper()
	oneShot, err := graph.New(graph.Options{Endpoint: e.srv.URL(), Now: e.clock.Now, RangeSize: rangeSize,
		Retry: graph.RetryOptions{MaxRetries: -1}})
	if err != nil {
		e.t.Fatal(err)
	}
	err = e.srv.SetFaults(emulator.Faults{Rate503: 1, Only: func(r *http.Request) bool {
		if r.Method != http.MethodPut {
			return false
		}
		start, total, ok := parseRange(r.Header.Get("Content-Range"))
		return ok && start >= cuts[total] && cuts[total] > 0
	}})
	if err != nil {
		e.t.Fatal(err)
	}
	p, st := e.plan()
	_, res, err := apply.Run(context.Background(), p, st, e.backend, oneShot, apply.Options{Parallelism: n, Now: e.clock.Now})
	if err != nil {
		e.t.Fatalf("interrupted apply: %v", err)
	}
	var failed []string
	for _, ce := range res.Errors {
		failed = append(failed, ce.Address)
	}
	slices.Sort(failed)
	var want []string
	for _, d := range ds {
		if cuts[int64(len(d.data))] > 0 {
			want = append(want, d.address())
		}
	}
	if !slices.Equal(failed, want) {
		e.t.Fatalf("the interrupted apply failed %q (%v), want the uploads %q", failed, res.Errors, want)
	}
	if err := e.srv.SetFaults(emulator.Faults{}); err != nil {
		e.t.Fatal(err)
	}
	st, err = e.backend.Read(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	sessions := map[string]state.Session{}
	for _, s := range st.Sessions {
		if _, dup := sessions[s.Address]; dup {
			e.t.Fatalf("two sessions for %s", s.Address)
		}
		if cut := cuts[s.Bytes]; s.Confirmed != cut {
			e.t.Fatalf("%s: session confirmed %d bytes, Graph took %d", s.Address, s.Confirmed, cut)
		}
		sessions[s.Address] = s
	}
	if len(sessions) != len(want) || e.srv.Stats().OpenUploadSessions != len(want) {
		e.t.Fatalf("%d sessions in state, %d open on the server; want %d", len(sessions), e.srv.Stats().OpenUploadSessions, len(want))
	}
	return sessions
}

// parseRange reads "bytes START-END/TOTAL".
func parseRange(h string) (start, total int64, ok bool) {
	r, ok := strings.CutPrefix(h, "bytes ")
	if !ok {
		return 0, 0, false
	}
	span, tot, ok := strings.Cut(r, "/")
	from, _, ok2 := strings.Cut(span, "-")
	if !ok || !ok2 {
		return 0, 0, false
	}
	start, err1 := strconv.ParseInt(from, 10, 64)
	total, err2 := strconv.ParseInt(tot, 10, 64)
	return start, total, err1 == nil && err2 == nil
}

// sessionURL maps a request URL to the upload session it belongs to: To Do
// ranges go to {uploadUrl}/content.
func sessionURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = strings.TrimSuffix(u.Path, "/content")
	u.RawPath = strings.TrimSuffix(u.RawPath, "/content")
	return u.String()
}

func normalURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.String()
}

// checkResumed checks that every session was continued on its own upload URL
// from the byte it had confirmed to its file's end, that nothing was sent
// twice or anywhere else, and that no session was opened anew.
func checkResumed(t *testing.T, reqs []sentRequest, sessions map[string]state.Session) {
	t.Helper()
	byURL := map[string]state.Session{}
	for _, s := range sessions {
		byURL[normalURL(s.UploadURL)] = s
	}
	next := map[string]int64{}
	for _, r := range reqs {
		if r.method == http.MethodPost && strings.HasSuffix(r.url, "/createUploadSession") {
			t.Errorf("a resume opened a new upload session")
		}
		if r.method != http.MethodPut {
			continue
		}
		u := sessionURL(r.url)
		s, ok := byURL[u]
		if !ok {
			t.Errorf("a range (%s) went to an upload URL no resumed session has", r.contentRange)
			continue
		}
		start, total, _ := parseRange(r.contentRange)
		if _, begun := next[u]; !begun {
			next[u] = s.Confirmed
		}
		if start != next[u] || total != s.Bytes {
			t.Errorf("%s: range %q, want bytes %d-…/%d: it continued another session or resent bytes", s.Address, r.contentRange, next[u], s.Bytes)
			continue
		}
		next[u] = min(start+rangeSize, total)
	}
	for u, s := range byURL {
		if next[u] != s.Bytes {
			t.Errorf("%s: its session was continued to byte %d of %d", s.Address, next[u], s.Bytes)
		}
	}
}

func TestCancelManySessions(t *testing.T) {
	for _, par := range parallelisms {
		t.Run(par.name, func(t *testing.T) {
			e, rec := newManyEnv(t)
			uploads, cuts := sessionFiles(6)
			keep := []decl{sized("k01", "welcome", 900, 1), sized("k02", "read", 800, 2)}
			e.declare(append(slices.Clone(keep), uploads...))
			sessions := e.interrupt(par.n, uploads, cuts)

			e.declare(keep)
			var want []string
			for _, d := range uploads {
				want = append(want, "cancel "+d.address())
			}
			rec.take()
			res := e.mustApply(par.n, want...)
			if res.Cancelled != len(uploads) || res.Added != 0 {
				t.Fatalf("cancelled %d, added %d; want %d cancelled", res.Cancelled, res.Added, len(uploads))
			}
			// Each session was cancelled once, on its own URL.
			deletes := map[string]int{}
			for _, r := range rec.take() {
				if r.method == http.MethodDelete && !strings.Contains(r.url, "/attachments/") {
					deletes[normalURL(r.url)]++
				}
			}
			for _, s := range sessions {
				if n := deletes[normalURL(s.UploadURL)]; n != 1 {
					t.Errorf("%s: its session was cancelled %d times", s.Address, n)
				}
			}
			if len(deletes) != len(sessions) {
				t.Errorf("%d upload URLs cancelled, %d sessions were open", len(deletes), len(sessions))
			}
			e.verify(keep)
		})
	}
}

func TestResumeManySessions(t *testing.T) {
	for _, par := range parallelisms {
		t.Run(par.name, func(t *testing.T) {
			e, rec := newManyEnv(t)
			uploads, cuts := sessionFiles(6)
			all := append([]decl{sized("k01", "welcome", 900, 1)}, uploads...)
			e.declare(all)
			sessions := e.interrupt(par.n, uploads, cuts)

			var want []string
			for _, d := range uploads {
				want = append(want, "resume "+d.address())
			}
			rec.take()
			res := e.mustApply(par.n, want...)
			if res.Resumed != len(uploads) {
				t.Fatalf("resumed %d, want %d", res.Resumed, len(uploads))
			}
			checkResumed(t, rec.take(), sessions)
			e.verify(all)
		})
	}
}

// TestCancelAndResumeManySessions cancels half the open sessions and resumes
// the other half in one apply: the cancellations run first and shrink the
// state's sessions while the resumes are still to come.
func TestCancelAndResumeManySessions(t *testing.T) {
	for _, par := range parallelisms {
		t.Run(par.name, func(t *testing.T) {
			e, rec := newManyEnv(t)
			uploads, cuts := sessionFiles(6)
			e.declare(uploads)
			sessions := e.interrupt(par.n, uploads, cuts)

			var kept []decl
			var cancels, resumes []string
			resumed := map[string]state.Session{}
			for i, d := range uploads {
				if i%2 == 0 {
					cancels = append(cancels, "cancel "+d.address())
					continue
				}
				kept = append(kept, d)
				resumes = append(resumes, "resume "+d.address())
				resumed[d.address()] = sessions[d.address()]
			}
			e.declare(kept)
			rec.take()
			res := e.mustApply(par.n, append(cancels, resumes...)...)
			if res.Cancelled != len(cancels) || res.Resumed != len(resumes) {
				t.Fatalf("cancelled %d, resumed %d; want %d and %d", res.Cancelled, res.Resumed, len(cancels), len(resumes))
			}
			checkResumed(t, rec.take(), resumed)
			e.verify(kept)
		})
	}
}

// TestDeleteManyDeposed finishes many replacements that were interrupted
// between uploading the new attachment and deleting the old one: the next
// apply deletes every deposed attachment, each its own.
func TestDeleteManyDeposed(t *testing.T) {
	for _, par := range parallelisms {
		t.Run(par.name, func(t *testing.T) {
			e, _ := newManyEnv(t)
			targets := []string{"welcome", "all_hands", "read"}
			var v1, v2 []decl
			var want []string
			for i := range 9 {
				size := 1000 + 131*i
				if i == 4 {
					size = big
				}
				d := sized(fmt.Sprintf("d%02d", i), targets[i%3], size, byte(i))
				v1 = append(v1, d)
				d.data = blob(size+1, byte(100+i))
				v2 = append(v2, d)
				want = append(want, "delete "+d.address())
			}
			e.declare(v1)
			e.mustApply(par.n)
			e.verify(v1)

			// Graph refuses every delete: each replacement uploads its new
			// attachment and keeps the old one as deposed.
			if err := e.srv.SetFaults(emulator.Faults{Rate503: 1, Only: func(r *http.Request) bool {
				return r.Method == http.MethodDelete
			}}); err != nil {
				t.Fatal(err)
			}
			e.declare(v2)
			if _, res, err := e.apply(context.Background(), apply.Options{Parallelism: par.n}); err != nil || len(res.Errors) != len(v2) {
				t.Fatalf("interrupted replacements: fatal %v, %d errors (%v); want one per replacement", err, len(res.Errors), res.Errors)
			}
			if err := e.srv.SetFaults(emulator.Faults{}); err != nil {
				t.Fatal(err)
			}
			st, err := e.backend.Read(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Deposed) != len(v1) {
				t.Fatalf("%d deposed attachments in state, want %d", len(st.Deposed), len(v1))
			}

			res := e.mustApply(par.n, want...)
			if res.Destroyed != len(v1) || res.Added != 0 {
				t.Fatalf("destroyed %d, added %d; want %d destroyed", res.Destroyed, res.Added, len(v1))
			}
			e.verify(v2)
		})
	}
}
