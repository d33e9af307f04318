package views

import (
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/attachform/attachform/apply"
	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/plan"
	"github.com/mattn/go-isatty"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// applyProgress shows apply's changes while they run: on a terminal, a
// live bar per upload under one overall line; elsewhere (a CI log, a
// file) plain lines only, one as each change starts and ends, and every
// progressEvery a line per upload still going or per mailbox waiting for
// its budget, so that a long apply is never silent.
type applyProgress interface {
	// planned tells what the run will do, for its totals.
	planned(p *plan.Plan)
	// begin comes before the first change starts.
	begin()
	// event reports a change's progress; calls are serialised.
	event(e apply.Event)
	// end comes after the last change ended, before the outcome is
	// written: bars are finished and the periodic lines stop.
	end()
}

// progressEvery is how often plain progress speaks up.
const progressEvery = 10 * time.Second

// progressClock is the time progress is told in and what paces plain
// progress's periodic lines; tests pass a fake.
type progressClock struct {
	now    func() time.Time
	ticker func(d time.Duration) (<-chan time.Time, func())
}

var realProgressClock = progressClock{
	now: time.Now,
	ticker: func(d time.Duration) (<-chan time.Time, func()) {
		t := time.NewTicker(d)
		return t.C, t.Stop
	},
}

// terminalFor reports whether w is a terminal that can redraw bars (not
// TERM=dumb). Unlike colour, bars do not depend on NO_COLOR or -no-color.
func terminalFor(w io.Writer, getenv func(string) string) bool {
	if getenv != nil && getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// uploads reports whether a change of action a sends bytes (an adoption
// sends none).
func uploads(a plan.Action) bool {
	return a == plan.Create || a == plan.Replace || a == plan.Resume
}

// finishedLine is Terraform's "attachment.a: Creation complete after 3s
// [id=…]".
func finishedLine(e apply.Event) string {
	id := ""
	if e.ID != "" {
		id = fmt.Sprintf(" [id=%s]", e.ID)
	}
	return fmt.Sprintf("%s: %s after %s%s\n", e.Address, verbsOf(e)[1], e.Elapsed.Round(time.Second), id)
}

// waitingLine says why a mailbox's requests wait and for how long.
func waitingLine(mailbox, budget string, left time.Duration) string {
	left = time.Duration(math.Ceil(left.Seconds())) * time.Second
	switch budget {
	case graph.BudgetRequests:
		return fmt.Sprintf("Waiting for the request budget of %s, resumes in %s\n", mailbox, left)
	case graph.BudgetRetryAfter:
		return fmt.Sprintf("Waiting: Graph asked %s to pause, resumes in %s\n", mailbox, left)
	}
	return fmt.Sprintf("Waiting for the upload budget of %s, resumes in %s\n", mailbox, left)
}

// stalledText says what a change waits on that does not answer, and for
// how long nothing came: "waiting for Graph (no answer for 20s)".
func stalledText(what string, since, now time.Time) string {
	d := max(now.Sub(since), 0)
	if d < time.Second {
		d = d.Round(10 * time.Millisecond) // a short idle_timeout's notice
	} else {
		d = d.Round(time.Second)
	}
	return fmt.Sprintf("waiting for %s (no answer for %s)", what, d)
}

// capitalize starts a plain line: "Waiting for Graph …".
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// sentText is "48/150 MiB (32 %)": both counts in the total's unit.
func sentText(sent, total int64) string {
	unit, div := "B", 1.0
	switch {
	case total >= 1<<20:
		unit, div = "MiB", 1<<20
	case total >= 1<<10:
		unit, div = "KiB", 1<<10
	}
	format := "%.0f/%.0f %s (%d %%)"
	if div > 1 && float64(total)/div < 10 {
		format = "%.1f/%.1f %s (%d %%)"
	}
	pct := int64(0)
	if total > 0 {
		pct = sent * 100 / total
	}
	return fmt.Sprintf(format, float64(sent)/div, float64(total)/div, unit, pct)
}

// plainProgress writes lines only, no escape codes.
type plainProgress struct {
	out   io.Writer
	clock progressClock

	mu      sync.Mutex
	uploads map[string]*plainUpload // by address, while running
	waits   map[string]plainWait    // by mailbox: the latest wait announced
	stalls  map[string]plainStall   // by address: a change waiting for an answer
	// stateSince is when the state store last answered, while a state
	// call has had no answer for a while; zero otherwise.
	stateSince time.Time
	stop       chan struct{}
	done       chan struct{}
}

type plainUpload struct {
	sent, total int64
	started     time.Time
	waitUntil   time.Time // its request waits for its mailbox until then
}

type plainWait struct {
	until  time.Time
	budget string
}

type plainStall struct {
	what  string
	since time.Time
}

func newPlainProgress(out io.Writer, clock progressClock) *plainProgress {
	return &plainProgress{out: out, clock: clock, uploads: map[string]*plainUpload{}, waits: map[string]plainWait{}, stalls: map[string]plainStall{}}
}

func (p *plainProgress) planned(*plan.Plan) {}

func (p *plainProgress) begin() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stop != nil {
		return
	}
	ticks, stopTicker := p.clock.ticker(progressEvery)
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	go func(stop, done chan struct{}) {
		defer close(done)
		defer stopTicker()
		for {
			select {
			case <-stop:
				return
			case <-ticks:
				p.tick()
			}
		}
	}(p.stop, p.done)
}

func (p *plainProgress) event(e apply.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clock.now()
	switch e.Phase {
	case apply.Started:
		fmt.Fprintf(p.out, "%s: %s\n", e.Address, verbsOf(e)[0])
		if uploads(e.Action) && e.Total > 0 {
			p.uploads[e.Address] = &plainUpload{total: e.Total, started: now}
		}
	case apply.Progress:
		delete(p.stalls, e.Address)
		if u := p.uploads[e.Address]; u != nil {
			u.sent, u.waitUntil = e.Sent, time.Time{}
		}
	case apply.Waiting:
		if e.Address == "" && e.WaitingFor == apply.WaitingForState {
			// The state store, not a change: said at once, then every
			// progressEvery while it lasts (tick).
			if p.stateSince.IsZero() && !e.Since.IsZero() {
				io.WriteString(p.out, capitalize(stalledText(e.WaitingFor, e.Since, now))+"\n")
			}
			p.stateSince = e.Since
			return
		}
		if e.WaitingFor != "" {
			st, ok := p.stalls[e.Address]
			switch {
			case e.Since.IsZero():
				delete(p.stalls, e.Address) // it answers again
			case !ok || st.what != e.WaitingFor:
				// Said at once, then every progressEvery while it lasts
				// (from the first silence: a retry's own is later).
				p.stalls[e.Address] = plainStall{what: e.WaitingFor, since: e.Since}
				fmt.Fprintf(p.out, "%s: %s\n", e.Address, capitalize(stalledText(e.WaitingFor, e.Since, now)))
			}
			return
		}
		if u := p.uploads[e.Address]; u != nil {
			u.waitUntil = e.Until
		}
		// Said at once, then every progressEvery while it lasts.
		if w, ok := p.waits[e.Mailbox]; !ok || !w.until.Equal(e.Until) || w.budget != e.Budget {
			p.waits[e.Mailbox] = plainWait{until: e.Until, budget: e.Budget}
			if left := e.Until.Sub(now); left > 0 {
				io.WriteString(p.out, waitingLine(e.Mailbox, e.Budget, left))
			}
		}
	case apply.Finished:
		delete(p.uploads, e.Address)
		delete(p.stalls, e.Address)
		io.WriteString(p.out, finishedLine(e))
	case apply.Failed:
		delete(p.uploads, e.Address)
		delete(p.stalls, e.Address)
	}
}

// tick writes what is still going: each mailbox waiting for its budget,
// each change waiting for an answer, and each upload that is not waiting.
func (p *plainProgress) tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clock.now()
	if !p.stateSince.IsZero() {
		io.WriteString(p.out, capitalize(stalledText(apply.WaitingForState, p.stateSince, now))+"\n")
	}
	for _, mb := range slices.Sorted(maps.Keys(p.waits)) {
		w := p.waits[mb]
		if left := w.until.Sub(now); left > 0 {
			io.WriteString(p.out, waitingLine(mb, w.budget, left))
		} else {
			delete(p.waits, mb)
		}
	}
	for _, addr := range slices.Sorted(maps.Keys(p.stalls)) {
		st := p.stalls[addr]
		fmt.Fprintf(p.out, "%s: %s\n", addr, capitalize(stalledText(st.what, st.since, now)))
	}
	for _, addr := range slices.Sorted(maps.Keys(p.uploads)) {
		u := p.uploads[addr]
		if _, stalled := p.stalls[addr]; stalled || u.waitUntil.After(now) || (u.sent == 0 && !p.stateSince.IsZero()) {
			continue // waiting, as said above, not uploading
		}
		fmt.Fprintf(p.out, "%s: Still uploading… %s, %s elapsed\n", addr, sentText(u.sent, u.total), now.Sub(u.started).Round(time.Second))
	}
}

