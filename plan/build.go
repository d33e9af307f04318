package plan

import (
	"context"
	"fmt"
	"github.com/attachform/attachform/content"
	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/internal/addrs"
	"github.com/attachform/attachform/item"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
	"github.com/hashicorp/hcl/v2"
)

// sessionMargin keeps a plan from resuming a session that would expire
// before the upload could finish.
const sessionMargin = 5 * time.Minute

// Options steer Build.
type Options struct {
	Now         time.Time
	Mode        Mode     // Normal, Destroy or RefreshOnly
	Targets     []string // -target: only these addresses (empty = all)
	Replace     []string // -replace: force replacement of these addresses
	Parallelism int      // files hashed and contents checked at once
	// The mass-destroy guard: more than MassDestroyShare of the managed
	// attachments (when at least MassDestroyMin are managed) deleted or
	// replaced fails the plan unless AllowMassDestroy. Zero values are the
	// defaults.
	AllowMassDestroy bool
	MassDestroyShare float64
	MassDestroyMin   int
	// AppOnly says the credential is an application's, not a signed-in
	// user's: kinds whose attachments app-only tokens cannot write get a
	// warning in the plan rather than a 403 in the apply.
	AppOnly bool
}

// Build diffs desired (cfg) against recorded (st, may be nil) and live.
// Problems the user must fix come back as diagnostics; the plan is then nil.
func Build(ctx context.Context, cfg *spec.Config, st *state.State, live Live, r Reader, opts Options) (*Plan, hcl.Diagnostics) {
	if st == nil {
		st = &state.State{}
	}
	fingerprints := content.NewFingerprints()
	desired, err := desire(ctx, cfg, opts.Parallelism, fingerprints)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read an attachment's source", Detail: err.Error()}}
	}
	if opts.Mode == Destroy {
		desired = nil // every managed attachment is undeclared now
	}
	b := &builder{ctx: ctx, st: st, live: live, r: r, opts: opts, specs: map[string]*spec.Attachment{},
		maxMessage: cfg.Graph.EffectiveMaxMessageSize(), claimed: map[string]bool{},
		digests: map[string]digestResult{}, exclusiveItem: map[item.Ref]bool{}}
	for _, a := range cfg.Attachments {
		b.specs[a.Address] = a
	}
	b.moves(cfg)
	b.owned = b.st.OwnedIDs()
	for _, t := range cfg.Targets {
		if t.Exclusive && !t.Unknown {
			b.exclusiveItem[t.Item.Key()] = true
		}
	}
	b.diags = append(b.diags, checkTargets(cfg, live)...)
	if opts.AppOnly {
		b.diags = append(b.diags, appOnlyWarnings(cfg)...)
	}
	if b.diags.HasErrors() {
		return nil, b.diags
	}
	if opts.Mode == Normal {
		// Importing adopts: a change, which destroy and refresh-only plans
		// do not make (as Terraform's).
		b.imports(cfg)
	}
	b.prefetchDigests(desired)
	b.findTraces()
	b.sessions(desired)
	for _, d := range desired {
		b.desired(d)
	}
	b.orphans()
	b.undeclared(desired)
	b.deposed()
	if opts.Mode != Destroy {
		b.exclusive(cfg)
	}
	if opts.Mode == RefreshOnly {
		b.refreshOnly()
	}
	b.filter(cfg)
	b.unmatchedReplaces()
	b.label()
	b.preventDestroy()
	b.massDestroy()
	if b.diags.HasErrors() {
		return nil, b.diags
	}
	slices.SortStableFunc(b.changes, func(x, y Change) int {
		// Cancelling stale sessions first frees the item's size budget.
		if (x.Action == Cancel) != (y.Action == Cancel) {
			if x.Action == Cancel {
				return -1
			}
			return 1
		}
		return addrs.CompareStrings(x.Address, y.Address)
	})
	return &Plan{Changes: b.changes, Moves: b.moved, Mode: opts.Mode, Lineage: st.Lineage, Serial: st.Serial, Created: opts.Now,
		Targets: slices.Clone(opts.Targets), Replace: slices.Clone(opts.Replace), AllowMassDestroy: opts.AllowMassDestroy,
		Estimates: estimateUploads(b.changes, cfg.Graph), fingerprints: fingerprints}, b.diags
}

