package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	neturl "net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/attachform/attachform/emulator"
)

// liveAttachment is one attachment Graph holds.
type liveAttachment struct {
	item     int
	id, name string
	sum      string
	n        int
	claimed  bool // it has the name and bytes of a declared attachment on its item
}

// verify compares Graph, the emulator's sessions and the state with the
// declared attachments and returns every disagreement.
func (w *chaosWorld) verify(srv *emulator.Server) []string {
	var problems []string
	var live []*liveAttachment
	for i, it := range w.items {
		u := it.attachmentsURL(w.base) + "?$select=id,name&$top=1000"
		for u != "" {
			var page struct {
				Value []struct{ ID, Name string }
				Next  string `json:"@odata.nextLink"`
			}
			w.getJSON(u, &page)
			for _, v := range page.Value {
				content := w.get(it.attachmentsURL(w.base) + "/" + neturl.PathEscape(v.ID) + "/$value")
				s := sha256.Sum256(content)
				live = append(live, &liveAttachment{item: i, id: v.ID, name: v.Name, sum: hex.EncodeToString(s[:]), n: len(content)})
			}
			u = page.Next
		}
	}

	// Every declared attachment exactly once on its item, byte for byte.
	// Same-named attachments with other bytes are left for the leftover
	// check below.
	byAddr := map[string][]*liveAttachment{}
	for _, a := range w.atts {
		var named, copies []*liveAttachment
		for _, l := range live {
			if l.item == a.item && l.name == a.name() {
				named = append(named, l)
				if l.sum == a.sum {
					copies = append(copies, l)
					l.claimed = true
				}
			}
		}
		byAddr[a.address()] = copies
		where := fmt.Sprintf("%s (%q, %s) on %s", a.address(), a.name(), chaosSize(int64(len(a.content))), w.items[a.item].label)
		switch {
		case len(copies) == 1:
		case len(named) > 0 && len(copies) == 0:
			problems = append(problems, fmt.Sprintf("WRONG BYTES %s: %d attachment(s) of that name, none with its bytes (%s)", where, len(named), chaosDescribeLive(named)))
		case len(copies) == 0:
			msg := "MISSING " + where + ": no attachment of that name there"
			if elsewhere := w.findBytes(live, a.sum); elsewhere != "" {
				msg += "; its bytes are on " + elsewhere
			}
			problems = append(problems, msg)
		default:
			var ids []string
			for _, l := range copies {
				ids = append(ids, chaosShortID(l.id))
			}
			problems = append(problems, fmt.Sprintf("DUPLICATE %s: %d identical copies, ids %s", where, len(copies), strings.Join(ids, ", ")))
		}
	}
	// Nothing else: the items started without attachments, so anything
	// undeclared is a leftover.
	for _, l := range live {
		if l.claimed {
			continue
		}
		problems = append(problems, fmt.Sprintf("LEFTOVER on %s: %q (id %s, %s) %s", w.items[l.item].label, l.name, chaosShortID(l.id), chaosSize(int64(l.n)), w.origin(l)))
	}

	// No upload session holding bytes.
	st := srv.Stats()
	if st.SessionBytes != 0 {
		problems = append(problems, fmt.Sprintf("UPLOAD SESSIONS: %d open session(s) hold %s", st.OpenUploadSessions, chaosSize(st.SessionBytes)))
	} else if st.OpenUploadSessions > 0 {
		w.t.Logf("%d upload session(s) without a byte are open (their creation's answer died with a killed apply)", st.OpenUploadSessions)
	}
	if st.Attachments != len(live) {
		problems = append(problems, fmt.Sprintf("the emulator counts %d attachments, the item listings %d", st.Attachments, len(live)))
	}

	return append(problems, w.verifyState(byAddr)...)
}