func (p *plainProgress) end() {
	p.mu.Lock()
	stop, done := p.stop, p.done
	p.stop = nil
	p.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}

// barProgress draws live bars with mpb: one per upload, named by its
// address, that says when its mailbox's budget holds it back, and one
// overall line with changes done of all, bytes, rate and time left.
// Finished changes are lines above the bars. mpb draws from goroutines
// of its own: what its decorators read is atomic, never under mu.
type barProgress struct {
	out   io.Writer
	clock progressClock

	changes, done atomic.Int64 // planned changes; ended ones, either way

	mu          sync.Mutex // guards the rest
	p           *mpb.Progress
	overall     *mpb.Bar
	uploadTotal int64 // planned upload bytes (0: the overall bar counts changes)
	bars        map[string]*uploadBar
	// stateSince is when the state store last answered, while a state
	// call has had no answer for a while; nil otherwise.
	stateSince atomic.Pointer[time.Time]
}

type uploadBar struct {
	bar         *mpb.Bar
	sent, total int64
	wait        atomic.Pointer[barWait]    // nil: not waiting for a budget
	stall       atomic.Pointer[plainStall] // nil: not waiting for an answer
}

type barWait struct {
	mailbox, budget string
	until           time.Time
}

func newBarProgress(out io.Writer, clock progressClock) *barProgress {
	return &barProgress{out: out, clock: clock, bars: map[string]*uploadBar{}}
}