type builder struct {
	ctx  context.Context
	st   *state.State
	live Live
	r    Reader
	opts Options
	// maxMessage is the mailbox's maximum message size (graph block).
	maxMessage int64
	specs      map[string]*spec.Attachment
	changes    []Change
	diags      hcl.Diagnostics
	resume     map[string]*Session // by address
	owned      map[string]bool     // ids the state accounts for (see state.OwnedIDs)
	// claimed are live ids a change of this plan already adopts or
	// deletes: none may be adopted twice.
	claimed       map[string]bool
	moved         []Move                      // renamed by moved blocks
	imported      map[string]graph.Attachment // verified import blocks, by address
	traces        []*trace                    // what interrupted applies left on items
	digests       map[string]digestResult
	exclusiveItem map[item.Ref]bool
}

// checkTargets refuses to plan uploads onto items that do not exist.
func checkTargets(cfg *spec.Config, live Live) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, t := range cfg.Targets {
		if t.Unknown {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError, Summary: "Target not resolved",
				Detail:  fmt.Sprintf("target %q depends on a data source that was not looked up; plan needs Graph access.", t.Name),
				Subject: t.DeclRange.Ptr(),
			})
			continue
		}
		if li := live.Item(t.Item); li != nil && li.Missing {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError, Summary: "Target item not found",
				Detail: fmt.Sprintf("target %q names %s, which Graph does not have (deleted, or the id is wrong). "+
					"Point the target at an existing item, or remove it and its attachments from the configuration.", t.Name, t.Item),
				Subject: t.DeclRange.Ptr(),
			})
		}
	}
	return diags
}

// sessions decides, for every upload session left open, whether the next
// apply resumes it or cancels it.
func (b *builder) sessions(desired []*Desired) {
	b.resume = map[string]*Session{}
	byAddr := map[string]*Desired{}
	for _, d := range desired {
		byAddr[d.Address] = d
	}
	for _, recorded := range b.st.Sessions {
		s := sessionOf(recorded) // a copy, and without the upload URL
		if b.traced(recorded) {
			continue // it completed: its trace is adopted or deleted
		}
		d := byAddr[s.Address]
		reason := ""
		switch {
		case d == nil:
			reason = b.undeclaredReason()
		case !b.opts.Now.Add(sessionMargin).Before(s.ExpiresAt):
			reason = "expired"
		case !sessionMatches(s, d):
			reason = "the file or its attributes changed since the upload began"
		case b.resume[s.Address] != nil:
			reason = "superseded by another open session"
		case b.forced(s.Address):
			reason = "replacement requested"
		case !b.askSession(recorded, s):
			reason = "Graph no longer knows the upload session"
		}
		if reason != "" {
			b.changes = append(b.changes, Change{Address: s.Address, Action: Cancel, Reason: reason, Session: s})
			continue
		}
		b.resume[s.Address] = s
	}
}

func sessionMatches(s *Session, d *Desired) bool {
	return s.Descriptor == d.Descriptor && s.Target.Key() == d.Target.Key()
}

// desired plans one declared attachment. Whatever would upload looks
// first for an identical attachment already on the item.
func (b *builder) desired(d *Desired) {
	if live, ok := b.imported[d.Address]; ok {
		b.add(b.importChange(d, live))
		return
	}
	c := b.baseChange(d)
	if c.Action != Create && c.Action != Replace && c.Action != Resume {
		b.add(c)
		return
	}
	id, t := b.adoptable(d)
	if id == "" {
		b.warnSameName(d, c)
		b.add(c)
		return
	}
	if c.Session != nil {
		b.add(Change{Address: d.Address, Action: Cancel, Reason: "an identical attachment is already on the item", Session: c.Session})
		c.Session = nil
	}
	c.AdoptID = id
	found := "an identical attachment is already on the item"
	if t != nil {
		found = "an interrupted apply already uploaded it"
		t.settle(&c)
	}
	switch {
	case c.Action == Replace:
		c.Reason += "; " + found
	case c.Before != nil:
		c.Action, c.Reason = Adopt, c.Reason+"; "+found
	default:
		c.Action, c.Reason = Adopt, found
	}
	b.add(c)
}

