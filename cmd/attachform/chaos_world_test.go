package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	neturl "net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// chaosItem is an item attachments go on.
type chaosItem struct {
	mailbox, kind, id, list string
	label                   string // for people: "chaos1 event 2"
}

func (it chaosItem) attachmentsURL(base string) string {
	u := base + "/users/" + neturl.PathEscape(it.mailbox)
	switch it.kind {
	case "message":
		u += "/messages/" + neturl.PathEscape(it.id)
	case "event":
		u += "/events/" + neturl.PathEscape(it.id)
	default:
		u += "/todo/lists/" + neturl.PathEscape(it.list) + "/tasks/" + neturl.PathEscape(it.id)
	}
	return u + "/attachments"
}

// chaosAttachment is one declared attachment block.
type chaosAttachment struct {
	addr    string // block label, "a07"
	item    int    // index in chaosWorld.items
	rev     int    // name revision: the name is "{addr}-r{rev}.bin"
	content []byte
	sum     string // hex sha256 of content
	dirty   bool   // content not yet written to files/
}

func (a *chaosAttachment) name() string    { return fmt.Sprintf("%s-r%d.bin", a.addr, a.rev) }
func (a *chaosAttachment) address() string { return "attachment." + a.addr }
func (a *chaosAttachment) large() bool     { return len(a.content) >= 3<<20 }

// chaosWorld is the test's model of what the manifests declare.
type chaosWorld struct {
	t      *testing.T
	remote *chaosRemote // the state's blob; nil: a local file
	rng    *rand.Rand
	dir    string // the configuration directory
	base   string // Graph API base, ".../v1.0"
	items  []chaosItem
	atts   []*chaosAttachment // sorted by addr
	next   int                // number of the next new block
}

// createItems makes two messages, two events and two To Do tasks in each
// mailbox, through Graph's own API; none has an attachment.
func (w *chaosWorld) createItems() {
	for m := range 3 {
		upn := fmt.Sprintf("chaos%d@contoso.example", m)
		mbx := w.base + "/users/" + upn
		var lists struct{ Value []struct{ ID string } }
		w.getJSON(mbx+"/todo/lists?$filter="+neturl.QueryEscape("displayName eq 'Tasks'"), &lists)
		if len(lists.Value) != 1 {
			w.t.Fatalf("%s: default To Do list: %+v", upn, lists)
		}
		list := lists.Value[0].ID
		for n := 1; n <= 2; n++ {
			for _, kind := range []string{"message", "event", "todo_task"} {
				it := chaosItem{mailbox: upn, kind: kind, label: fmt.Sprintf("chaos%d %s %d", m, kind, n)}
				u, body := mbx+"/"+kind+"s", map[string]string{"subject": it.label}
				if kind == "todo_task" {
					it.list = list
					u, body = mbx+"/todo/lists/"+neturl.PathEscape(list)+"/tasks", map[string]string{"title": it.label}
				}
				var created struct{ ID string }
				w.postJSON(u, body, &created)
				it.id = created.ID
				w.items = append(w.items, it)
			}
		}
	}
}

func (w *chaosWorld) declareInitial() {
	for i := range chaosInitial {
		w.add(i%8 == 3) // five upload-session files among forty
	}
}

// add declares a new block on a random item that can take it.
func (w *chaosWorld) add(large bool) (string, *chaosAttachment) {
	a := &chaosAttachment{addr: fmt.Sprintf("a%02d", w.next)}
	w.next++
	w.setContent(a, large)
	a.item = w.pickItem(a, -1)
	w.atts = append(w.atts, a)
	slices.SortFunc(w.atts, func(x, y *chaosAttachment) int { return strings.Compare(x.addr, y.addr) })
	return fmt.Sprintf("add %s (%s) on %s", a.address(), chaosSize(int64(len(a.content))), w.items[a.item].label), a
}

// setContent gives a new bytes: small ones mostly a few KB, sometimes up
// to 2.5 MB (one POST, close to Graph's 4 MB request cap once in base64);
// large ones 3–4 MB (an upload session on any kind of item).
func (w *chaosWorld) setContent(a *chaosAttachment, large bool) {
	var n int
	switch {
	case large:
		n = 3<<20 + w.rng.IntN(1<<20)
	case w.rng.IntN(10) == 0:
		n = 256<<10 + w.rng.IntN(2<<20+256<<10)
	default:
		n = 1 + w.rng.IntN(64<<10)
	}
	var key [32]byte
	for i := range 4 {
		v := w.rng.Uint64()
		for j := range 8 {
			key[i*8+j] = byte(v >> (8 * j))
		}
	}
	a.content = make([]byte, n)
	rand.NewChaCha8(key).Read(a.content)
	s := sha256.Sum256(a.content)
	a.sum = hex.EncodeToString(s[:])
	a.dirty = true
}

