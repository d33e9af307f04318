package workspace

import (
	"fmt"
	"slices"

	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/internal/addrs"
	"github.com/attachform/attachform/state"
	"github.com/hashicorp/hcl/v2"
)

// The rules of the commands that change the state by hand (state rm, mv,
// push, import) and of those that read it (state list, show). Each takes
// the state read under the lock and says what to write, or why not as
// error diagnostics; none touches Graph or the backend.

// stateError is a problem with no place in a manifest. Its detail is
// redacted as every message is: an upload URL never shows.
func stateError(summary, format string, args ...any) hcl.Diagnostics {
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   graph.Redact(fmt.Sprintf(format, args...)),
	}}
}

// Matches reports whether addr is filter, or an instance of the block
// filter names: attachment.handbook matches attachment.handbook["a.pdf"]
// and attachment.handbook[0].
func Matches(addr, filter string) bool {
	a, err1 := addrs.Parse(addr)
	f, err2 := addrs.Parse(filter)
	if err1 != nil || err2 != nil {
		return addr == filter // a state not written by attachform
	}
	return f.Contains(a)
}

// AddressesIn are every address the state records something at:
// attachments, deposed ones, interrupted uploads and announced creations.
func AddressesIn(st *state.State) []string {
	var all []string
	for addr := range st.Records() {
		all = append(all, addr)
	}
	return SortedAddresses(all)
}

// SortedAddresses lists the distinct addresses of attachments in order.
func SortedAddresses(in []string) []string {
	out := slices.Clone(in)
	slices.SortFunc(out, addrs.CompareStrings)
	return slices.Compact(out)
}

// List is state list: the addresses of the attachments st records (nil:
// none) that match one of filters (none: all), only the one of Graph id
// id when id is set, in the state's order.
func List(st *state.State, filters []string, id string) []string {
	var out []string
	if st == nil {
		return nil
	}
	for _, a := range st.Attachments {
		if id != "" && a.ID != id {
			continue
		}
		if len(filters) == 0 || slices.ContainsFunc(filters, func(f string) bool { return Matches(a.Address, f) }) {
			out = append(out, a.Address)
		}
	}
	return out
}

// Recorded is state show's check: st (nil: none) records something at
// the one instance addr.
func Recorded(st *state.State, addr string) hcl.Diagnostics {
	if st == nil || !slices.Contains(AddressesIn(st), addr) {
		return stateError("No instance found for the given address!", "The state records nothing at %s. This command needs the address of one instance, "+
			"such as attachment.handbook[\"intro.pdf\"]; attachform state list shows them.", addr)
	}
	return nil
}

// Remove is state rm: it forgets in st the attachments at addresses (a
// block address: every instance), unless dryRun, and says which. When an
// address matches nothing, or there is no state (st nil), nothing is
// removed.
func Remove(st *state.State, addresses []string, dryRun bool) ([]string, hcl.Diagnostics) {
	if st == nil {
		return nil, stateError("No state", "There is no state yet, so there is nothing to remove.")
	}
	var removed []string
	for _, f := range addresses {
		n := len(removed)
		for _, a := range st.Attachments {
			if Matches(a.Address, f) && !slices.Contains(removed, a.Address) {
				removed = append(removed, a.Address)
			}
		}
		if len(removed) == n {
			return nil, stateError("Invalid target address", "No attachment in the state matches %s, so nothing was removed. attachform state list shows the addresses.", f)
		}
	}
	if !dryRun {
		for _, a := range removed {
			st.RemoveAttachment(a, "")
		}
	}
	return removed, nil
}

// Move is state mv: it renames in st what src names to dst (a block
// address: every instance, keys kept), unless dryRun, and says which
// renames. Nothing moves when there is no state (st nil), nothing at src,
// or something at a destination already.
func Move(st *state.State, src, dst string, dryRun bool) ([][2]string, hcl.Diagnostics) {
	if st == nil {
		return nil, stateError("No state", "There is no state yet, so there is nothing to move.")
	}
	moves, diags := planMoves(AddressesIn(st), src, dst)
	if diags.HasErrors() {
		return nil, diags
	}
	if !dryRun {
		for _, mv := range moves {
			st.Rename(mv[0], mv[1])
		}
	}
	return moves, nil
}

// planMoves works out what moving src to dst renames among the addresses
// the state records, reporting why when it cannot.
func planMoves(present []string, src, dst string) ([][2]string, hcl.Diagnostics) {
	var moves [][2]string
	switch {
	case src == dst:
		return nil, stateError("Invalid move", "%s and %s are the same address.", src, dst)
	case slices.Contains(present, src):
		moves = append(moves, [2]string{src, dst})
	default:
		from, err1 := addrs.Parse(src)
		to, err2 := addrs.Parse(dst)
		if err1 != nil || err2 != nil || !from.Key.IsNone() {
			break // one instance, and the state has nothing at it
		}
		for _, s := range present {
			a, err := addrs.Parse(s)
			if err != nil || a.Key.IsNone() || a.Block() != from {
				continue
			}
			if !to.Key.IsNone() {
				return nil, stateError("Invalid move", "%s has several instances, which cannot all move to the one instance %s. Move them one at a time, or to a block address.", src, dst)
			}
			moves = append(moves, [2]string{s, to.Instance(a.Key).String()})
		}
	}
	if len(moves) == 0 {
		return nil, stateError("Invalid source address", "The state records nothing at %s. attachform state list shows the addresses.", src)
	}
	for _, mv := range moves {
		if slices.ContainsFunc(present, func(a string) bool { return Matches(a, mv[1]) }) {
			return nil, stateError("Invalid destination address", "The state already records something at %s. Remove it first (attachform state rm) or choose another address.", mv[1])
		}
	}
	return moves, nil
}