// baseChange is what d needs before looking for anything to adopt.
func (b *builder) baseChange(d *Desired) Change {
	cur, managed := b.st.Attachment(d.Address)
	session := b.resume[d.Address]
	if !managed {
		if session != nil {
			return Change{Address: d.Address, Action: Resume, Reason: "an earlier upload was interrupted", After: d, Session: session}
		}
		return Change{Address: d.Address, Action: Create, After: d}
	}
	li := b.live.Item(cur.Target)
	if _, ok := li.find(cur.ID); li != nil && !ok && cur.Target.Key() == d.Target.Key() {
		return Change{Address: d.Address, Action: Create, Reason: "deleted outside attachform", Before: &cur, After: d, Session: session}
	}
	reasons := differences(&cur, d)
	if b.forced(d.Address) {
		reasons = append(reasons, "replacement requested")
	}
	if len(reasons) == 0 {
		return Change{Address: d.Address, Action: NoOp, Before: &cur, After: d}
	}
	return Change{
		Address: d.Address, Action: Replace, Reason: joinReasons(reasons),
		Before: &cur, After: d, Session: session, DestroyFirst: b.destroyFirst(&cur, d),
	}
}

// warnSameName says when an upload would put a second attachment of one
// name on an item where attachform does not own the first: on an exclusive
// target the other is deleted anyway, elsewhere it would silently double.
func (b *builder) warnSameName(d *Desired, c Change) {
	if b.exclusiveItem[d.Target.Key()] {
		return
	}
	other, ok := b.sameNameForeign(d)
	if !ok {
		return
	}
	what := "The plan uploads it"
	if c.Action == Create && c.Before != nil {
		what = d.Address + " was deleted outside attachform, and the plan uploads it again"
	}
	diag := &hcl.Diagnostic{
		Severity: hcl.DiagWarning,
		Summary:  fmt.Sprintf("%s would share its name with an attachment attachform does not manage", d.Address),
		Detail: fmt.Sprintf("%s holds an attachment named %q (%s) that no manifest accounts for. %s, "+
			"so the item will carry two attachments of that name. If the other one is unwanted, set exclusive = true "+
			"on target.%s to have attachform delete it, or remove it by hand; if it replaced this one on purpose, "+
			"remove %s from the configuration.", d.Target, other.Name, ShortID(other.ID), what, d.TargetName, d.Address),
	}
	if a := b.specs[d.Address]; a != nil {
		diag.Subject = a.DeclRange.Ptr()
	}
	b.diags = append(b.diags, diag)
}

func (b *builder) add(c Change) { b.changes = append(b.changes, c) }

func joinReasons(r []string) string { return strings.Join(r, ", ") }

func (b *builder) forced(addr string) bool { return slices.Contains(b.opts.Replace, addr) }

func differences(cur *state.Attachment, d *Desired) []string {
	var r []string
	if cur.Target.Key() != d.Target.Key() {
		r = append(r, "target changed")
	}
	if cur.SHA256 != d.SHA256 {
		r = append(r, "content changed")
	}
	if cur.Name != d.Name {
		r = append(r, "name changed")
	}
	if cur.ContentType != d.ContentType {
		r = append(r, "content type changed")
	}
	if cur.Inline != d.Inline || cur.ContentID != d.ContentID {
		r = append(r, "inline disposition changed")
	}
	return r
}