// verifyState compares the state file with Graph: address ↔ id, target
// item and sha256, and nothing pending. It decodes only the fields it
// needs, so the state format can grow (issue 8's intents) without it.
func (w *chaosWorld) verifyState(byAddr map[string][]*liveAttachment) []string {
	raw, err := w.stateBytes()
	if err != nil {
		return []string{"STATE: " + err.Error()}
	}
	var doc map[string]json.RawMessage
	var st struct {
		Attachments []struct {
			Address string
			ID      string
			Name    string
			SHA256  string
			Target  struct {
				Mailbox string
				Kind    string
				ItemID  string `json:"item_id"`
			}
		}
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return []string{"STATE: " + err.Error()}
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		return []string{"STATE: " + err.Error()}
	}
	var problems []string
	// Pending work (upload_sessions, deposed, intents, …) must be gone
	// after a clean apply.
	for key, v := range doc {
		var list []json.RawMessage
		if key == "attachments" || json.Unmarshal(v, &list) != nil || len(list) == 0 {
			continue
		}
		problems = append(problems, fmt.Sprintf("STATE: %q still holds %d entries after the clean apply: %s", key, len(list), chaosAddresses(list)))
	}
	declared := map[string]*chaosAttachment{}
	for _, a := range w.atts {
		declared[a.address()] = a
	}
	seen := map[string]bool{}
	for _, s := range st.Attachments {
		seen[s.Address] = true
		a, ok := declared[s.Address]
		if !ok {
			problems = append(problems, fmt.Sprintf("STATE records %s (id %s), which no manifest declares", s.Address, chaosShortID(s.ID)))
			continue
		}
		it := w.items[a.item]
		if s.Target.ItemID != it.id || s.Target.Kind != it.kind || !strings.EqualFold(s.Target.Mailbox, it.mailbox) {
			problems = append(problems, fmt.Sprintf("STATE: %s is recorded on %s %s %s, declared on %s", s.Address, s.Target.Mailbox, s.Target.Kind, chaosShortID(s.Target.ItemID), it.label))
		}
		if s.SHA256 != a.sum {
			problems = append(problems, fmt.Sprintf("STATE: %s records sha256 %.12s…, its file has %.12s…", s.Address, s.SHA256, a.sum))
		}
		copies := byAddr[s.Address]
		if !slices.ContainsFunc(copies, func(l *liveAttachment) bool { return l.id == s.ID }) {
			var ids []string
			for _, l := range copies {
				ids = append(ids, chaosShortID(l.id))
			}
			held := "does not hold it as declared"
			if len(ids) > 0 {
				held = "holds it as " + strings.Join(ids, ", ")
			}
			problems = append(problems, fmt.Sprintf("STATE: %s records id %s, Graph %s", s.Address, chaosShortID(s.ID), held))
		}
	}
	for _, a := range w.atts {
		if !seen[a.address()] {
			problems = append(problems, "STATE lacks "+a.address())
		}
	}
	return problems
}

// chaosAddresses summarises state entries by their "address" field.
func chaosAddresses(list []json.RawMessage) string {
	n := map[string]int{}
	for _, raw := range list {
		var e struct{ Address string }
		if json.Unmarshal(raw, &e) != nil || e.Address == "" {
			e.Address = "(no address)"
		}
		n[e.Address]++
	}
	var parts []string
	for _, addr := range slices.Sorted(maps.Keys(n)) {
		if n[addr] > 1 {
			parts = append(parts, fmt.Sprintf("%s ×%d", addr, n[addr]))
		} else {
			parts = append(parts, addr)
		}
	}
	return strings.Join(parts, ", ")
}

// chaosCopyKey identifies identical attachments on one item cheaply: the
// same name and the same size Graph reports (contents here have random
// lengths, so equal sizes mean equal bytes).
type chaosCopyKey struct {
	item int
	name string
	size int64
}

// newCopies lists the items once a run is over and reports identical
// attachments (same item, name and size) that were not there, or were
// fewer, after the previous run: the run that made a duplicate. A correct
// apply never makes one, not even for a moment: only a forced replacement
// (-replace, not used here) puts identical bytes under one name twice.
func (w *chaosWorld) newCopies(prev map[chaosCopyKey]int) []string {
	now := map[chaosCopyKey]int{}
	for i, it := range w.items {
		u := it.attachmentsURL(w.base) + "?$select=id,name,size&$top=1000"
		for u != "" {
			var page struct {
				Value []struct {
					Name string
					Size int64
				}
				Next string `json:"@odata.nextLink"`
			}
			w.getJSON(u, &page)
			for _, v := range page.Value {
				now[chaosCopyKey{i, v.Name, v.Size}]++
			}
			u = page.Next
		}
	}
	var out []string
	for k, n := range now {
		if n > 1 && n > prev[k] {
			out = append(out, fmt.Sprintf("%d identical copies of %q on %s (%d before)", n, k.name, w.items[k.item].label, prev[k]))
		}
	}
	clear(prev)
	maps.Copy(prev, now)
	slices.Sort(out)
	return out
}

// findBytes names where else content with sum lives.
func (w *chaosWorld) findBytes(live []*liveAttachment, sum string) string {
	var at []string
	for _, l := range live {
		if l.sum == sum {
			at = append(at, fmt.Sprintf("%s as %q", w.items[l.item].label, l.name))
		}
	}
	return strings.Join(at, ", ")
}

// origin guesses whose a leftover is, from its name ("{addr}-r{rev}.bin").
func (w *chaosWorld) origin(l *liveAttachment) string {
	addr, _, _ := strings.Cut(l.name, "-")
	for _, a := range w.atts {
		if a.addr != addr {
			continue
		}
		var why []string
		if a.item != l.item {
			why = append(why, "it now lives on "+w.items[a.item].label)
		}
		if a.name() != l.name {
			why = append(why, "now named "+strconv.Quote(a.name()))
		}
		if a.sum != l.sum {
			why = append(why, "older bytes")
		}
		if len(why) == 0 {
			return "— a copy of attachment." + addr
		}
		return "— an old version of attachment." + addr + " (" + strings.Join(why, ", ") + ")"
	}
	return "— attachment." + addr + ", a removed block"
}

