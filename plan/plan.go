// Package plan compares what the manifests declare with what the state
// recorded and what Graph holds, and says what must change and why. A Plan
// is data: changes with a typed action and a reason; rendering is separate.
// Planning only ever reads from Graph.
package plan

import (
	"fmt"
	"time"

	"github.com/attachform/attachform/content"
	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/item"
	"github.com/attachform/attachform/state"
)

// Action is what a change does to Graph.
type Action int

const (
	NoOp    Action = iota
	Create         // upload a new attachment
	Delete         // delete a managed (or, on an exclusive target, undeclared) attachment
	Replace        // attachments cannot be edited: upload the new one and delete the old
	Resume         // finish an upload session an interrupted run left open
	Cancel         // cancel an upload session that is no longer wanted or has expired
	Adopt          // record an identical attachment already on the item instead of uploading
	Forget         // drop from state what Graph no longer has (its item is gone)
)

var actionNames = [...]string{"no-op", "create", "delete", "replace", "resume", "cancel", "adopt", "forget"}

// MarshalText spells the action as String does, so a serialised plan
// reads "create", never a number.
func (a Action) MarshalText() ([]byte, error) {
	if a < 0 || int(a) >= len(actionNames) {
		return nil, fmt.Errorf("unknown plan action %d", int(a))
	}
	return []byte(actionNames[a]), nil
}

// UnmarshalText reads what MarshalText wrote.
func (a *Action) UnmarshalText(b []byte) error {
	for i, n := range actionNames {
		if n == string(b) {
			*a = Action(i)
			return nil
		}
	}
	return fmt.Errorf("unknown plan action %q", b)
}

func (a Action) String() string {
	if a < 0 || int(a) >= len(actionNames) {
		return "unknown"
	}
	return actionNames[a]
}

// Desired is an attachment as the manifest declares it, with the digest of
// its content at plan time.
type Desired struct {
	Address    string
	Target     item.Ref
	TargetName string // the target block's name, for display
	// TargetLabel is what people call the target item (Graph's subject or
	// title at refresh), for display; zero when unknown.
	TargetLabel item.Label
	Source      string // absolute path
	DisplayPath string
	// Descriptor is the attachment declared; its digest and byte count
	// are the source's at plan time.
	state.Descriptor
}

// Session is an upload session as a plan knows it: everything but its
// upload URL, which is a credential and stays in the state (apply looks it
// up by ID). Nothing in a Plan is secret.
type Session struct {
	ID          string
	Address     string
	Target      item.Ref
	TargetLabel item.Label // for display, as Desired's
	state.Descriptor
	Confirmed int64 // bytes Graph holds: asked at plan time, else as recorded
	ExpiresAt time.Time
}

func sessionOf(s state.Session) *Session {
	return &Session{ID: s.ID, Address: s.Address, Target: s.Target, Descriptor: s.Descriptor, Confirmed: s.Confirmed, ExpiresAt: s.ExpiresAt}
}

// UploadSession is the Graph upload session recorded names, on item it:
// the recorded target, or the item a change resolved to, which planning
// checked is the same item (sessionMatches). It is the one place a
// recorded session becomes one Graph can resume, ask about or cancel.
func UploadSession(it item.Ref, recorded state.Session) *graph.UploadSession {
	return &graph.UploadSession{Item: it, URL: recorded.UploadURL, Expires: recorded.ExpiresAt, Next: recorded.Confirmed}
}