// destroyFirst chooses destroy-before-create when the manifest asks for it,
// or when the old and the new attachment would not fit on an Outlook item
// together (its maximum message size).
func (b *builder) destroyFirst(cur *state.Attachment, d *Desired) bool {
	if a := b.specs[d.Address]; a != nil && a.CreateBeforeDestroy != nil {
		return !*a.CreateBeforeDestroy
	}
	if cur.Target.Key() != d.Target.Key() || !d.Target.Kind.Traits().SharesMessageSize {
		return false
	}
	return b.live.Item(d.Target).totalSize()+d.Bytes > b.maxMessage
}

// undeclared plans what state has and the manifests no longer declare.
func (b *builder) undeclared(desired []*Desired) {
	declared := map[string]bool{}
	for _, d := range desired {
		declared[d.Address] = true
	}
	for _, recorded := range b.st.Attachments {
		cur := &recorded // a copy, never a pointer into the state
		if declared[cur.Address] {
			continue
		}
		li := b.live.Item(cur.Target)
		_, present := li.find(cur.ID)
		switch {
		case li != nil && li.Missing:
			b.add(Change{Address: cur.Address, Action: Forget, Reason: "its item no longer exists", Before: cur})
		case li != nil && !present:
			b.add(Change{Address: cur.Address, Action: Forget, Reason: "already deleted outside attachform", Before: cur})
		default:
			b.add(Change{Address: cur.Address, Action: Delete, Reason: b.undeclaredReason(), Before: cur})
		}
	}
}

// undeclaredReason is why what the state has and the manifests do not is
// deleted: in a destroy plan everything is, and that needs no reason (as
// in Terraform's).
func (b *builder) undeclaredReason() string {
	if b.opts.Mode == Destroy {
		return ""
	}
	return "no longer in the configuration"
}

// deposed finishes replacements that were interrupted after the new
// attachment was uploaded and before the old one was deleted.
func (b *builder) deposed() {
	for _, recorded := range b.st.Deposed {
		old := &recorded // a copy, never a pointer into the state
		li := b.live.Item(old.Target)
		if _, present := li.find(old.ID); li != nil && !present {
			b.add(Change{Address: old.Address, Action: Forget, Reason: "a replaced attachment that is already gone", Before: old, Deposed: true})
			continue
		}
		b.add(Change{Address: old.Address, Action: Delete, Reason: "replaced by an earlier apply that was interrupted before deleting it", Before: old, Deposed: true})
	}
}

// exclusive deletes what no manifest declares on exclusive targets.
func (b *builder) exclusive(cfg *spec.Config) {
	known := b.st.OwnedIDs()
	for id := range b.claimed {
		known[id] = true
	}
	for _, t := range cfg.Targets {
		li := b.live.Item(t.Item)
		if !t.Exclusive || li == nil || li.Missing {
			continue
		}
		names := map[string]int{}
		for _, a := range li.Attachments {
			names[a.Name]++
		}
		for _, a := range li.Attachments {
			if known[a.ID] {
				continue
			}
			// Outlook allows two attachments of one name; the id then
			// tells them apart.
			label := a.Name
			if names[a.Name] > 1 {
				label += " (" + ShortID(a.ID) + ")"
			}
			before := &state.Attachment{Target: t.Item, ID: a.ID,
				Descriptor: state.Descriptor{Name: a.Name, ContentType: a.ContentType}, ReportedSize: a.Size}
			b.add(Change{
				Address: addrs.UndeclaredAddr(t.Address(), label).String(), Action: Delete,
				Reason: "not declared, and the target is exclusive", Before: before, Unmanaged: true,
			})
		}
	}
}

// label names each change's item as Graph called it at refresh, or, for
// an item not refreshed, as the state last recorded it.
func (b *builder) label() {
	recorded := map[item.Ref]item.Label{}
	for _, a := range b.st.Attachments {
		if !a.TargetLabel.IsZero() {
			recorded[a.Target.Key()] = a.TargetLabel
		}
	}
	named := func(t item.Ref) item.Label {
		if l := b.live.Label(t); !l.IsZero() {
			return l
		}
		return recorded[t.Key()]
	}
	for i := range b.changes {
		c := &b.changes[i]
		if c.After != nil {
			c.After.TargetLabel = named(c.After.Target)
		}
		if c.Before != nil {
			before := *c.Before // a copy: Before may be shared with another change
			before.TargetLabel = named(before.Target)
			c.Before = &before
		}
		if c.Session != nil {
			s := *c.Session
			s.TargetLabel = named(s.Target)
			c.Session = &s
		}
	}
}

