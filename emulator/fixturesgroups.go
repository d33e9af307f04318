package emulator

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// FixtureGroup is a security group, found by its display name, and its
// direct members.
type FixtureGroup struct {
	Name     string
	Members  []string // UPNs of mailboxes the fixtures declare
	Groups   []string // display names of other groups the fixtures declare (nested)
	Devices  []string // display names of devices, created as members
	Contacts []string // display names of organizational contacts, created as members
	Apps     []string // display names of service principals, created as members
}

var fixturesGroupSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "members"}, {Name: "groups"}, {Name: "devices"}, {Name: "contacts"}, {Name: "service_principals"},
}}

// groups reads the group blocks once every mailbox is known: a member must
// be a declared mailbox, a nested group a declared group, and no group may
// contain itself through others.
func (p *fixtureParser) groups(blocks []*hcl.Block, boxes seen) []FixtureGroup {
	names := seen{}
	var out []FixtureGroup
	decl := map[string]*hcl.Block{}
	for _, b := range blocks {
		name, ok := p.label(b, "display name")
		if !ok || p.duplicate(names, "group", name, b) {
			continue
		}
		decl[strings.ToLower(name)] = b
	}
	for _, b := range blocks {
		name := b.Labels[0]
		if decl[strings.ToLower(name)] != b {
			continue
		}
		g := FixtureGroup{Name: name}
		c := p.content(b.Body, fixturesGroupSchema)
		if a := c.Attributes["members"]; a != nil {
			for _, upn := range p.strings(a) {
				if _, ok := boxes[strings.ToLower(upn)]; !ok {
					p.errorf(a.Expr.Range().Ptr(), "Unknown member",
						"Group %q names %q, which no mailbox block declares. Declare the mailbox (mailbox %q {}) or leave it out.", name, upn, upn)
					continue
				}
				g.Members = append(g.Members, upn)
			}
		}
		if a := c.Attributes["groups"]; a != nil {
			for _, sub := range p.strings(a) {
				if decl[strings.ToLower(sub)] == nil {
					p.errorf(a.Expr.Range().Ptr(), "Unknown group", "Group %q names group %q, which no group block declares.", name, sub)
					continue
				}
				g.Groups = append(g.Groups, sub)
			}
		}
		if a := c.Attributes["devices"]; a != nil {
			g.Devices = p.strings(a)
		}
		if a := c.Attributes["contacts"]; a != nil {
			g.Contacts = p.strings(a)
		}
		if a := c.Attributes["service_principals"]; a != nil {
			g.Apps = p.strings(a)
		}
		out = append(out, g)
	}
	p.checkNesting(out, decl)
	return out
}

// checkNesting refuses a group that contains itself through nested groups.
func (p *fixtureParser) checkNesting(groups []FixtureGroup, decl map[string]*hcl.Block) {
	byName := map[string]FixtureGroup{}
	for _, g := range groups {
		byName[strings.ToLower(g.Name)] = g
	}
	for _, g := range groups {
		seen := map[string]bool{}
		stack := append([]string(nil), g.Groups...)
		for len(stack) > 0 {
			n := strings.ToLower(stack[len(stack)-1])
			stack = stack[:len(stack)-1]
			if n == strings.ToLower(g.Name) {
				p.errorf(decl[strings.ToLower(g.Name)].DefRange.Ptr(), "Group contains itself",
					"Group %q is a member of itself through its nested groups. Remove one of the groups entries.", g.Name)
				break
			}
			if !seen[n] {
				seen[n] = true
				stack = append(stack, byName[n].Groups...)
			}
		}
	}
}

// strings evaluates attr as a literal list of non-empty strings.
func (p *fixtureParser) strings(attr *hcl.Attribute) []string {
	v, diags := attr.Expr.Value(nil)
	p.diags = append(p.diags, diags...)
	if diags.HasErrors() {
		return nil
	}
	if v.IsNull() || !v.IsKnown() || !(v.Type().IsTupleType() || v.Type().IsListType()) {
		p.errorf(attr.Expr.Range().Ptr(), "Invalid "+attr.Name, "%s must be a list of strings, like [\"alice@contoso.com\"].", attr.Name)
		return nil
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() || e.Type() != cty.String || strings.TrimSpace(e.AsString()) == "" {
			p.errorf(attr.Expr.Range().Ptr(), "Invalid "+attr.Name, "%s must be a list of non-empty strings.", attr.Name)
			return nil
		}
		out = append(out, e.AsString())
	}
	return out
}

