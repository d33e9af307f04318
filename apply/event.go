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
	// Waiting: a request of the change waits, either for its mailbox's
	// budget (Mailbox, Budget, Until; it goes on by itself when the next
	// window opens) or for an answer that does not come (WaitingFor,
	// Since). The change's next Progress, Finished or Failed event ends
	// the wait, and so does a Waiting event with the same WaitingFor and
	// a zero Since (it hears again).
	Waiting
)

// WaitingForState is the WaitingFor of a Waiting event that is no
// change's (Address ""): a state write has had no answer from the store
// since Since; a zero Since says it has an answer again.
const WaitingForState = "the state store"

// Event reports progress to whoever renders it (the CLI). Events of one
// change arrive in order; events of different changes interleave.
type Event struct {
	Address string
	Action  plan.Action
	// Import marks the change of an import block (plan.Change.Importing),
	// which views name as Terraform does: "Importing...".
	Import  bool
	Phase   Phase
	Sent    int64 // bytes confirmed by Graph so far (Progress, Finished)
	Total   int64 // bytes to upload, 0 for removals
	ID      string
	Err     error
	Elapsed time.Duration

	Mailbox string    // Waiting: whose budget
	Budget  string    // Waiting: graph.BudgetUpload, BudgetRequests or BudgetRetryAfter
	Until   time.Time // Waiting: when the request may go

	// Waiting for something other than a mailbox's budget: what the change
	// waits on, as people name it ("Graph", "the state store"), and since
	// when nothing has come from it (zero: it answers again). Views show
	// "waiting for Graph (no answer for 20s)" until the wait ends.
	WaitingFor string
	Since      time.Time
}
