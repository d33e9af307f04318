package interrupt

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/attachform/attachform/internal/views"
	"github.com/hashicorp/go-hclog"
)

func TestInterruptOutsideApplyCancelsAtOnce(t *testing.T) {
	var warn bytes.Buffer
	i := newInterrupts(context.Background(), views.NewView(views.Streams{Err: &warn}, true))
	defer i.Release()
	i.received()
	if i.ctx.Err() == nil {
		t.Fatal("the first interrupt outside a graceful section did not cancel")
	}
	if !strings.Contains(warn.String(), "Interrupt received: stopping.") {
		t.Fatalf("warning %q", warn.String())
	}
}

func TestInterruptInApplyStopsGracefullyThenAtOnce(t *testing.T) {
	var warn bytes.Buffer
	i := newInterrupts(context.Background(), views.NewView(views.Streams{Err: &warn}, true))
	defer i.Release()
	stop, end := i.Graceful(time.Hour, hclog.NewNullLogger(), nil)
	defer end()

	i.received()
	select {
	case <-stop:
	default:
		t.Fatal("the first interrupt did not close stop")
	}
	if i.ctx.Err() != nil {
		t.Fatal("the first interrupt cancelled: requests in flight cannot finish")
	}
	if !strings.Contains(warn.String(), "stopping gracefully") || !strings.Contains(warn.String(), "up to 1h0m0s") {
		t.Fatalf("first warning %q", warn.String())
	}

	i.received()
	if i.ctx.Err() == nil {
		t.Fatal("the second interrupt did not cancel")
	}
	if !strings.Contains(warn.String(), "Second interrupt received: stopping at once") {
		t.Fatalf("second warning %q", warn.String())
	}
	i.received() // a third changes nothing and does not panic on a closed stop
}

func TestInterruptGraceRunsOut(t *testing.T) {
	var warn bytes.Buffer
	i := newInterrupts(context.Background(), views.NewView(views.Streams{Err: &warn}, true))
	defer i.Release()
	_, end := i.Graceful(time.Millisecond, hclog.NewNullLogger(), nil)
	defer end()
	i.received()
	select {
	case <-i.ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the grace ran out and nothing was cancelled")
	}
	if !strings.Contains(warn.String(), "Still not stopped after 1ms: stopping at once") {
		t.Fatalf("warning %q", warn.String())
	}
}

func TestInterruptGraceEndsWithTheSection(t *testing.T) {
	i := newInterrupts(context.Background(), views.NewView(views.Streams{Err: new(bytes.Buffer)}, true))
	defer i.Release()
	_, end := i.Graceful(time.Hour, hclog.NewNullLogger(), nil)
	i.received()
	end()
	i.graceOver() // a timer that fired as the section ended
	if i.ctx.Err() != nil {
		t.Fatal("the grace of a finished apply cancelled the command")
	}
	// Outside the section again: the next interrupt cancels at once.
	i.received()
	if i.ctx.Err() == nil {
		t.Fatal("an interrupt after the section did not cancel")
	}
}

func TestInterruptWithoutSignalsNeverStops(t *testing.T) {
	var i *Interrupts // run called by a test, without catching signals
	stop, end := i.Graceful(time.Second, hclog.NewNullLogger(), nil)
	defer end()
	if stop != nil {
		t.Fatal("a nil interrupts gave a stop channel")
	}
}

func TestStopGrace(t *testing.T) {
	for _, c := range []struct {
		env  string
		want time.Duration
		bad  bool
	}{
		{"", Grace, false},
		{GraceEnv + "=250ms", 250 * time.Millisecond, false},
		{GraceEnv + "=soon", 0, true},
		{GraceEnv + "=0s", 0, true},
		{GraceEnv + "=-1s", 0, true},
	} {
		got, err := GraceFrom(func(key string) string {
			if k, v, _ := strings.Cut(c.env, "="); k == key {
				return v
			}
			return ""
		})
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("%q: %v, %v; want %v (error %v)", c.env, got, err, c.want, c.bad)
		}
	}
	if Grace != 30*time.Second {
		t.Errorf("Grace = %v; the help and the issue promise 30s", Grace)
	}
}

// While apply works, interrupt notices are its view's.
func TestInterruptNoticesOnTheSectionsView(t *testing.T) {
	var outside, section bytes.Buffer
	i := newInterrupts(context.Background(), views.NewView(views.Streams{Err: &outside}, true))
	defer i.Release()
	_, end := i.Graceful(time.Hour, hclog.NewNullLogger(), views.NewView(views.Streams{Err: &section}, true))
	defer end()
	i.received()
	i.received()
	if outside.Len() != 0 || !strings.Contains(section.String(), "stopping gracefully") || !strings.Contains(section.String(), "Second interrupt") {
		t.Errorf("outside %q, section %q", outside.String(), section.String())
	}
}