// filter keeps what -target asks for: an attachment, every instance of a
// block, or every attachment on a target (its instance, or all of its
// instances); a targeted address also keeps the cancellation of its stale
// sessions.
func (b *builder) filter(cfg *spec.Config) {
	if len(b.opts.Targets) == 0 {
		return
	}
	var sel []addrs.Address
	onItem := map[item.Ref]bool{}
	for _, s := range b.opts.Targets {
		a, err := addrs.Parse(s)
		if err != nil {
			continue // the CLI parsed every -target
		}
		sel = append(sel, a)
		if a.Kind != addrs.Target {
			continue
		}
		for _, t := range cfg.Targets {
			if a.Contains(t.Address()) && !t.Unknown {
				onItem[t.Item.Key()] = true
			}
		}
	}
	b.changes = slices.DeleteFunc(b.changes, func(c Change) bool {
		if slices.ContainsFunc(changeItems(c), func(r item.Ref) bool { return onItem[r.Key()] }) {
			return false
		}
		addr, err := addrs.Parse(c.Address)
		return err != nil || !slices.ContainsFunc(sel, func(s addrs.Address) bool { return s.Contains(addr) })
	})
}

// unmatchedReplaces warns of each -replace address that names no
// attachment declared or recorded: a block with for_each or count is
// replaced one instance at a time, as Terraform's.
func (b *builder) unmatchedReplaces() {
	for _, r := range b.opts.Replace {
		if _, managed := b.st.Attachment(r); managed || b.specs[r] != nil {
			continue
		}
		detail := fmt.Sprintf("-replace=%s names no attachment in the configuration or the state, so nothing is replaced for it.", r)
		if block, err := addrs.Parse(r); err == nil && block.Key.IsNone() {
			var example string
			for addr := range b.specs {
				if a, err := addrs.Parse(addr); err == nil && a.Block() == block && (example == "" || addrs.CompareStrings(addr, example) < 0) {
					example = addr
				}
			}
			if example != "" {
				detail += fmt.Sprintf(" %s has for_each or count: name one instance, as in -replace='%s'.", r, example)
			}
		}
		b.diags = append(b.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Replace address not found", Detail: detail})
	}
}

// changeItems are the items a change touches: its new attachment's, its
// old one's, its session's.
func changeItems(c Change) []item.Ref {
	var out []item.Ref
	if c.After != nil {
		out = append(out, c.After.Target)
	}
	if c.Before != nil {
		out = append(out, c.Before.Target)
	}
	if c.Session != nil {
		out = append(out, c.Session.Target)
	}
	return out
}

// preventDestroy fails the plan if it would remove a protected attachment.
func (b *builder) preventDestroy() {
	for _, c := range b.changes {
		a := b.specs[c.Address]
		if a == nil || !a.PreventDestroy || c.Orphan || (c.Action != Replace && c.Action != Delete) {
			continue
		}
		b.diags = append(b.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Plan would destroy a protected attachment",
			Detail: fmt.Sprintf("%s has lifecycle.prevent_destroy set, but this plan would %s it (%s). "+
				"Revert the change, or remove prevent_destroy if replacing it is intended.", c.Address, c.Action, c.Reason),
			Subject: a.DeclRange.Ptr(),
		})
	}
}

// ShortID is how a plan abbreviates an attachment id for people: its
// reasons do, and its views must too, so both name an object alike.
func ShortID(id string) string {
	if len(id) > 8 {
		return id[len(id)-8:]
	}
	return id
}

func displayPath(dir, p string) string {
	if rel, err := filepath.Rel(dir, p); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return p
}
