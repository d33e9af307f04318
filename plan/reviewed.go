package plan

import (
	"fmt"
	"strings"

	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
)

// ReviewDiff is how a fresh plan's changes differ from those of a plan
// that was reviewed (apply -reviewed): what the fresh plan would do that
// nobody reviewed, and what was reviewed that it no longer does. Both empty:
// the fresh plan does exactly what was reviewed, whatever else moved the
// state meanwhile.
type ReviewDiff struct {
	Unreviewed []Change // in the fresh plan only
	Gone       []Change // in the reviewed plan only
	// UnreviewedMoves and GoneMoves are the moved-block renames likewise.
	UnreviewedMoves, GoneMoves []Move
}

// Empty reports whether the fresh plan is the reviewed one.
func (d ReviewDiff) Empty() bool {
	return len(d.Unreviewed)+len(d.Gone)+len(d.UnreviewedMoves)+len(d.GoneMoves) == 0
}

// CompareReviewed compares the changes of fresh with those of reviewed, by
// what each change does to Graph and the state: its address, its action,
// the item it acts on, the sha256 of the bytes it uploads, the attachment
// it deletes, adopts or forgets, the upload session it resumes or cancels.
// Reasons, order and the state's serial do not count: a change reviewed is
// the same change however the plan around it came about. Addresses compare
// as strings, keys and all.
func CompareReviewed(reviewed, fresh *Plan) ReviewDiff {
	var d ReviewDiff
	want := map[string]int{}
	for _, c := range reviewed.Changes {
		if c.Action != NoOp {
			want[c.reviewKey()]++
		}
	}
	have := map[string]int{}
	for _, c := range fresh.Changes {
		if c.Action == NoOp {
			continue
		}
		k := c.reviewKey()
		have[k]++
		if have[k] > want[k] {
			d.Unreviewed = append(d.Unreviewed, c)
		}
	}
	seen := map[string]int{}
	for _, c := range reviewed.Changes {
		if c.Action == NoOp {
			continue
		}
		k := c.reviewKey()
		seen[k]++
		if seen[k] > have[k] {
			d.Gone = append(d.Gone, c)
		}
	}
	moves := func(a, b []Move) []Move {
		in := map[Move]int{}
		for _, m := range b {
			in[m]++
		}
		var out []Move
		for _, m := range a {
			if in[m] > 0 {
				in[m]--
				continue
			}
			out = append(out, m)
		}
		return out
	}
	d.UnreviewedMoves = moves(fresh.Moves, reviewed.Moves)
	d.GoneMoves = moves(reviewed.Moves, fresh.Moves)
	return d
}

// reviewKey is what of c a review approves (see CompareReviewed).
func (c Change) reviewKey() string {
	var target, sha, gone, session string
	switch {
	case c.After != nil:
		target = c.After.Target.Key().String()
	case c.Before != nil:
		target = c.Before.Target.Key().String()
	case c.Session != nil:
		target = c.Session.Target.Key().String()
	}
	if c.After != nil {
		sha = c.After.SHA256
	}
	if c.Before != nil {
		gone = c.Before.ID
	}
	if c.Session != nil {
		session = c.Session.ID
	}
	return strings.Join([]string{c.Address, c.Action.String(), target, sha, gone, c.AdoptID, session,
		fmt.Sprint(c.Unmanaged, c.Deposed, c.Orphan)}, "\x00")
}

// CheckReviewedOrigin reports whether s, a reviewed plan, was made for the
// state and the Graph that a fresh plan would now be made for: the same
// lineage (a new state, or one for another configuration, is not what was
// reviewed) and the graph block pointing where it did. Unlike CheckSaved,
// a moved serial is no objection: CompareReviewed judges the changes.
func CheckReviewedOrigin(s *Saved, cfg *spec.Config, st *state.State) error {
	lineage := ""
	if st != nil {
		lineage = st.Lineage
	}
	now := SavedGraph{Endpoint: cfg.Graph.Endpoint, Cloud: cfg.Graph.Cloud, TenantID: cfg.Graph.TenantID}
	switch {
	case s.Plan.Lineage != "" && s.Plan.Lineage != lineage:
		return stale("it was made for another state (lineage %s, now %s)", s.Plan.Lineage, orNone(lineage))
	case s.Graph != now:
		return stale("the graph block now points elsewhere (endpoint %s, cloud %s, tenant %s; reviewed for %s, %s, %s)",
			orNone(now.Endpoint), orNone(now.Cloud), orNone(now.TenantID), orNone(s.Graph.Endpoint), orNone(s.Graph.Cloud), orNone(s.Graph.TenantID))
	}
	return nil
}
