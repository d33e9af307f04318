// Package tfjson is Terraform's JSON formats, as attachform fills them:
// the plan document of "terraform show -json PLANFILE" (format 1.2), the
// state document of "terraform show -json", and the resource addresses and
// actions of the machine-readable UI (plan -json, apply -json). Tools written for
// Terraform's plans (hashicorp/terraform-json, OPA and conftest policies)
// read them unchanged: every attachment is a managed resource of type
// attachform_attachment, an upload session one of attachform_upload_session.
//
// Nothing here holds a secret: plans carry none, and a state's upload URLs
// are left out. The package returns values; the command encodes and
// writes them.
package tfjson

import (
	"strings"
	"time"

	"github.com/attachform/attachform/internal/addrs"
	"github.com/attachform/attachform/item"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/state"
)

// Terraform's resource types for what attachform manages.
const (
	AttachmentType = "attachform_attachment"
	SessionType    = "attachform_upload_session"
	Provider       = "attachform"
	PlanFormat     = "1.2"
	StateFormat    = "1.0"
	UIVersion      = "1.2"
)

// Plan is the plan document (terraform-json's Plan).
type Plan struct {
	FormatVersion     string           `json:"format_version"`
	AttachformVersion string           `json:"attachform_version,omitempty"`
	Applyable         bool             `json:"applyable"`
	Complete          bool             `json:"complete"`
	Errored           bool             `json:"errored"`
	Timestamp         string           `json:"timestamp,omitempty"`
	PlannedValues     Values           `json:"planned_values"`
	ResourceDrift     []ResourceChange `json:"resource_drift,omitempty"`
	ResourceChanges   []ResourceChange `json:"resource_changes"`
	PriorState        *State           `json:"prior_state,omitempty"`
}

// State is the state document (terraform-json's State).
type State struct {
	FormatVersion     string `json:"format_version"`
	AttachformVersion string `json:"attachform_version,omitempty"`
	Values            Values `json:"values"`
}

type Values struct {
	RootModule Module `json:"root_module"`
}

type Module struct {
	Resources []Resource `json:"resources"`
}

// Resource is one object in a state or in planned values.
type Resource struct {
	Address         string         `json:"address"`
	Mode            string         `json:"mode"`
	Type            string         `json:"type"`
	Name            string         `json:"name"`
	Index           any            `json:"index,omitempty"`
	ProviderName    string         `json:"provider_name"`
	SchemaVersion   int            `json:"schema_version"`
	DeposedKey      string         `json:"deposed_key,omitempty"`
	Values          map[string]any `json:"values"`
	SensitiveValues map[string]any `json:"sensitive_values"`
}

// ResourceChange is one change (terraform-json's ResourceChange).
type ResourceChange struct {
	Address         string `json:"address"`
	PreviousAddress string `json:"previous_address,omitempty"`
	Mode            string `json:"mode"`
	Type            string `json:"type"`
	Name            string `json:"name"`
	Index           any    `json:"index,omitempty"`
	ProviderName    string `json:"provider_name"`
	Deposed         string `json:"deposed,omitempty"`
	Change          Change `json:"change"`
	ActionReason    string `json:"action_reason,omitempty"`
}

type Change struct {
	Actions         []string       `json:"actions"`
	Before          map[string]any `json:"before"`
	After           map[string]any `json:"after"`
	AfterUnknown    map[string]any `json:"after_unknown"`
	BeforeSensitive any            `json:"before_sensitive"`
	AfterSensitive  any            `json:"after_sensitive"`
	Importing       *Importing     `json:"importing,omitempty"`
}

type Importing struct {
	ID string `json:"id"`
}

// Addr is Terraform's name and index of an address: attachment.x is x;
// attachment.x["k"] is x and "k"; attachment.x[0] is x and 0. An address
// that is no resource of the manifests (target.t.undeclared["a.pdf"]) is
// named by its label, "undeclared", as its index.
func Addr(addr string) (name string, index any) {
	a, err := addrs.Parse(addr)
	switch {
	case err != nil:
		return addr, nil // not written by attachform: shown as it is
	case a.Kind == addrs.Undeclared:
		return "undeclared", a.Label
	}
	return a.Name, a.Key.Value()
}

// actions are Terraform's actions for a change: a replacement is
// ["create","delete"] when the new attachment is uploaded first, and
// ["delete","create"] when the old one goes first (DestroyFirst).
func actions(c plan.Change) []string {
	switch c.Action {
	case plan.Create, plan.Resume:
		return []string{"create"}
	case plan.Delete, plan.Cancel:
		return []string{"delete"}
	case plan.Replace:
		if c.DestroyFirst {
			return []string{"delete", "create"}
		}
		return []string{"create", "delete"}
	case plan.Forget:
		return []string{"forget"}
	}
	return []string{"no-op"} // NoOp, Adopt (an import)
}

// actionReason is Terraform's keyword for why, where it has one.
func actionReason(c plan.Change, mode plan.Mode) string {
	switch {
	case c.Action == plan.Replace && strings.Contains(c.Reason, "replacement requested"):
		return "replace_by_request"
	case c.Action == plan.Replace:
		return "replace_because_cannot_update" // attachments cannot be edited
	case c.Action == plan.Delete && mode == plan.Normal && !c.Unmanaged && !c.Orphan && !c.Deposed:
		return "delete_because_no_resource_config"
	}
	return ""
}

