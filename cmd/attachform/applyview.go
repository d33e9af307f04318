package main

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/attachform/attachform/apply"
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
}

func newApplyView(out io.Writer, color bool) *applyView {
	return &applyView{out: out, color: color, lastShown: map[string]time.Time{}}
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
		v.lastShown[e.Address] = time.Now()
		fmt.Fprintf(v.out, "%s: %s\n", e.Address, vb[0])
	case apply.Progress:
		// Sessions report every range; a line every 10 s is plenty.
		if last, ok := v.lastShown[e.Address]; ok && time.Since(last) >= 10*time.Second && e.Sent < e.Total {
			v.lastShown[e.Address] = time.Now()
			fmt.Fprintf(v.out, "%s: Still uploading... [%s of %s]\n", e.Address, size(e.Sent), size(e.Total))
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

// finish prints the errors and the summary and returns the exit code.
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
	summary := fmt.Sprintf("Resources: %d added, 0 changed, %d destroyed.", r.Added, r.Destroyed)
	if r.Adopted+r.Cancelled+r.Forgotten > 0 {
		summary = fmt.Sprintf("Resources: %d added, 0 changed, %d destroyed, %d adopted, %d upload sessions cancelled, %d forgotten.",
			r.Added, r.Destroyed, r.Adopted, r.Cancelled, r.Forgotten)
	}
	if len(r.Errors) > 0 || fatal != nil {
		fmt.Fprintf(v.out, "\nApply failed. %s\n", summary)
		return exitError
	}
	fmt.Fprintf(v.out, "\n%s %s\n", paint(v.color, "Apply complete!"), summary)
	return exitOK
}

func size(n int64) string {
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// paint makes a headline bold green on a colour terminal, as Terraform's.
func paint(color bool, s string) string {
	if !color {
		return s
	}
	return "\x1b[1m\x1b[32m" + s + "\x1b[0m"
}
