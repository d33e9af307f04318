package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/internal/addrs"
	"github.com/attachform/attachform/item"
	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
	"github.com/hashicorp/hcl/v2"
)

// Mode is what a plan is for.
type Mode int

const (
	// Normal makes Graph match the manifests.
	Normal Mode = iota
	// Destroy removes everything attachform manages (plan -destroy).
	Destroy
	// RefreshOnly changes nothing in Graph and brings the state in line
	// with it: what vanished is forgotten (plan -refresh-only).
	RefreshOnly
)

// Mass-destroy guard defaults: a plan that would delete or replace more
// than this share of the managed attachments, when at least this many are
// managed, needs -allow-mass-destroy.
const (
	DefaultMassDestroyShare = 0.30
	DefaultMassDestroyMin   = 10
)

// Move renames one address in the state; no Graph request is needed.
type Move struct {
	From, To string
}

// moves renames, in a copy of st, what moved blocks move: from must be
// recorded and to must not be. A move between two blocks (no keys) that
// finds nothing at from moves every instance of from, keys kept, as
// Terraform's does. The copy is what the rest of the plan sees.
func (b *builder) moves(cfg *spec.Config) {
	var moved []Move
	st := b.st.Clone()
	for _, m := range cfg.Moved {
		for _, mv := range instanceMoves(st, m) {
			if _, ok := st.Attachment(mv.From); !ok && !pendingAt(st, mv.From) {
				continue // already moved, or never applied
			}
			if _, taken := st.Attachment(mv.To); taken {
				b.diags = append(b.diags, &hcl.Diagnostic{
					Severity: hcl.DiagWarning, Summary: "Moved target already exists",
					Detail: fmt.Sprintf("%s is recorded already, so %s was not moved into it; %s is planned as not declared. "+
						"Remove the moved block once the state is as you want it.", mv.To, mv.From, mv.From),
					Subject: m.DeclRange.Ptr(),
				})
				continue
			}
			st.Rename(mv.From, mv.To)
			moved = append(moved, mv)
		}
	}
	b.st, b.moved = st, moved
}

// instanceMoves is what one moved block renames in st: itself, or, for a
// move between blocks when nothing is recorded at from itself, each
// recorded instance of from to the same key of to.
func instanceMoves(st *state.State, m spec.Moved) []Move {
	from, err1 := addrs.Parse(m.From)
	to, err2 := addrs.Parse(m.To)
	if err1 != nil || err2 != nil || !from.Key.IsNone() || !to.Key.IsNone() {
		return []Move{{From: m.From, To: m.To}}
	}
	if _, ok := st.Attachment(m.From); ok || pendingAt(st, m.From) {
		return []Move{{From: m.From, To: m.To}}
	}
	seen := map[string]bool{}
	var out []Move
	for addr := range st.Records() {
		a, err := addrs.Parse(addr)
		if err != nil || a.Key.IsNone() || a.Block() != from || seen[addr] {
			continue
		}
		seen[addr] = true
		out = append(out, Move{From: addr, To: to.Instance(a.Key).String()})
	}
	slices.SortFunc(out, func(x, y Move) int { return strings.Compare(x.From, y.From) })
	return out
}

// pendingAt reports whether anything unfinished is recorded at addr.
func pendingAt(st *state.State, addr string) bool {
	return slices.ContainsFunc(st.Sessions, func(s state.Session) bool { return s.Address == addr }) ||
		slices.ContainsFunc(st.Intents, func(x state.Intent) bool { return x.Address == addr }) ||
		slices.ContainsFunc(st.Deposed, func(a state.Attachment) bool { return a.Address == addr })
}

// imports checks every import block of an address not yet managed: the
// attachment must be on the target's item. Verified ones are adopted by
// desired() (or replaced when they differ from the source).
func (b *builder) imports(cfg *spec.Config) {
	b.imported = map[string]graph.Attachment{}
	for _, im := range cfg.Imports {
		if _, managed := b.st.Attachment(im.To); managed {
			continue // imported already: the block is a no-op now
		}
		a := b.specs[im.To]
		if a == nil || a.Target.Unknown {
			continue
		}
		li := b.live.Item(a.Target.Item)
		if li == nil {
			continue // not refreshed (-refresh=false): decided another time
		}
		live, found := li.find(im.ID)
		if !found || li.Missing {
			b.diags = append(b.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError, Summary: "Imported attachment not found",
				Detail: fmt.Sprintf("The import into %s names attachment id %q, which %s (target.%s) does not have. "+
					"Check the id (attachform shows live ids in plans of exclusive targets), or that the import's attachment block points at the item it is on.",
					im.To, im.ID, a.Target.Item, a.Target.Name),
				Subject: im.DeclRange.Ptr(),
			})
			continue
		}
		if b.owned[live.ID] {
			b.diags = append(b.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError, Summary: "Imported attachment already managed",
				Detail:  fmt.Sprintf("Attachment id %q is already managed under another address; one attachment can be managed once. Remove this import block, or use a moved block to rename.", im.ID),
				Subject: im.DeclRange.Ptr(),
			})
			continue
		}
		b.claimed[live.ID] = true
		b.imported[im.To] = live
	}
}

