package spec

import (
	"context"
	"strings"
	"testing"

	"github.com/attachform/attachform/item"
)

// mailboxData answers every message lookup with one draft whose id is
// derived from the mailbox, so each instance's value can be checked.
type mailboxData struct{ asked []DataQuery }

func (m *mailboxData) Lookup(_ context.Context, q DataQuery) ([]DataItem, error) {
	m.asked = append(m.asked, q)
	if strings.HasPrefix(q.Mailbox, "nobody") {
		return nil, nil
	}
	return []DataItem{{ID: "draft-" + q.Mailbox, Label: "Welcome"}}, nil
}

const fanOut = `
variable "people" {
  default = ["alice@contoso.com", "bob@contoso.com"]
}

data "message" "welcome" {
  for_each = toset(var.people)
  mailbox  = each.key
  filter   = "subject eq 'Welcome'"
}

target "welcome" {
  for_each = data.message.welcome
  mailbox  = each.key
  message  = each.value.id
}

attachment "pack" {
  for_each = target.welcome
  target   = each.value
  source   = "pack.pdf"
}

attachment "guide" {
  for_each = toset(var.people)
  target   = target.welcome[each.key]
  source   = "guide.pdf"
}

attachment "sheet" {
  count  = 2
  target = target.welcome["alice@contoso.com"]
  source = "sheet.pdf"
  name   = "sheet-${count.index}.pdf"
}
`

// TestForEachOnDataAndTargets checks the fan-out of Terraform's for_each
// over data sources and targets: keys from a set, each.value objects,
// references between keyed blocks (target.welcome as a map of objects).
func TestForEachOnDataAndTargets(t *testing.T) {
	dir := writeConfig(t, map[string]string{"main.attach.hcl": fanOut, "pack.pdf": "p", "guide.pdf": "g", "sheet.pdf": "s"})
	data := &mailboxData{}
	cfg := mustLoad(t, dir, LoadOptions{Data: data})
	if len(data.asked) != 2 {
		t.Errorf("lookups = %d, want one per key (2)", len(data.asked))
	}
	var targets []string
	for _, tg := range cfg.Targets {
		targets = append(targets, tg.Name+"="+tg.Item.Mailbox+"/"+tg.Item.ID)
		if tg.Item.Kind != item.Message {
			t.Errorf("target %s kind %s", tg.Name, tg.Item.Kind)
		}
	}
	wantTargets := `welcome["alice@contoso.com"]=alice@contoso.com/draft-alice@contoso.com
welcome["bob@contoso.com"]=bob@contoso.com/draft-bob@contoso.com`
	if got := strings.Join(targets, "\n"); got != wantTargets {
		t.Errorf("targets:\n%s\nwant:\n%s", got, wantTargets)
	}
	var atts []string
	for _, a := range cfg.Attachments {
		atts = append(atts, a.Address+" "+a.Name+" on "+a.Target.Name)
	}
	want := `attachment.guide["alice@contoso.com"] guide.pdf on welcome["alice@contoso.com"]
attachment.guide["bob@contoso.com"] guide.pdf on welcome["bob@contoso.com"]
attachment.pack["alice@contoso.com"] pack.pdf on welcome["alice@contoso.com"]
attachment.pack["bob@contoso.com"] pack.pdf on welcome["bob@contoso.com"]
attachment.sheet[0] sheet-0.pdf on welcome["alice@contoso.com"]
attachment.sheet[1] sheet-1.pdf on welcome["alice@contoso.com"]`
	if got := strings.Join(atts, "\n"); got != want {
		t.Errorf("attachments:\n%s\nwant:\n%s", got, want)
	}

	// Offline (validate) the data instances are unknown: the targets that
	// depend on them are not known, and no error is reported.
	cfg = mustLoad(t, dir, LoadOptions{})
	for _, tg := range cfg.Targets {
		if !tg.Unknown {
			t.Errorf("offline target %s is known", tg.Name)
		}
	}
}
