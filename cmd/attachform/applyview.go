package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/attachform/attachform/apply"
	"github.com/attachform/attachform/internal/bytesize"
	"github.com/attachform/attachform/plan"
)

// applyView prints apply's progress Terraform's way, one line per event
// worth reading; events come from many workers at once.
type applyView struct {
	mu    sync.Mutex
	out   io.Writer
	color bool
	// lastShown throttles progress lines per address.
	lastShown map[string]time.Time
	// started and sent tell, for what a stop leaves unfinished, whether
	// it began and how many bytes Graph confirmed.
	started map[string]bool
	sent    map[string]apply.Event
}

func newApplyView(out io.Writer, color bool) *applyView {
	return &applyView{out: out, color: color, lastShown: map[string]time.Time{}, started: map[string]bool{}, sent: map[string]apply.Event{}}
}

var verbs = map[plan.Action][3]string{
	plan.Create:  {"Creating...", "Creation complete", "Still creating..."},
	plan.Resume:  {"Resuming upload...", "Creation complete", "Still creating..."},
	plan.Replace: {"Replacing...", "Replacement complete", "Still replacing..."},
	plan.Delete:  {"Destroying...", "Destruction complete", "Still destroying..."},
	plan.Cancel:  {"Cancelling upload session...", "Cancellation complete", "Still cancelling..."},
	plan.Adopt:   {"Adopting...", "Adoption complete", "Still adopting..."},
	plan.Forget:  {"Removing from state...", "Removal complete", "Still removing..."},
}

func (v *applyView) event(e apply.Event) {
	v.mu.Lock()
	defer v.mu.Unlock()
	vb := verbs[e.Action]
	switch e.Phase {
	case apply.Started:
		v.started[e.Address] = true
		v.lastShown[e.Address] = time.Now()
		fmt.Fprintf(v.out, "%s: %s\n", e.Address, vb[0])
	case apply.Progress:
		v.sent[e.Address] = e
		// Sessions report every range; a line every 10 s is plenty.
		if last, ok := v.lastShown[e.Address]; ok && time.Since(last) >= 10*time.Second && e.Sent < e.Total {
			v.lastShown[e.Address] = time.Now()
			fmt.Fprintf(v.out, "%s: Still uploading... [%s of %s]\n", e.Address, bytesize.Format(e.Sent), bytesize.Format(e.Total))
		}
	case apply.Finished:
		delete(v.lastShown, e.Address)
		id := ""
		if e.ID != "" {
			id = fmt.Sprintf(" [id=%s]", e.ID)
		}
		fmt.Fprintf(v.out, "%s: %s after %s%s\n", e.Address, vb[1], e.Elapsed.Round(time.Second), id)
	case apply.Failed:
		delete(v.lastShown, e.Address)
	}
}

// finish prints the errors, the summary and what is left, and returns the
// exit code.
func (v *applyView) finish(g *globals, r apply.Result, fatal error) int {
	for _, e := range r.Errors {
		if fatal != nil && errors.Is(e.Err, fatal) {
			continue
		}
		errorf(g, fmt.Sprintf("%s: %s failed", e.Address, e.Action), "%v", e.Err)
	}
	if fatal != nil {
		errorf(g, "The state could not be saved", "%v", fatal)
	}
	switch {
	case len(r.Errors) > 0 || fatal != nil:
		fmt.Fprintf(v.out, "\nApply failed. %s\n", summary(r))
		v.unfinished(r.Unfinished)
		return exitError
	case len(r.Unfinished) > 0:
		// Only a stop or an interrupt leaves changes without an error.
		fmt.Fprintf(v.out, "\nApply interrupted. %s\n", summary(r))
		v.unfinished(r.Unfinished)
		errorf(g, "Apply interrupted",
			"%s not finished. What finished is saved in the state; run \"attachform apply\" again to finish the rest.",
			plural(len(r.Unfinished), "planned change was", "planned changes were"))
		return exitError
	}
	fmt.Fprintf(v.out, "\n%s %s\n", paint(v.color, "Apply complete!"), summary(r))
	return exitOK
}

// summary counts what was done, Terraform's way, naming what Terraform has
// no word for only when it happened.
func summary(r apply.Result) string {
	s := fmt.Sprintf("Resources: %d added, 0 changed, %d destroyed", r.Added, r.Destroyed)
	for _, c := range []struct {
		n         int
		one, many string
	}{
		{r.Resumed, "resumed", "resumed"},
		{r.Adopted, "adopted", "adopted"},
		{r.Cancelled, "upload session cancelled", "upload sessions cancelled"},
		{r.Forgotten, "forgotten", "forgotten"},
	} {
		if c.n > 0 {
			s += ", " + plural(c.n, c.one, c.many)
		}
	}
	return s + "."
}

// unfinished lists what a stop left for the next apply, and how far each
// got.
func (v *applyView) unfinished(addrs []string) {
	if len(addrs) == 0 {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	fmt.Fprintf(v.out, "\nNot finished; the next apply picks these up:\n")
	for _, a := range slices.Sorted(slices.Values(addrs)) {
		e, uploading := v.sent[a]
		switch {
		case !v.started[a]:
			fmt.Fprintf(v.out, "  %s: not started\n", a)
		case uploading && e.Sent > 0 && e.Sent < e.Total:
			fmt.Fprintf(v.out, "  %s: stopped after %s of %s; the upload session is saved and the next apply resumes it\n", a, bytesize.Format(e.Sent), bytesize.Format(e.Total))
		default:
			fmt.Fprintf(v.out, "  %s: interrupted\n", a)
		}
	}
}

// plural is "N one" or "N many".
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// paint makes a headline bold green on a colour terminal, as Terraform's.
func paint(color bool, s string) string {
	if !color {
		return s
	}
	return "\x1b[1m\x1b[32m" + s + "\x1b[0m"
}