// Change is one step of a plan.
type Change struct {
	Address string
	Action  Action
	Reason  string

	Before  *state.Attachment // what exists now (Delete, Replace, Forget)
	After   *Desired          // what should exist (Create, Replace, Resume, Adopt)
	Session *Session          // Resume, Cancel; a Replace may resume too; others drop it when done
	// AdoptID is the live attachment an Adopt records, or the one a
	// Replace records instead of uploading (an identical attachment is
	// already on the item, e.g. left by an interrupted apply).
	AdoptID string
	// DestroyFirst makes a Replace delete the old attachment before
	// uploading the new one, for when both would not fit on the item.
	DestroyFirst bool
	// Unmanaged marks a Delete of an attachment no manifest declares, on an
	// exclusive target; it was never in state.
	Unmanaged bool
	// Deposed marks a Delete of an attachment a replacement superseded but
	// could not delete (the run was interrupted between the two steps).
	Deposed bool
	// Orphan marks a Delete of an attachment an interrupted apply created
	// (found through one of its intents or sessions) that no manifest
	// wants any more; it was never in state.
	Orphan bool
	// Importing is the Graph id an import block adopts here (an Adopt, or
	// a Replace of an imported attachment that differs from its source):
	// counted as Terraform counts imports, apart from the rest.
	Importing string
	// Intents are the ids of write-ahead intents this change settles: once
	// it succeeds they are dropped from the state in the same write. A
	// change's Session, likewise, is dropped when the change succeeds.
	Intents []string
}

// Plan is an ordered list of changes against one state snapshot.
type Plan struct {
	Mode    Mode
	Changes []Change
	// Moves rename addresses in the state before the changes run (moved
	// blocks); they need no Graph request.
	Moves   []Move
	Lineage string // of the state planned against ("" = no state yet)
	Serial  uint64
	Created time.Time
	// Targets are the -target addresses the plan was limited to (none:
	// it is complete), kept so that a saved plan still says so.
	Targets []string
	// Replace are the -replace addresses, and AllowMassDestroy the
	// -allow-mass-destroy the plan was made with, kept so that a saved
	// plan can be planned afresh the same way (apply -reviewed).
	Replace          []string
	AllowMassDestroy bool
	// Estimates are the mailboxes whose uploads exceed their upload
	// budget, so that applying takes at least some windows of it.
	Estimates []UploadEstimate

	// fingerprints are what hashing the sources taught this process
	// (see content.Fingerprints); never saved: nil in a plan read back.
	fingerprints *content.Fingerprints
}

// Fingerprints returns the block fingerprints of the sources this process
// hashed while planning, for apply to check the bytes it uploads without
// hashing them again; nil for a plan made by another process.
func (p *Plan) Fingerprints() *content.Fingerprints { return p.fingerprints }

// Summary counts changes the way Terraform does: a replacement is one add
// and one destroy; nothing here is ever changed in place; an import is
// counted once as an import (and a replacement's add and destroy besides).
type Summary struct {
	Import, Add, Change, Destroy, Resume, Cancel, Adopt, Forget int
}

func (p *Plan) Summary() Summary {
	var s Summary
	for _, c := range p.Changes {
		if c.Importing != "" {
			s.Import++
		}
		switch c.Action {
		case Create:
			s.Add++
		case Delete:
			s.Destroy++
		case Replace:
			s.Add++
			s.Destroy++
		case Resume:
			s.Resume++
		case Cancel:
			s.Cancel++
		case Adopt:
			if c.Importing == "" {
				s.Adopt++
			}
		case Forget:
			s.Forget++
		}
	}
	return s
}

// HasChanges reports whether applying the plan would do anything.
func (p *Plan) HasChanges() bool {
	if len(p.Moves) > 0 {
		return true
	}
	for _, c := range p.Changes {
		if c.Action != NoOp {
			return true
		}
	}
	return false
}

// Why is the reason for c that people read, never empty for a change that
// acts: its Reason, or for the changes whose action says it all (a new
// attachment, what a destroy plan deletes) the words that say why.
func (c Change) Why(mode Mode) string {
	switch {
	case c.Reason != "" || c.Action == NoOp:
		return c.Reason
	case mode == Destroy && (c.Action == Delete || c.Action == Cancel):
		return "destroy requested"
	case c.Action == Create:
		return "new in the configuration"
	case c.Action == Resume:
		return "an earlier upload was interrupted"
	}
	return c.Action.String() + " planned"
}