// beforeValues is what exists now, as Terraform's before value.
func beforeValues(c plan.Change) map[string]any {
	switch {
	case c.Action == plan.Cancel && c.Session != nil:
		return SessionValues(c.Session)
	case c.Before == nil:
		return nil
	}
	return AttachmentValues(*c.Before)
}

// afterValues is what will exist, and which of its values only apply knows.
func afterValues(c plan.Change) (after, unknown map[string]any) {
	if c.After == nil || c.Action == plan.Delete || c.Action == plan.Cancel || c.Action == plan.Forget {
		return nil, map[string]any{}
	}
	d := c.After
	after = withDescriptor(map[string]any{
		"source": d.DisplayPath, "target": Target(d.Target, d.TargetLabel), "target_name": d.TargetName,
	}, d.Descriptor)
	unknown = map[string]any{}
	switch {
	case c.Action == plan.NoOp && c.Before != nil:
		after["id"], after["reported_size"] = c.Before.ID, c.Before.ReportedSize
	case c.AdoptID != "":
		after["id"], unknown["reported_size"] = c.AdoptID, true
	default:
		unknown["id"], unknown["reported_size"] = true, true
	}
	return after, unknown
}

func AttachmentValues(a state.Attachment) map[string]any {
	return withDescriptor(map[string]any{
		"id": a.ID, "reported_size": a.ReportedSize, "target": Target(a.Target, a.TargetLabel),
	}, a.Descriptor)
}

// SessionValues are an upload session's values: never its upload URL.
func SessionValues(s *plan.Session) map[string]any {
	return withDescriptor(map[string]any{
		"id": s.ID, "confirmed": s.Confirmed, "expires_at": s.ExpiresAt.UTC().Format(time.RFC3339),
		"target": Target(s.Target, s.TargetLabel),
	}, s.Descriptor)
}

// withDescriptor adds d's six values to values, under the names every
// attachform resource gives them.
func withDescriptor(values map[string]any, d state.Descriptor) map[string]any {
	values["name"], values["content_type"], values["inline"], values["content_id"] = d.Name, d.ContentType, d.Inline, d.ContentID
	values["sha256"], values["bytes"] = d.SHA256, d.Bytes
	return values
}

// sensitivity is Terraform's *_sensitive for a value: false for none,
// and an empty object (nothing in it is sensitive) for one.
func sensitivity(v map[string]any) any {
	if v == nil {
		return false
	}
	return map[string]any{}
}

// resourceChangeOf is one change of p as Terraform writes it.
func resourceChangeOf(c plan.Change, mode plan.Mode, movedFrom map[string]string) ResourceChange {
	name, index := Addr(c.Address)
	rc := ResourceChange{
		Address: c.Address, PreviousAddress: movedFrom[c.Address], Mode: "managed", Type: AttachmentType,
		Name: name, Index: index, ProviderName: Provider, ActionReason: actionReason(c, mode),
	}
	if c.Action == plan.Cancel {
		rc.Type = SessionType
	}
	if c.Deposed && c.Before != nil {
		rc.Deposed = plan.ShortID(c.Before.ID)
	}
	before := beforeValues(c)
	after, unknown := afterValues(c)
	rc.Change = Change{
		Actions: actions(c), Before: before, After: after, AfterUnknown: unknown,
		BeforeSensitive: sensitivity(before), AfterSensitive: sensitivity(after),
	}
	switch {
	case c.Importing != "":
		rc.Change.Importing = &Importing{ID: c.Importing}
	case c.Action == plan.Adopt:
		// Recording what is already on the item is an import too, in
		// Terraform's words, though no import block asked for it.
		rc.Change.Importing = &Importing{ID: c.AdoptID}
	}
	return rc
}

