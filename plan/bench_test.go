package plan_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attachform/attachform/content"
	"github.com/attachform/attachform/emulator"
	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/item"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
	"github.com/attachform/attachform/state/local"
)

const benchMailbox = "ops@contoso.example"

// noopSetup is a configuration of items×perItem attachments that an
// earlier apply made: the emulator holds every one on its message, the
// state records them, so the plan is a no-op.
type noopSetup struct {
	dir    string
	srv    *emulator.Server
	client *graph.Client
}

// newNoopSetup creates items messages of perItem small attachments each
// (as emulator fixtures), a manifest declaring them (one target and one
// for_each attachment block per message, over the same perItem files) and
// the state that records them.
func newNoopSetup(tb testing.TB, items, perItem int) *noopSetup {
	tb.Helper()
	dir := tb.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "files"), 0o755); err != nil {
		tb.Fatal(err)
	}
	var fixtureAtts []emulator.FixtureAttachment
	for k := range perItem {
		name := fmt.Sprintf("f%04d.txt", k)
		body := []byte("content of " + name + "\n")
		if err := os.WriteFile(filepath.Join(dir, "files", name), body, 0o644); err != nil {
			tb.Fatal(err)
		}
		fixtureAtts = append(fixtureAtts, emulator.FixtureAttachment{Name: name, ContentType: "text/plain", Content: body})
	}
	fx := emulator.FixtureMailbox{UPN: benchMailbox}
	for i := range items {
		fx.Messages = append(fx.Messages, emulator.FixtureItem{Subject: fmt.Sprintf("m%05d", i), Attachments: fixtureAtts})
	}
	srv, err := emulator.New(emulator.Options{
		Fixtures: &emulator.Fixtures{Mailboxes: []emulator.FixtureMailbox{fx}},
		Limits:   emulator.Limits{MessageBytes: 150 << 20},
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { srv.Close() })
	client, err := graph.New(graph.Options{Endpoint: srv.URL()})
	if err != nil {
		tb.Fatal(err)
	}
	ids := messageIDs(tb, srv)
	if len(ids) != items {
		tb.Fatalf("%d messages, want %d", len(ids), items)
	}
	var m strings.Builder
	for i := range items {
		fmt.Fprintf(&m, "target \"t%05d\" {\n  mailbox = %q\n  message = %q\n}\n", i, benchMailbox, ids[fmt.Sprintf("m%05d", i)])
		fmt.Fprintf(&m, "attachment \"a%05d\" {\n  for_each = fileset(\"files\", \"*.txt\")\n  target   = target.t%05d\n  source   = \"files/${each.value}\"\n}\n", i, i)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.attach.hcl"), []byte(m.String()), 0o644); err != nil {
		tb.Fatal(err)
	}

	// The state an apply would have written.
	ctx := context.Background()
	cfg, diags := spec.Load(ctx, dir, spec.LoadOptions{})
	if diags.HasErrors() {
		tb.Fatal(diags)
	}
	var refs []item.Ref
	for _, t := range cfg.Targets {
		refs = append(refs, t.Item)
	}
	live, err := client.ListAttachmentsBatch(ctx, refs)
	if err != nil {
		tb.Fatal(err)
	}
	st := state.New()
	for _, a := range cfg.Attachments {
		var found *graph.Attachment
		for _, l := range live[a.Target.Item] {
			if l.Name == a.Name {
				found = &l
			}
		}
		if found == nil {
			tb.Fatalf("%s: %s is not on its message", a.Address, a.Name)
		}
		digest, n, err := content.FileSHA256(a.Source)
		if err != nil {
			tb.Fatal(err)
		}
		st.SetAttachment(state.Attachment{Address: a.Address, Target: a.Target.Item, ID: found.ID,
			Descriptor: state.Descriptor{Name: a.Name, ContentType: a.ContentType, SHA256: digest, Bytes: n}, ReportedSize: found.Size, CreatedAt: time.Now().UTC()})
	}
	if err := state.Persist(ctx, local.New(filepath.Join(dir, "attachform.state.json")), st, "bench"); err != nil {
		tb.Fatal(err)
	}
	return &noopSetup{dir: dir, srv: srv, client: client}
}