// pickItem chooses an item for a other than avoid, where its name is free
// and a large file keeps under chaosLargePerItem.
func (w *chaosWorld) pickItem(a *chaosAttachment, avoid int) int {
	for range 100 {
		i := w.rng.IntN(len(w.items))
		if i != avoid && w.fits(a, i) {
			return i
		}
	}
	w.t.Fatalf("no item can take %s", a.address())
	return 0
}

func (w *chaosWorld) fits(a *chaosAttachment, item int) bool {
	large := 0
	for _, b := range w.atts {
		if b == a || b.item != item {
			continue
		}
		if b.name() == a.name() {
			return false
		}
		if b.large() {
			large++
		}
	}
	return !a.large() || large < chaosLargePerItem
}

func (w *chaosWorld) countLarge() int {
	n := 0
	for _, a := range w.atts {
		if a.large() {
			n++
		}
	}
	return n
}

// mutate changes the manifests the ways people do: edited contents,
// renamed attachments, removed and added blocks, attachments moved to
// another item. It returns what it did.
//
// cost estimates the change requests the next apply needs for them: a
// small create 1, an upload session 3 (create, a range or two), a delete 1.
func (w *chaosWorld) mutate() (did []string, cost int) {
	create := func(a *chaosAttachment) int {
		if a.large() {
			return 3
		}
		return 1
	}
	for range 2 + w.rng.IntN(5) {
		a := w.atts[w.rng.IntN(len(w.atts))]
		switch op := w.rng.IntN(10); {
		case op < 3:
			w.setContent(a, a.large())
			did = append(did, fmt.Sprintf("edit %s (now %s)", a.address(), chaosSize(int64(len(a.content)))))
			cost += create(a) + 1
		case op < 5:
			a.rev++
			if !w.fits(a, a.item) {
				a.rev--
				continue
			}
			did = append(did, fmt.Sprintf("rename %s to %s", a.address(), a.name()))
			cost += create(a) + 1
		case op == 5:
			if len(w.atts) <= chaosMinAtts {
				continue
			}
			w.atts = slices.DeleteFunc(w.atts, func(b *chaosAttachment) bool { return b == a })
			if err := os.Remove(filepath.Join(w.dir, "files", a.addr+".bin")); err != nil && !os.IsNotExist(err) {
				w.t.Fatal(err)
			}
			did = append(did, "remove "+a.address())
			cost++
		case op < 8:
			if len(w.atts) >= chaosMaxAtts {
				continue
			}
			desc, b := w.add(w.countLarge() < chaosMaxLarge && w.rng.IntN(6) == 0)
			did = append(did, desc)
			cost += create(b)
		default:
			from := a.item
			a.item = w.pickItem(a, from)
			did = append(did, fmt.Sprintf("move %s from %s to %s", a.address(), w.items[from].label, w.items[a.item].label))
			cost += create(a) + 1
		}
	}
	return did, cost
}

// initialCost estimates the change requests of the first apply.
func (w *chaosWorld) initialCost() int {
	n := 0
	for _, a := range w.atts {
		n++
		if a.large() {
			n += 2
		}
	}
	return n
}

// writeConfig writes the manifest and the changed source files.
func (w *chaosWorld) writeConfig() {
	if err := os.MkdirAll(filepath.Join(w.dir, "files"), 0o755); err != nil {
		w.t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(`graph {
  endpoint = "https://graph.microsoft.com" # ATTACHFORM_GRAPH_ENDPOINT points it at the emulator
}
`)
	b.WriteString(w.backendBlock())
	for i, it := range w.items {
		fmt.Fprintf(&b, "\ntarget \"t%02d\" { # %s\n  mailbox = %q\n", i, it.label, it.mailbox)
		if it.kind == "todo_task" {
			fmt.Fprintf(&b, "  todo_list = %q\n  todo_task = %q\n}\n", it.list, it.id)
		} else {
			fmt.Fprintf(&b, "  %s = %q\n}\n", it.kind, it.id)
		}
	}
	for _, a := range w.atts {
		fmt.Fprintf(&b, "\nattachment %q {\n  target       = target.t%02d\n  source       = \"files/%s.bin\"\n  name         = %q\n  content_type = \"application/octet-stream\"\n}\n",
			a.addr, a.item, a.addr, a.name())
		if a.dirty {
			if err := os.WriteFile(filepath.Join(w.dir, "files", a.addr+".bin"), a.content, 0o644); err != nil {
				w.t.Fatal(err)
			}
			a.dirty = false
		}
	}
	if err := os.WriteFile(filepath.Join(w.dir, "main.attach.hcl"), []byte(b.String()), 0o644); err != nil {
		w.t.Fatal(err)
	}
}