// boolean evaluates attr as a literal bool.
func (p *fixtureParser) boolean(attr *hcl.Attribute) bool {
	v, diags := attr.Expr.Value(nil)
	p.diags = append(p.diags, diags...)
	if diags.HasErrors() {
		return false
	}
	if v.IsNull() || !v.IsKnown() || v.Type() != cty.Bool {
		p.errorf(attr.Expr.Range().Ptr(), "Invalid "+attr.Name, "%s must be true or false.", attr.Name)
		return false
	}
	return v.True()
}

// applyDirectory sets the fixtures' users' properties (where the store has
// none: what exists is left as it is; the access policy is the fixtures'
// to say) and creates the groups, devices and contacts the store lacks by
// name, adding members they lack. Caller holds the lock; the mailboxes
// exist.
func applyDirectory(st *store, f *Fixtures) error {
	for _, fm := range f.Mailboxes {
		mb := st.findMailbox(fm.UPN)
		if mb.DisplayName == "" {
			mb.DisplayName = fm.DisplayName
		}
		if mb.Department == "" {
			mb.Department = fm.Department
		}
		mb.PolicyDenied = fm.PolicyDenied
	}
	byName := map[string]*group{}
	for _, fg := range f.Groups {
		var g *group
		for _, x := range st.meta.Groups {
			if strings.EqualFold(x.DisplayName, fg.Name) {
				g = x
				break
			}
		}
		if g == nil {
			g = &group{ID: st.newGUID(), DisplayName: fg.Name, MailNickname: nickname(fg.Name), SecurityEnabled: true}
			st.meta.Groups = append(st.meta.Groups, g)
		}
		byName[strings.ToLower(fg.Name)] = g
	}
	for _, fg := range f.Groups {
		g := byName[strings.ToLower(fg.Name)]
		var ids []string
		for _, upn := range fg.Members {
			ids = append(ids, st.findMailbox(upn).ID)
		}
		for _, sub := range fg.Groups {
			ids = append(ids, byName[strings.ToLower(sub)].ID)
		}
		for _, d := range fg.Devices {
			ids = append(ids, st.other("device", d).ID)
		}
		for _, c := range fg.Contacts {
			ids = append(ids, st.other("orgContact", c).ID)
		}
		for _, a := range fg.Apps {
			ids = append(ids, st.other("servicePrincipal", a).ID)
		}
		have := map[string]bool{}
		for _, m := range g.Members {
			have[strings.ToLower(m)] = true
		}
		for _, id := range ids {
			if !have[strings.ToLower(id)] {
				have[strings.ToLower(id)] = true
				g.Members = append(g.Members, id)
			}
		}
	}
	for _, g := range st.meta.Groups {
		if st.contains(g, g.ID) {
			return fmt.Errorf("fixtures: group %q would contain itself", g.DisplayName)
		}
	}
	return nil
}

// other finds or creates a device or contact by display name.
func (st *store) other(typ, name string) *dirOther {
	for _, o := range st.meta.Others {
		if o.Type == typ && strings.EqualFold(o.DisplayName, name) {
			return o
		}
	}
	o := &dirOther{ID: st.newGUID(), Type: typ, DisplayName: name}
	st.meta.Others = append(st.meta.Others, o)
	return o
}

// nickname derives a mailNickname from a display name: the characters a
// mailNickname may not hold are dropped.
func nickname(name string) string {
	n := strings.Map(func(r rune) rune {
		if strings.ContainsRune("@()\\[]\";:<>, ", r) || r > 127 {
			return -1
		}
		return r
	}, name)
	if n == "" {
		n = "group"
	}
	return n[:min(len(n), 64)]
}
