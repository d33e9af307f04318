// Package plan compares what the manifests declare with what the state
// recorded and what Graph holds, and says what must change and why. A Plan
// is data: changes with a typed action and a reason; rendering is separate.
// Planning only ever reads from Graph.
package plan

import (
	"strings"
	"time"

	"github.com/attachform/attachform/graph"
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

func (a Action) String() string {
	if a < 0 || int(a) >= len(actionNames) {
		return "unknown"
	}
	return actionNames[a]
}

// Desired is an attachment as the manifest declares it, with the digest of
// its content at plan time.
type Desired struct {
	Address     string       `json:"address"`
	Target      state.Target `json:"target"`
	TargetName  string       `json:"target_name"` // the target block's name, for display
	Source      string       `json:"source"`      // absolute path
	DisplayPath string       `json:"display_path"`
	Name        string       `json:"name"`
	ContentType string       `json:"content_type"`
	Inline      bool         `json:"inline,omitempty"`
	ContentID   string       `json:"content_id,omitempty"`
	SHA256      string       `json:"sha256"`
	Bytes       int64        `json:"bytes"`
}

// Change is one step of a plan.
type Change struct {
	Address string `json:"address"`
	Action  Action `json:"action"`
	Reason  string `json:"reason,omitempty"`

	Before  *state.Attachment `json:"before,omitempty"`  // what exists now (Delete, Replace, Forget)
	After   *Desired          `json:"after,omitempty"`   // what should exist (Create, Replace, Resume, Adopt)
	Session *state.Session    `json:"session,omitempty"` // Resume, Cancel; a Replace may resume too
	// AdoptID is the live attachment an Adopt records, or the one a
	// Replace records instead of uploading (an identical attachment is
	// already on the item, e.g. left by an interrupted apply).
	AdoptID string `json:"adopt_id,omitempty"`
	// DestroyFirst makes a Replace delete the old attachment before
	// uploading the new one, for when both would not fit on the item.
	DestroyFirst bool `json:"destroy_first,omitempty"`
	// Unmanaged marks a Delete of an attachment no manifest declares, on an
	// exclusive target; it was never in state.
	Unmanaged bool `json:"unmanaged,omitempty"`
	// Deposed marks a Delete of an attachment a replacement superseded but
	// could not delete (the run was interrupted between the two steps).
	Deposed bool `json:"deposed,omitempty"`
	// Orphan marks a Delete of an attachment an interrupted apply created
	// (found through one of its intents or sessions) that no manifest
	// wants any more; it was never in state.
	Orphan bool `json:"orphan,omitempty"`
	// Intents are the ids of write-ahead intents this change settles: once
	// it succeeds they are dropped from the state in the same write. A
	// change's Session, likewise, is dropped when the change succeeds.
	Intents []string `json:"intents,omitempty"`
}

// Plan is an ordered list of changes against one state snapshot.
type Plan struct {
	Changes []Change  `json:"changes"`
	Lineage string    `json:"lineage"` // of the state planned against ("" = no state yet)
	Serial  uint64    `json:"serial"`
	Created time.Time `json:"created"`
}

// Summary counts changes the way Terraform does: a replacement is one add
// and one destroy; nothing here is ever changed in place.
type Summary struct {
	Add, Change, Destroy, Resume, Cancel, Adopt, Forget int
}

func (p *Plan) Summary() Summary {
	var s Summary
	for _, c := range p.Changes {
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
			s.Adopt++
		case Forget:
			s.Forget++
		}
	}
	return s
}

// HasChanges reports whether applying the plan would do anything.
func (p *Plan) HasChanges() bool {
	for _, c := range p.Changes {
		if c.Action != NoOp {
			return true
		}
	}
	return false
}

// Item converts a recorded target into the client's item address.
func Item(t state.Target) graph.Item {
	return graph.Item{Mailbox: t.Mailbox, Kind: graph.Kind(t.Kind), ID: t.ItemID, ListID: t.ListID}
}

// key normalises a target for comparison: mailboxes are case-insensitive
// addresses, item ids are case-sensitive.
func key(t state.Target) state.Target {
	t.Mailbox = strings.ToLower(t.Mailbox)
	return t
}
