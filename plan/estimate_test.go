package plan

import (
	"testing"
	"time"

	"github.com/attachform/attachform/item"
	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
)

// A mailbox whose uploads exceed its budget gets an estimate: the windows
// its bytes span, less the last; mailboxes within budget, adoptions and
// bytes a resumed session holds already do not count.
func TestEstimateUploads(t *testing.T) {
	ops := item.Ref{Mailbox: "ops@contoso.example", Kind: item.Message, ID: "A="}
	hr := item.Ref{Mailbox: "hr@contoso.example", Kind: item.Event, ID: "B="}
	upload := func(a Action, it item.Ref, n int64) Change {
		return Change{Address: "attachment.x", Action: a, After: &Desired{Target: it, Descriptor: state.Descriptor{Bytes: n}}}
	}
	const mb = 1_000_000
	changes := []Change{
		upload(Create, ops, 140*mb),
		upload(Replace, ops, 140*mb),
		upload(Create, ops, 140*mb),
		upload(Create, hr, 100*mb),
		{Address: "attachment.adopted", Action: Adopt, AdoptID: "X", After: &Desired{Target: hr, Descriptor: state.Descriptor{Bytes: 900 * mb}}},
	}
	resumed := upload(Resume, hr, 120*mb)
	resumed.Session = &Session{Confirmed: 100 * mb}
	changes = append(changes, resumed)

	got := estimateUploads(changes, spec.Graph{})
	if len(got) != 1 {
		t.Fatalf("estimates %+v, want one for ops", got)
	}
	e := got[0]
	if e.Mailbox != "ops@contoso.example" || e.Bytes < 420*mb || e.Budget != 150_000_000 || e.Per != 5*time.Minute || e.AtLeast != 10*time.Minute {
		t.Errorf("estimate %+v, want 420 MB over 150 MB per 5m: at least 10m", e)
	}

	// The graph block's budget is the one planned against.
	got = estimateUploads(changes, spec.Graph{MailboxUploadLimit: spec.ByteRate{Bytes: 50 * mb, Per: time.Minute}})
	if len(got) != 2 || got[0].Mailbox != "ops@contoso.example" || got[0].AtLeast != 8*time.Minute || got[1].AtLeast != 2*time.Minute {
		t.Errorf("estimates %+v, want ops 8m and hr 2m", got)
	}
}