func (b *barProgress) planned(p *plan.Plan) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var changes, total int64
	for _, c := range p.Changes {
		if c.Action == plan.NoOp {
			continue
		}
		changes++
		if uploads(c.Action) && c.AdoptID == "" && c.After != nil {
			total += c.After.Bytes
		}
	}
	b.changes.Store(changes)
	b.uploadTotal = total
}

func (b *barProgress) begin() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.p != nil {
		return
	}
	b.p = mpb.New(mpb.WithOutput(b.out), mpb.WithWidth(32), mpb.WithRefreshRate(150*time.Millisecond))
	total, bytes := b.uploadTotal, b.uploadTotal > 0
	if !bytes {
		total = max(b.changes.Load(), 1)
	}
	// Built with no total, the overall line completes only when end says
	// so (SetTotal(-1, true)), whatever the counts, so that its last frame
	// shows every change and lines written above it are not lost.
	b.overall = b.p.New(0, mpb.BarStyle(),
		mpb.BarPriority(math.MaxInt), // the last line
		mpb.PrependDecorators(decor.Any(func(decor.Statistics) string {
			return fmt.Sprintf("Applying %d/%d", b.done.Load(), b.changes.Load())
		}, decor.WCSyncSpaceR)),
		mpb.AppendDecorators(
			decor.OnCondition(decor.Counters(decor.SizeB1024(0), "% .1f / % .1f "), bytes),
			decor.OnCondition(decor.AverageSpeed(decor.SizeB1024(0), "% .1f "), bytes),
			decor.Name("ETA "),
			decor.AverageETA(decor.ET_STYLE_GO),
		))
	b.overall.SetTotal(total, false)
}