// messageIDs lists the mailbox's messages: subject → immutable id.
func messageIDs(tb testing.TB, srv *emulator.Server) map[string]string {
	tb.Helper()
	out := map[string]string{}
	next := srv.URL() + "/v1.0/users/" + url.PathEscape(benchMailbox) + "/messages?$select=id,subject&$top=1000"
	for next != "" {
		req, _ := http.NewRequest("GET", next, nil)
		req.Header.Set("Authorization", "Bearer bench")
		req.Header.Set("Prefer", `IdType="ImmutableId"`)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			tb.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var page struct {
			Value []struct {
				ID      string `json:"id"`
				Subject string `json:"subject"`
			} `json:"value"`
			Next string `json:"@odata.nextLink"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			tb.Fatalf("list messages: %v: %s", err, body)
		}
		for _, v := range page.Value {
			out[v.Subject] = v.ID
		}
		next = page.Next
	}
	return out
}

// plan is what `attachform plan` does: load the manifests, read the state,
// refresh what Graph holds, build the plan.
func (s *noopSetup) plan(tb testing.TB) *plan.Plan {
	return s.planWith(tb, spec.LoadOptions{})
}

// planWith is plan with the manifests loaded as opts say.
func (s *noopSetup) planWith(tb testing.TB, opts spec.LoadOptions) *plan.Plan {
	ctx := context.Background()
	cfg, diags := spec.Load(ctx, s.dir, opts)
	if diags.HasErrors() {
		tb.Fatal(diags)
	}
	st, err := local.New(filepath.Join(s.dir, "attachform.state.json")).Read(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	live, err := plan.Refresh(ctx, s.client, plan.Touched(cfg, st))
	if err != nil {
		tb.Fatal(err)
	}
	p, diags := plan.Build(ctx, cfg, st, live, s.client, plan.Options{Now: time.Now(), Parallelism: 10})
	if diags.HasErrors() {
		tb.Fatal(diags)
	}
	if p.HasChanges() {
		tb.Fatalf("the plan has changes: %+v", p.Changes[0])
	}
	return p
}

// requests is how many HTTP requests the emulator has answered.
func (s *noopSetup) requests() int64 { return s.srv.Stats().Requests.Total }

// A no-op plan of an item with 2,000 attachments reads them in pages of
// 1,000: one $batch and one further page (issue 12: at most 6 requests).
func TestNoopPlanOfManyAttachmentsOnOneItem(t *testing.T) {
	s := newNoopSetup(t, 1, 2000)
	before := s.requests()
	s.plan(t)
	if n := s.requests() - before; n > 2 {
		t.Errorf("a no-op plan of 2,000 attachments on one item took %d requests, want 2", n)
	}
}

// BenchmarkNoopPlan is `attachform plan` (load, state, refresh, build) of
// a configuration that is already applied, against the emulator answering
// every request after 20 ms:
//
//   - items=1000: 10,000 attachments, 10 on each of 1,000 messages of one
//     mailbox (issue 12: under 2 s);
//   - items=1: 2,000 attachments on one message (issue 12: at most 6
//     requests).
//
// Setup (fixtures, manifest, state) is not timed.
//
//	go test ./plan -run '^$' -bench NoopPlan -benchtime 3x
func BenchmarkNoopPlan(b *testing.B) {
	for _, tc := range []struct{ items, perItem int }{{1000, 10}, {1, 2000}} {
		b.Run(fmt.Sprintf("items=%d/attachments=%d", tc.items, tc.items*tc.perItem), func(b *testing.B) {
			s := newNoopSetup(b, tc.items, tc.perItem)
			if err := s.srv.SetFaults(emulator.Faults{Latency: 20 * time.Millisecond}); err != nil {
				b.Fatal(err)
			}
			before := s.requests()
			for b.Loop() {
				s.plan(b)
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/op")
			b.ReportMetric(float64(s.requests()-before)/float64(b.N), "requests/op")
		})
	}
}
