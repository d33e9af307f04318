package plan

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/spec"
)

// UploadEstimate is a mailbox whose uploads in a plan exceed its upload
// budget (the graph block's mailbox_upload_limit, Outlook's 150 MB per 5
// minutes by default): Graph takes Budget bytes per Per, so the apply
// takes at least AtLeast, however fast the network.
type UploadEstimate struct {
	Mailbox string
	Bytes   int64 // what the plan uploads to it, as Graph counts it
	Budget  int64
	Per     time.Duration
	// AtLeast is (windows − 1) × Per: the uploads span that many windows
	// of the budget, and only the last can be used at once.
	AtLeast time.Duration
}

// estimateUploads returns the mailboxes whose uploads exceed one budget
// window, longest first.
func estimateUploads(changes []Change, g spec.Graph) []UploadEstimate {
	budget, per := g.MailboxUploadLimit.Bytes, g.MailboxUploadLimit.Per
	if budget == 0 {
		budget, per = graph.DefaultMailboxLimits.UploadBytes, graph.DefaultMailboxLimits.UploadPer
	}
	if budget <= 0 || per <= 0 {
		return nil
	}
	bytes := map[string]int64{}
	names := map[string]string{}
	for _, c := range changes {
		if c.After == nil || c.AdoptID != "" || (c.Action != Create && c.Action != Replace && c.Action != Resume) {
			continue
		}
		key := strings.ToLower(c.After.Target.Mailbox)
		names[key] = c.After.Target.Mailbox
		bytes[key] += uploadedBytes(c)
	}
	var out []UploadEstimate
	for key, n := range bytes {
		if n <= budget {
			continue
		}
		windows := int64(math.Ceil(float64(n) / float64(budget)))
		out = append(out, UploadEstimate{Mailbox: names[key], Bytes: n, Budget: budget, Per: per, AtLeast: time.Duration(windows-1) * per})
	}
	slices.SortFunc(out, func(a, b UploadEstimate) int {
		if a.AtLeast != b.AtLeast {
			return int(b.AtLeast - a.AtLeast)
		}
		return strings.Compare(a.Mailbox, b.Mailbox)
	})
	return out
}

// uploadedBytes is what a change uploads as Graph counts it: a small file
// goes base64 in JSON (4 bytes per 3), a large one in ranges of raw bytes
// (what a resumed session holds already is not sent again).
func uploadedBytes(c Change) int64 {
	d := c.After
	if c.Session == nil && d.Bytes < d.Target.Kind.Traits().SmallMax {
		return (d.Bytes+2)/3*4 + 512
	}
	n := d.Bytes + 512
	if c.Session != nil && c.Action != Replace {
		n -= min(c.Session.Confirmed, d.Bytes)
	}
	return n
}