func (b *barProgress) event(e apply.Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.p == nil {
		return
	}
	switch e.Phase {
	case apply.Started:
		if !uploads(e.Action) || e.Total <= 0 {
			return
		}
		u := &uploadBar{total: e.Total}
		now := b.clock.now
		u.bar = b.p.New(e.Total, mpb.BarStyle(), mpb.BarRemoveOnComplete(),
			mpb.PrependDecorators(decor.Name(e.Address, decor.WCSyncSpaceR)),
			mpb.AppendDecorators(decor.Any(func(s decor.Statistics) string {
				return b.barText(u, s.Current, s.Total, now())
			})))
		b.bars[e.Address] = u
	case apply.Progress:
		if u := b.bars[e.Address]; u != nil {
			b.advance(u, e.Sent)
			u.wait.Store(nil)
			u.stall.Store(nil)
		}
	case apply.Waiting:
		if e.Address == "" && e.WaitingFor == apply.WaitingForState {
			if e.Since.IsZero() {
				b.stateSince.Store(nil)
				return
			}
			if b.stateSince.Load() == nil {
				_, _ = b.p.Write([]byte(capitalize(stalledText(e.WaitingFor, e.Since, b.clock.now())) + "\n"))
			}
			since := e.Since
			b.stateSince.Store(&since)
			return
		}
		if u := b.bars[e.Address]; u != nil && e.WaitingFor != "" {
			if e.Since.IsZero() {
				u.stall.Store(nil) // it answers again
			} else if st := u.stall.Load(); st == nil || st.what != e.WaitingFor {
				u.stall.Store(&plainStall{what: e.WaitingFor, since: e.Since})
			}
		} else if u != nil {
			u.wait.Store(&barWait{mailbox: e.Mailbox, budget: e.Budget, until: e.Until})
		}
	case apply.Finished, apply.Failed:
		b.done.Add(1)
		if u := b.bars[e.Address]; u != nil {
			delete(b.bars, e.Address)
			if e.Phase == apply.Finished {
				b.advance(u, u.total)
			} else {
				u.bar.Abort(true)
			}
		}
		if b.uploadTotal == 0 {
			b.overall.IncrBy(1)
		}
		if e.Phase == apply.Finished {
			_, _ = b.p.Write([]byte(finishedLine(e)))
		}
	}
}

// barText is what an upload's bar says beside it: what it waits for,
// else how far it got. mpb calls it from its own goroutine: it reads
// only atomics.
func (b *barProgress) barText(u *uploadBar, current, total int64, now time.Time) string {
	if st := u.stall.Load(); st != nil {
		return stalledText(st.what, st.since, now)
	}
	if w := u.wait.Load(); w != nil {
		if left := w.until.Sub(now); left > 0 {
			return waitingText(w.mailbox, w.budget, left)
		}
	}
	if since := b.stateSince.Load(); since != nil && current == 0 {
		return stalledText(apply.WaitingForState, *since, now)
	}
	return sentText(current, total)
}

// advance moves u to sent bytes, and the overall line with it.
func (b *barProgress) advance(u *uploadBar, sent int64) {
	if d := sent - u.sent; d > 0 {
		u.sent = sent
		u.bar.SetCurrent(sent)
		if b.uploadTotal > 0 {
			b.overall.IncrInt64(d)
		}
	}
}

func (b *barProgress) end() {
	b.mu.Lock()
	p := b.p
	if p == nil {
		b.mu.Unlock()
		return
	}
	b.p = nil
	for addr, u := range b.bars {
		u.bar.Abort(true)
		delete(b.bars, addr)
	}
	overall := b.overall
	b.mu.Unlock()
	overall.SetTotal(-1, true) // complete where it stands
	p.Wait()
}

// waitingText is an upload bar's note while its mailbox waits.
func waitingText(mailbox, budget string, left time.Duration) string {
	left = time.Duration(math.Ceil(left.Seconds())) * time.Second
	if budget == graph.BudgetRetryAfter {
		return fmt.Sprintf("paused by Graph, resumes in %s", left)
	}
	return fmt.Sprintf("waiting for %s's budget, resumes in %s", mailbox, left)
}