// Imported is the state's record of live, the attachment on the item on
// that an import adopts as address: what Graph says of it. Its digest and
// size in bytes are the caller's to add, from the bytes it read.
func Imported(address string, on item.Ref, live graph.Attachment) state.Attachment {
	return state.Attachment{Address: address, Target: on, ID: live.ID, ReportedSize: live.Size,
		Descriptor: state.Descriptor{Name: live.Name, ContentType: live.ContentType, Inline: live.IsInline, ContentID: live.ContentID}}
}

// importChange plans d, an address an import block adopts: adopted when
// the attachment is exactly the source, else replaced by it.
func (b *builder) importChange(d *Desired, live graph.Attachment) Change {
	imported := Imported(d.Address, d.Target, live)
	before := &imported
	if b.identical(d, d.Target, live) && live.ContentType == d.ContentType && live.ContentID == d.ContentID {
		return Change{Address: d.Address, Action: Adopt, Reason: "imported", After: d, AdoptID: live.ID, Importing: live.ID}
	}
	if sha, n, ok := b.digest(d.Target, live.ID); ok {
		before.SHA256, before.Bytes = sha, n
	}
	reasons := differences(before, d)
	if len(reasons) == 0 {
		reasons = []string{"its content could not be read to compare"}
	}
	return Change{Address: d.Address, Action: Replace, Reason: "imported; " + joinReasons(reasons), Before: before, After: d, Importing: live.ID}
}

// refreshOnly keeps only what brings the state in line with Graph: what
// vanished is forgotten (declared or not), nothing is sent to Graph.
func (b *builder) refreshOnly() {
	var kept []Change
	for _, c := range b.changes {
		switch {
		case c.Action == Forget:
			kept = append(kept, c)
		case c.Action == Create && c.Before != nil: // deleted outside attachform
			kept = append(kept, Change{Address: c.Address, Action: Forget, Reason: c.Reason, Before: c.Before})
		}
	}
	b.changes = kept
}

// massDestroy fails a plan that would delete or replace more than the
// allowed share of the managed attachments: a wrong branch, a missing
// variable file or a renamed directory look exactly like that.
func (b *builder) massDestroy() {
	managed := len(b.st.Attachments)
	share, least := b.opts.MassDestroyShare, b.opts.MassDestroyMin
	if share <= 0 {
		share = DefaultMassDestroyShare
	}
	if least <= 0 {
		least = DefaultMassDestroyMin
	}
	if b.opts.AllowMassDestroy || b.opts.Mode != Normal || managed < least {
		return
	}
	destroyed := 0
	for _, c := range b.changes {
		if c.Action == Replace || (c.Action == Delete && !c.Unmanaged && !c.Orphan && !c.Deposed) {
			destroyed++
		}
	}
	if float64(destroyed) <= share*float64(managed) {
		return
	}
	b.diags = append(b.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("Plan would destroy %d of %d managed attachments", destroyed, managed),
		Detail: fmt.Sprintf("This plan deletes or replaces %d of the %d attachments attachform manages, more than the %.0f %% it allows without asking. "+
			"A wrong branch, a missing -var-file or a moved directory often looks like this: check the manifests and variables. "+
			"If it is intended, run again with -allow-mass-destroy (the share is the graph block's mass_destroy_threshold).", destroyed, managed, share*100),
	})
}

// appOnlyWarnings names every target whose kind application permissions
// cannot write attachments to (Graph: To Do task attachments support
// delegated permissions only).
func appOnlyWarnings(cfg *spec.Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, t := range cfg.Targets {
		k := t.Item.Kind
		if k.Traits().AppOnlyWrites || !slices.ContainsFunc(cfg.Attachments, func(a *spec.Attachment) bool { return a.Target == t }) {
			continue
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  fmt.Sprintf("An application cannot write attachments to a %s", k),
			Detail: fmt.Sprintf("target.%s is a %s, and the credential is an application's (app-only). Microsoft Graph supports only delegated "+
				"permissions (%s for a signed-in user) for adding or removing %s attachments, so apply would be refused with 403. "+
				"Run with a user's credential (auth = \"azure_cli\" or \"device_code\"), or move these attachments to a message or event.",
				t.Name, k, k.Traits().Permission, k),
			Subject: t.DeclRange.Ptr(),
		})
	}
	return diags
}
