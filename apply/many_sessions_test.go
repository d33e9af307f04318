package apply_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/attachform/attachform/apply"
	"github.com/attachform/attachform/emulator"
	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/state"
)

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
