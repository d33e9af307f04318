package views

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attachform/attachform/graph/graphtest"

	"github.com/attachform/attachform/apply"
	"github.com/attachform/attachform/emulator"
	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
	"github.com/attachform/attachform/state/local"
)

// syncBuffer is a buffer a view writes to from its goroutines while the
// test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fakeProgressClock is a progress clock that moves when told, with a
// ticker the test fires.
type fakeProgressClock struct {
	mu    sync.Mutex
	t     time.Time
	ticks chan time.Time
}

func newFakeProgressClock(t time.Time) *fakeProgressClock {
	return &fakeProgressClock{t: t, ticks: make(chan time.Time)}
}

func (c *fakeProgressClock) clock() progressClock {
	return progressClock{
		now: func() time.Time {
			c.mu.Lock()
			defer c.mu.Unlock()
			return c.t
		},
		ticker: func(time.Duration) (<-chan time.Time, func()) { return c.ticks, func() {} },
	}
}

func (c *fakeProgressClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// tick fires the ticker; the view writes that tick's lines soon after.
func (c *fakeProgressClock) tick() { c.ticks <- time.Time{} }

func eventually(t *testing.T, out *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the output:\n%s", want, out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Plain progress, line by line: each change as it starts and ends, and on
// every tick a line per upload still going (how far, for how long) and
// per mailbox waiting for its budget (until when); never an escape code.
func TestPlainProgressLines(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	fake := newFakeProgressClock(t0)
	out := &syncBuffer{}
	// The ticker's lines are checked end to end below; here each tick is
	// handled in the test's goroutine.
	p := newPlainProgress(out, fake.clock())
	const mib = 1 << 20
	p.event(apply.Event{Address: "attachment.big", Action: plan.Create, Phase: apply.Started, Total: 150 * mib})
	p.event(apply.Event{Address: "attachment.gone", Action: plan.Delete, Phase: apply.Started})
	fake.advance(20 * time.Second)
	p.event(apply.Event{Address: "attachment.big", Action: plan.Create, Phase: apply.Progress, Sent: 48 * mib, Total: 150 * mib})
	p.tick()
	p.event(apply.Event{Address: "attachment.big", Action: plan.Create, Phase: apply.Waiting, Mailbox: "ops@contoso.com",
		Budget: graph.BudgetUpload, Until: t0.Add(20*time.Second + 4*time.Minute + 17*time.Second)})
	fake.advance(10 * time.Second)
	p.tick()
	p.event(apply.Event{Address: "attachment.gone", Action: plan.Delete, Phase: apply.Finished, Elapsed: 1200 * time.Millisecond})
	want := "attachment.big: Creating...\n" +
		"attachment.gone: Destroying...\n" +
		"attachment.big: Still uploading… 48/150 MiB (32 %), 20s elapsed\n" + // tick
		"Waiting for the upload budget of ops@contoso.com, resumes in 4m17s\n" + // as the wait begins
		"Waiting for the upload budget of ops@contoso.com, resumes in 4m7s\n" + // tick
		"attachment.gone: Destruction complete after 1s\n"
	if got := out.String(); got != want {
		t.Errorf("output\n%s\nwant\n%s", got, want)
	}
	for _, c := range []struct {
		sent, total int64
		want        string
	}{
		{0, 3 * mib / 2, "0.0/1.5 MiB (0 %)"},
		{512, 2048, "0.5/2.0 KiB (25 %)"},
		{10, 100, "10/100 B (10 %)"},
	} {
		if got := sentText(c.sent, c.total); got != c.want {
			t.Errorf("sentText(%d, %d) = %q, want %q", c.sent, c.total, got, c.want)
		}
	}
}

// A change whose Graph (or state store) does not answer is shown as
// waiting for it, with how long nothing came, never as an upload going on
// at 0 %; its next Progress event ends the wait.
func TestPlainProgressWaitingForAnAnswer(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	fake := newFakeProgressClock(t0)
	out := &syncBuffer{}
	p := newPlainProgress(out, fake.clock())
	p.event(apply.Event{Address: "attachment.a", Action: plan.Create, Phase: apply.Started, Total: 29 << 10})
	p.event(apply.Event{Address: "attachment.gone", Action: plan.Delete, Phase: apply.Started})
	fake.advance(10 * time.Second)
	p.event(apply.Event{Address: "attachment.a", Phase: apply.Waiting, WaitingFor: "Graph", Since: t0})
	p.event(apply.Event{Address: "attachment.gone", Phase: apply.Waiting, WaitingFor: "the state store", Since: t0.Add(5 * time.Second)})
	fake.advance(10 * time.Second)
	// A retry's own silence began later: the line keeps the first.
	p.event(apply.Event{Address: "attachment.a", Phase: apply.Waiting, WaitingFor: "Graph", Since: t0.Add(12 * time.Second)})
	p.tick()
	p.event(apply.Event{Address: "attachment.a", Phase: apply.Waiting, WaitingFor: "Graph"}) // it hears again
	p.tick()
	want := "attachment.a: Creating...\n" +
		"attachment.gone: Destroying...\n" +
		"attachment.a: Waiting for Graph (no answer for 10s)\n" +
		"attachment.gone: Waiting for the state store (no answer for 5s)\n" +
		// tick
		"attachment.a: Waiting for Graph (no answer for 20s)\n" +
		"attachment.gone: Waiting for the state store (no answer for 15s)\n" +
		// tick, after attachment.a heard from Graph again
		"attachment.gone: Waiting for the state store (no answer for 15s)\n" +
		"attachment.a: Still uploading… 0/29 KiB (0 %), 20s elapsed\n"
	if got := out.String(); got != want {
		t.Errorf("output\n%s\nwant\n%s", got, want)
	}
}

// An apply without a terminal, whose second upload waits for its
// mailbox's next upload window: plain lines only, no escape code, and
// while it waits the periodic line says for whose budget and until when.
func TestApplyWithoutTerminalWaitingForBudget(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	const mailbox = "ops@contoso.example"
	srv, err := emulator.New(emulator.Options{
		Limits: emulator.Limits{Off: true},
		Fixtures: &emulator.Fixtures{Mailboxes: []emulator.FixtureMailbox{
			{UPN: mailbox, Messages: []emulator.FixtureItem{{Subject: "One"}, {Subject: "Two"}}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	gate := graphtest.NewGateClock(t0)
	// Room for one 3.5 MB upload per hour, not two.
	client, err := graph.New(graph.Options{Endpoint: srv.URL(), Limits: graph.MailboxLimits{UploadBytes: 4_000_000, UploadPer: time.Hour, Clock: gate}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := map[string]string{}
	var m strings.Builder
	for i, subject := range []string{"One", "Two"} {
		files[fmt.Sprintf("files/f%d.bin", i)] = strings.Repeat(fmt.Sprint(i), 3_500_000)
		fmt.Fprintf(&m, "data \"message\" \"m%d\" {\n  mailbox = %q\n  filter = \"subject eq '%s'\"\n}\n", i, mailbox, subject)
		fmt.Fprintf(&m, "target \"m%d\" {\n  mailbox = %q\n  message = data.message.m%d.id\n}\n", i, mailbox, i)
		fmt.Fprintf(&m, "attachment \"f%d\" {\n  target = target.m%d\n  source = \"files/f%d.bin\"\n}\n", i, i, i)
	}
	files["main.attach.hcl"] = m.String()
	writeFiles(t, dir, files)
	ctx := context.Background()
	cfg, diags := spec.Load(ctx, dir, spec.LoadOptions{Data: plan.Lookups{Client: client}})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	live, err := plan.Refresh(ctx, client, plan.Touched(cfg, nil))
	if err != nil {
		t.Fatal(err)
	}
	p, diags := plan.Build(ctx, cfg, nil, live, client, plan.Options{Now: t0})
	if diags.HasErrors() {
		t.Fatal(diags)
	}

	tv, _, _ := testView(false)
	out := &syncBuffer{}
	tv.out = out
	v := newApplyHuman(tv)
	fake := newFakeProgressClock(t0)
	v.progress = newPlainProgress(out, fake.clock())
	if err := v.Plan(p); err != nil {
		t.Fatal(err)
	}
	v.Applying(p)
	type outcome struct {
		r   apply.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		backend := local.New(filepath.Join(dir, "attachform.state.json"))
		_, r, err := apply.Run(ctx, p, nil, backend, client, apply.Options{Parallelism: 1, OnEvent: v.Event})
		done <- outcome{r, err}
	}()
	<-gate.Waiting
	window := t0.Add(time.Hour + 3*time.Second) // the window and its margin
	eventually(t, out, fmt.Sprintf("Waiting for the upload budget of %s, resumes in %s\n", mailbox, window.Sub(t0)))
	fake.advance(17 * time.Minute)
	fake.tick()
	eventually(t, out, fmt.Sprintf("Waiting for the upload budget of %s, resumes in %s\n", mailbox, window.Sub(t0)-17*time.Minute))
	gate.Open()
	o := <-done
	if o.err != nil || len(o.r.Errors) > 0 || o.r.Added != 2 {
		t.Fatalf("apply: %v %v %+v", o.err, o.r.Errors, o.r)
	}
	v.Finished(o.r, o.err)
	got := out.String()
	if strings.Contains(got, "\x1b") {
		t.Errorf("escape codes without a terminal:\n%q", got)
	}
	for _, want := range []string{"attachment.f0: Creating...\n", "attachment.f0: Creation complete after", "attachment.f1: Creation complete after", "Apply complete! Resources: 2 added"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in the output:\n%s", want, got)
		}
	}
}

// A plan whose uploads exceed a mailbox's budget says how long applying
// takes at least.
func TestPlanShowsEstimatedApplyTime(t *testing.T) {
	tv, out, _ := testView(false)
	p := &plan.Plan{
		Changes: []plan.Change{{Address: "attachment.a", Action: plan.Create, After: &plan.Desired{Address: "attachment.a",
			Descriptor: state.Descriptor{Name: "a.bin", Bytes: 420e6}}}},
		Estimates: []plan.UploadEstimate{
			{Mailbox: "ops@contoso.com", Bytes: 420_000_512, Budget: 150_000_000, Per: 5 * time.Minute, AtLeast: 10 * time.Minute},
			{Mailbox: "hr@contoso.com", Bytes: 160_000_000, Budget: 150_000_000, Per: 5 * time.Minute, AtLeast: 5 * time.Minute},
		},
	}
	if err := writePlan(tv.out, p, tv.outPal); err != nil {
		t.Fatal(err)
	}
	want := "\nEstimated apply time: at least 10m. Graph takes 143.1 MiB per 5m from each mailbox, and this plan uploads more:\n" +
		"  ops@contoso.com: 400.5 MiB, at least 10m\n" +
		"  hr@contoso.com: 152.6 MiB, at least 5m\n"
	if !strings.HasSuffix(out.String(), want) {
		t.Errorf("plan ends\n%s\nwant\n%s", out.String(), want)
	}
}

// apply -json says what a change waits on that does not answer as a log
// line, once as the wait begins, and nothing when it ends; never a budget
// line with no budget.
func TestApplyJSONWaitingForGraph(t *testing.T) {
	v, out, _ := testView(false)
	j := newApplyJSON(v)
	since := time.Now().Add(-20 * time.Second)
	j.Event(apply.Event{Address: "attachment.a", Action: plan.Create, Phase: apply.Waiting, WaitingFor: "Graph", Since: since})
	j.Event(apply.Event{Address: "attachment.a", Action: plan.Create, Phase: apply.Waiting, WaitingFor: "Graph"})
	got := out.String()
	if strings.Count(got, `"type":"log"`) != 1 || !strings.Contains(got, `"@message":"attachment.a: waiting for Graph (no answer for 20s)"`) || strings.Contains(got, "budget") {
		t.Errorf("JSON lines:\n%s\nwant one saying attachment.a waits for Graph for 20s", got)
	}
}

// An upload's bar says what it waits on that does not answer instead of
// its percentage, and goes back to the percentage when it hears again.
func TestBarProgressWaitingForGraph(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	now := t0.Add(20 * time.Second)
	b := newBarProgress(io.Discard, newFakeProgressClock(now).clock())
	b.planned(&plan.Plan{})
	b.begin()
	defer b.end()
	b.event(apply.Event{Address: "attachment.big", Action: plan.Create, Phase: apply.Started, Total: 8 << 20})
	u := b.bars["attachment.big"]
	b.event(apply.Event{Address: "attachment.big", Phase: apply.Waiting, WaitingFor: "Graph", Since: t0})
	if got, want := b.barText(u, 0, 8<<20, now), "waiting for Graph (no answer for 20s)"; got != want {
		t.Errorf("bar says %q, want %q", got, want)
	}
	b.event(apply.Event{Address: "attachment.big", Phase: apply.Waiting, WaitingFor: "Graph"})
	if got, want := b.barText(u, 0, 8<<20, now), "0.0/8.0 MiB (0 %)"; got != want {
		t.Errorf("bar says %q once Graph answers, want %q", got, want)
	}
}

// writeFiles writes files (by slash path) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