func chaosDescribeLive(ls []*liveAttachment) string {
	var parts []string
	for _, l := range ls {
		parts = append(parts, fmt.Sprintf("id %s %s sha256 %.12s…", chaosShortID(l.id), chaosSize(int64(l.n)), l.sum))
	}
	return strings.Join(parts, "; ")
}

func chaosShortID(id string) string {
	if len(id) > 14 {
		return "…" + id[len(id)-14:]
	}
	return id
}

// chaosHarnessHeader marks the test's own requests, which meet no faults.
const chaosHarnessHeader = "X-Chaos-Harness"

// chaosHarnessRequest is one of the test's own requests: marked, and with
// the bearer token Graph (and the emulator, which takes any) requires.
func chaosHarnessRequest(method, u string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set(chaosHarnessHeader, "1")
	req.Header.Set("Authorization", "Bearer chaos-harness")
	return req, nil
}

func (w *chaosWorld) get(u string) []byte {
	w.t.Helper()
	req, err := chaosHarnessRequest(http.MethodGet, u, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		w.t.Fatalf("GET %s: %s %v\n%s", u, resp.Status, err, chaosTruncate(string(body), 400))
	}
	return body
}

func (w *chaosWorld) getJSON(u string, v any) {
	w.t.Helper()
	if err := json.Unmarshal(w.get(u), v); err != nil {
		w.t.Fatalf("GET %s: %v", u, err)
	}
}

func (w *chaosWorld) postJSON(u string, body, v any) {
	w.t.Helper()
	b, _ := json.Marshal(body)
	req, err := chaosHarnessRequest(http.MethodPost, u, bytes.NewReader(b))
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		w.t.Fatalf("POST %s: %s\n%s", u, resp.Status, answer)
	}
	if err := json.Unmarshal(answer, v); err != nil {
		w.t.Fatalf("POST %s: %v", u, err)
	}
}

// chaosRunLog tells the story of every run: what changed, where it was
// killed, what it meant to do.
func chaosRunLog(runs []*chaosRun) string {
	var b strings.Builder
	for _, r := range runs {
		switch {
		case r.clean:
			fmt.Fprintf(&b, "clean apply: exit %d in %s\n", r.exit, r.elapsed.Round(time.Millisecond))
		case r.survival:
			fmt.Fprintf(&b, "survival apply (every third request refused): %d refusals, exit %d in %s\n", r.faults, r.exit, r.elapsed.Round(time.Millisecond))
		case r.landed:
			fmt.Fprintf(&b, "round %02d%s: killed mid-apply at %s, %s in\n", r.round, r.width(), r.victim, r.elapsed.Round(time.Millisecond))
		default:
			fmt.Fprintf(&b, "round %02d%s: not killed (aimed at request %d, %d seen after the first change), exit %d in %s\n", r.round, r.width(), r.k, r.span, r.exit, r.elapsed.Round(time.Millisecond))
		}
		for _, m := range r.mutations {
			fmt.Fprintf(&b, "    changed: %s\n", m)
		}
		for _, c := range r.copies {
			fmt.Fprintf(&b, "    AFTER THIS RUN: %s\n", c)
		}
		for _, l := range strings.Split(chaosPlanLines(r.output, 8), "\n") {
			if l != "" {
				fmt.Fprintf(&b, "    plan: %s\n", l)
			}
		}
	}
	return b.String()
}

// width names a round's -parallelism when it is not the default.
func (r *chaosRun) width() string {
	if r.parallelism == 0 {
		return ""
	}
	return fmt.Sprintf(" (-parallelism=%d)", r.parallelism)
}

// planLines keeps a plan's "# attachment.x will be …" lines and its summary.
func chaosPlanLines(out string, limit int) string {
	var keep []string
	more := 0
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "# (") {
			if len(keep) > 0 && more == 0 {
				keep[len(keep)-1] += " " + strings.TrimPrefix(l, "# ")
			}
			continue
		}
		if !strings.HasPrefix(l, "# ") && !strings.HasPrefix(l, "Plan:") && !strings.HasPrefix(l, "No changes") && !strings.HasPrefix(l, "Error") {
			continue
		}
		if len(keep) >= limit {
			more++
			continue
		}
		keep = append(keep, l)
	}
	if more > 0 {
		keep = append(keep, fmt.Sprintf("(%d more)", more))
	}
	return strings.Join(keep, "\n")
}

func chaosTail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func chaosIndent(s string) string { return "    " + strings.ReplaceAll(s, "\n", "\n    ") }

func chaosTruncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func chaosCount(runs []*chaosRun, f func(*chaosRun) bool) int {
	n := 0
	for _, r := range runs {
		if f(r) {
			n++
		}
	}
	return n
}

func chaosSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
