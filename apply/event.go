package apply

import (
	"time"

	"github.com/attachform/attachform/plan"
)

// Phase is where a change is in its life.
type Phase int

const (
	Started Phase = iota
	Progress
	Finished
	Failed
)

// Event reports progress to whoever renders it (the CLI). Events of one
// change arrive in order; events of different changes interleave.
type Event struct {
	Address string
	Action  plan.Action
	Phase   Phase
	Sent    int64 // bytes confirmed by Graph so far (Progress, Finished)
	Total   int64 // bytes to upload, 0 for removals
	ID      string
	Err     error
	Elapsed time.Duration
}