// PlanOf is p as "terraform show -json PLANFILE" would write it, by
// attachform of the given version.
func PlanOf(p *plan.Plan, version string) Plan {
	out := Plan{
		FormatVersion: PlanFormat, AttachformVersion: version, Applyable: p.HasChanges(), Complete: len(p.Targets) == 0,
		ResourceChanges: []ResourceChange{},
		PlannedValues:   Values{RootModule: Module{Resources: []Resource{}}},
	}
	if !p.Created.IsZero() {
		out.Timestamp = p.Created.UTC().Format(time.RFC3339)
	}
	movedFrom := map[string]string{}
	for _, m := range p.Moves {
		movedFrom[m.To] = m.From
	}
	changed := map[string]bool{}
	prior := &State{FormatVersion: StateFormat, Values: Values{RootModule: Module{Resources: []Resource{}}}}
	for _, c := range p.Changes {
		rc := resourceChangeOf(c, p.Mode, movedFrom)
		changed[c.Address] = true
		out.ResourceChanges = append(out.ResourceChanges, rc)
		if p.Mode == plan.RefreshOnly && c.Action == plan.Forget {
			drift := rc
			drift.Change.Actions = []string{"delete"}
			out.ResourceDrift = append(out.ResourceDrift, drift)
		}
		if c.Before != nil && c.Action != plan.Cancel && !c.Unmanaged && !c.Orphan {
			prior.Values.RootModule.Resources = append(prior.Values.RootModule.Resources, resourceOf(c.Address, *c.Before, c.Deposed))
		}
		if rc.Change.After != nil {
			out.PlannedValues.RootModule.Resources = append(out.PlannedValues.RootModule.Resources, Resource{
				Address: c.Address, Mode: "managed", Type: AttachmentType, Name: rc.Name, Index: rc.Index,
				ProviderName: Provider, Values: rc.Change.After, SensitiveValues: map[string]any{},
			})
		}
	}
	// A move with no other change is a no-op at its new address, as
	// Terraform shows one.
	for _, m := range p.Moves {
		if changed[m.To] {
			continue
		}
		name, index := Addr(m.To)
		out.ResourceChanges = append(out.ResourceChanges, ResourceChange{
			Address: m.To, PreviousAddress: m.From, Mode: "managed", Type: AttachmentType, Name: name, Index: index,
			ProviderName: Provider, Change: Change{Actions: []string{"no-op"}, AfterUnknown: map[string]any{}, BeforeSensitive: false, AfterSensitive: false},
		})
	}
	out.PriorState = prior
	return out
}

// resourceOf is a recorded attachment as a state resource.
func resourceOf(addr string, a state.Attachment, deposed bool) Resource {
	name, index := Addr(addr)
	r := Resource{
		Address: addr, Mode: "managed", Type: AttachmentType, Name: name, Index: index,
		ProviderName: Provider, Values: AttachmentValues(a), SensitiveValues: map[string]any{},
	}
	if deposed {
		r.DeposedKey = plan.ShortID(a.ID)
	}
	return r
}

// StateOf is st as "terraform show -json" writes a state: attachments,
// deposed ones, and unfinished upload sessions without their upload URLs.
// version is attachform's.
func StateOf(st *state.State, version string) State {
	out := State{FormatVersion: StateFormat, AttachformVersion: version, Values: Values{RootModule: Module{Resources: []Resource{}}}}
	if st == nil {
		return out
	}
	res := &out.Values.RootModule.Resources
	for _, a := range st.Attachments {
		*res = append(*res, resourceOf(a.Address, a, false))
	}
	for _, a := range st.Deposed {
		*res = append(*res, resourceOf(a.Address, a, true))
	}
	for _, s := range st.Sessions {
		name, index := Addr(s.Address)
		ps := plan.Session{ID: s.ID, Address: s.Address, Target: s.Target, Descriptor: s.Descriptor, Confirmed: s.Confirmed, ExpiresAt: s.ExpiresAt}
		*res = append(*res, Resource{
			Address: s.Address, Mode: "managed", Type: SessionType, Name: name, Index: index,
			ProviderName: Provider, Values: SessionValues(&ps), SensitiveValues: map[string]any{},
		})
	}
	return out
}

// ResourceAddr is a resource in the machine-readable UI's messages.
type ResourceAddr struct {
	Addr            string `json:"addr"`
	Module          string `json:"module"`
	Resource        string `json:"resource"`
	ImpliedProvider string `json:"implied_provider"`
	ResourceType    string `json:"resource_type"`
	ResourceName    string `json:"resource_name"`
	ResourceKey     any    `json:"resource_key"`
}

func ResourceAddrOf(addr string, action plan.Action) ResourceAddr {
	name, index := Addr(addr)
	typ := AttachmentType
	if action == plan.Cancel {
		typ = SessionType
	}
	return ResourceAddr{Addr: addr, Resource: addr, ImpliedProvider: Provider, ResourceType: typ, ResourceName: name, ResourceKey: index}
}

// UIAction is a change's action in the machine-readable UI.
func UIAction(a plan.Action) string {
	switch a {
	case plan.Create, plan.Resume:
		return "create"
	case plan.Delete, plan.Cancel:
		return "delete"
	case plan.Replace:
		return "replace"
	case plan.Adopt:
		return "import"
	case plan.Forget:
		return "remove"
	}
	return "noop"
}

// UIReason is the machine-readable UI's reason keyword.
func UIReason(c plan.Change, mode plan.Mode) string {
	switch actionReason(c, mode) {
	case "replace_by_request":
		return "requested"
	case "replace_because_cannot_update":
		return "cannot_update"
	case "delete_because_no_resource_config":
		return "delete_because_no_resource_config"
	}
	return ""
}

// Target is an item as the JSON forms give it: the reference a program
// needs (mailbox, kind, item_id, list_id) and, when known, the label
// people read.
func Target(t item.Ref, l item.Label) map[string]any {
	v := map[string]any{"mailbox": t.Mailbox, "kind": t.Kind, "item_id": t.ID}
	if t.ListID != "" {
		v["list_id"] = t.ListID
	}
	if !l.IsZero() {
		label := map[string]any{"title": l.Title}
		if l.List != "" {
			label["list"] = l.List
		}
		v["label"] = label
	}
	return v
}
