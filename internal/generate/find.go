// Package generate writes the manifests for attachments that are already on
// declared targets (plan -generate-config-out, as Terraform's): an
// attachment block and an import block for each, with its bytes downloaded
// into the configuration directory. What attachform's rules cannot declare
// is not dropped: it comes back as Skipped, with why and what to do.
package generate

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/item"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
)

// Candidate is one attachment to declare.
type Candidate struct {
	Target *spec.Target
	Live   graph.Attachment
	// Import is the import block that asked for it (its attachment block
	// is the only one generated); nil when the attachment was found on a
	// target and both blocks are generated.
	Import *spec.Import

	Block string // the attachment block's name
	File  string // slash-separated, relative to the configuration directory
}

// Address is the attachment's address once generated.
func (c Candidate) Address() string { return "attachment." + c.Block }

// Skipped is an attachment that cannot be declared, or an import block
// whose attachment cannot be generated.
type Skipped struct {
	Target *spec.Target // nil when not found on any target
	Live   graph.Attachment
	Import *spec.Import // the import block, when one asked for it
	Why    string       // a sentence
	Fix    string       // what the user can do, a sentence
}

// Find lists what to generate: every attachment on a declared target that
// no manifest declares and the state does not hold, and the attachment of
// every import block without an attachment block. live must hold every
// declared target (a refresh); targets whose item is missing are passed
// over (the plan reports them).
func Find(cfg *spec.Config, st *state.State, live plan.Live) ([]Candidate, []Skipped) {
	f := finder{owned: map[string]bool{}, declared: map[declared]bool{}, byImport: map[string]*spec.Import{}}
	if st != nil {
		f.owned = st.OwnedIDs()
	}
	for _, a := range cfg.Attachments {
		if a.Target != nil && !a.Target.Unknown {
			f.declared[declKey(a.Target, a.Name)] = true
		}
	}
	for _, im := range cfg.Imports {
		f.owned[im.ID] = true // its attachment block exists: the plan imports it
	}
	for i := range cfg.Unconfigured {
		f.byImport[cfg.Unconfigured[i].ID] = &cfg.Unconfigured[i]
	}
	found := map[string]bool{}
	for _, t := range cfg.Targets {
		li := live.Item(t.Item)
		if t.Unknown || li == nil || li.Missing {
			continue
		}
		f.target(t, li.Attachments, found)
	}
	for i := range cfg.Unconfigured {
		im := &cfg.Unconfigured[i]
		if !found[im.ID] {
			f.skipped = append(f.skipped, Skipped{Import: im,
				Why: fmt.Sprintf("the import into %s names attachment id %q, which no declared target holds", im.To, im.ID),
				Fix: "declare the target block of the item the attachment is on (attachform lists only declared targets), or correct the id",
			})
		}
	}
	return f.cands, f.skipped
}

type finder struct {
	owned    map[string]bool         // ids the state or an import block accounts for
	declared map[declared]bool       // the names declared on each item
	byImport map[string]*spec.Import // unconfigured import blocks by attachment id
	cands    []Candidate
	skipped  []Skipped
}

// target sorts the attachments of one target into candidates and skipped.
func (f *finder) target(t *spec.Target, atts []graph.Attachment, found map[string]bool) {
	// Names compare ignoring case, as the manifests' do.
	names := map[string]int{}
	for _, a := range atts {
		names[strings.ToLower(a.Name)]++
	}
	atts = slices.Clone(atts)
	slices.SortFunc(atts, func(a, b graph.Attachment) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
	for _, a := range atts {
		im := f.byImport[a.ID]
		if im != nil {
			found[a.ID] = true
		}
		if im == nil && (f.owned[a.ID] || f.declared[declKey(t, a.Name)]) {
			continue
		}
		if why, fix := undeclarable(a, names[strings.ToLower(a.Name)]); why != "" {
			f.skipped = append(f.skipped, Skipped{Target: t, Live: a, Import: im, Why: why, Fix: fix})
			continue
		}
		f.cands = append(f.cands, Candidate{Target: t, Live: a, Import: im})
	}
}

// undeclarable says why a cannot be declared, and what the user can do;
// both are empty when it can.
func undeclarable(a graph.Attachment, sameName int) (why, fix string) {
	switch a.Type {
	case graph.ItemAttachment:
		return "it is an Outlook item (an itemAttachment: a message, event or contact), not a file; attachform manages file attachments only",
			"leave it: attachform leaves what it does not declare alone unless the target is exclusive; or save the item as a file (.eml, .ics) in Outlook, remove the item attachment and attach the file"
	case graph.ReferenceAttachment:
		return "it is a link to a file in the cloud (a referenceAttachment), not a file; Graph cannot create one, so attachform cannot manage it",
			"leave it (do not make the target exclusive, which would delete it), or download the file from where it links and attach that instead"
	case graph.FileAttachment:
	default:
		return fmt.Sprintf("Graph reports a kind of attachment attachform does not know (%s)", a.Type),
			"leave it, and do not make the target exclusive"
	}
	if sameName > 1 {
		return fmt.Sprintf("the item has %d attachments named %q (ignoring case); attachform tells the attachments of an item apart by name", sameName, a.Name),
			"rename or remove all but one of them in Outlook, then run again"
	}
	if summary, _ := spec.NameProblem(a.Name); summary != "" {
		return fmt.Sprintf("its name cannot be declared (%s): attachform keeps Outlook's rules for names, which refuse \\ / : * ? \" < > |, control characters and leading or trailing spaces and dots", strings.ToLower(summary)),
			"rename the attachment in Outlook (remove it and attach the file again under a name attachform accepts), then run again"
	}
	return "", ""
}

// declared is an attachment name on an item.
type declared struct {
	item item.Ref
	name string
}

func declKey(t *spec.Target, name string) declared {
	return declared{t.Item.Key(), strings.ToLower(name)}
}
