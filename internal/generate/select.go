package generate

import (
	"fmt"
	"slices"

	"github.com/attachform/attachform/internal/addrs"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/spec"
	"github.com/hashicorp/hcl/v2"
)

// OnlyTargeted keeps what -target selects, as the plan does: what is on a
// selected target (or target instance), and what an import block into a
// selected address asks for.
func OnlyTargeted(targets []string, cands []Candidate, skipped []Skipped) ([]Candidate, []Skipped) {
	var sel []addrs.Address
	for _, s := range targets {
		if a, err := addrs.Parse(s); err == nil {
			sel = append(sel, a)
		}
	}
	selected := func(t *spec.Target, im *spec.Import) bool {
		return slices.ContainsFunc(sel, func(a addrs.Address) bool {
			if t != nil && a.Kind == addrs.Target && a.Contains(t.Address()) {
				return true
			}
			to, err := addrs.Parse(importTo(im))
			return err == nil && a.Contains(to)
		})
	}
	cands = slices.DeleteFunc(cands, func(c Candidate) bool { return !selected(c.Target, c.Import) })
	skipped = slices.DeleteFunc(skipped, func(s Skipped) bool { return !selected(s.Target, s.Import) })
	return cands, skipped
}

func importTo(im *spec.Import) string {
	if im == nil {
		return ""
	}
	return im.To
}

// DeclaredBlocks are the names of the attachment blocks cfg declares,
// which generated blocks must not take.
func DeclaredBlocks(cfg *spec.Config) map[string]bool {
	names := map[string]bool{}
	for _, a := range cfg.Attachments {
		if addr, err := addrs.Parse(a.Address); err == nil {
			names[addr.Name] = true
		}
	}
	return names
}

// Warnings say, for each attachment that cannot be declared, which it is,
// why, and what to do: nothing is dropped silently.
func Warnings(skipped []Skipped) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, s := range skipped {
		d := &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Attachment not generated"}
		switch {
		case s.Target != nil:
			d.Detail = fmt.Sprintf("%q (id %s) on target.%s was skipped: %s. To do: %s.", s.Live.Name, plan.ShortID(s.Live.ID), s.Target.Name, s.Why, s.Fix)
		default:
			d.Detail = fmt.Sprintf("%s was skipped: %s. To do: %s.", s.Import.To, s.Why, s.Fix)
		}
		if s.Import != nil {
			d.Subject = s.Import.DeclRange.Ptr()
		}
		diags = append(diags, d)
	}
	return diags
}
