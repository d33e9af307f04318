package emulator

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// FuzzContentRange: the parser never panics, and whatever it accepts is a
// well-formed range that prints back to the same header.
func FuzzContentRange(f *testing.F) {
	for _, s := range []string{
		"bytes 0-2097151/3483322", "bytes 2097152-3483321/3483322", "bytes 0-0/1",
		"bytes */3483322", "bytes=0-1/2", "bytes 5-4/10", "bytes 0-10/10", "bytes -1-2/3",
		"bytes +1-2/3", "bytes 00-01/02", "bytes 0-999999999999999999/1000000000000000000", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		start, end, total, err := parseContentRange(h)
		if err != nil {
			return
		}
		if start < 0 || end < start || end >= total {
			t.Fatalf("%q accepted as %d-%d/%d", h, start, end, total)
		}
		// Leading zeros are the only accepted spelling that does not round-trip.
		if again, e2, t2, err := parseContentRange(fmt.Sprintf("bytes %d-%d/%d", start, end, total)); err != nil || again != start || e2 != end || t2 != total {
			t.Fatalf("%q does not round-trip", h)
		}
	})
}

// FuzzBatch: the $batch decoder never panics, and whatever it accepts obeys
// Graph's rules: 1 to 20 requests, unique ids, relative urls, every
// dependency answered before its dependents.
func FuzzBatch(f *testing.F) {
	for _, s := range []string{
		`{"requests":[{"id":"1","method":"GET","url":"/me"}]}`,
		`{"requests":[{"id":"1","method":"GET","url":"/me","dependsOn":["2"]},{"id":"2","method":"POST","url":"/me/events","headers":{"Content-Type":"application/json"},"body":{"subject":"x"}}]}`,
		`{"requests":[{"id":"1","method":"GET","url":"/me","dependsOn":["1"]}]}`,
		`{"requests":[{"id":"a","method":"GET","url":"/me","dependsOn":["b"]},{"id":"b","method":"GET","url":"/me","dependsOn":["a"]}]}`,
		`{"requests":[]}`, `{}`, `[]`, `null`, `{"requests":[{"id":"1"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		order, err := decodeBatch(b)
		if err != nil {
			return
		}
		if len(order) == 0 || len(order) > maxBatch {
			t.Fatalf("accepted %d requests", len(order))
		}
		var in struct{ Requests []json.RawMessage }
		json.Unmarshal(b, &in)
		if len(in.Requests) != len(order) {
			t.Fatalf("%d requests in, %d ordered", len(in.Requests), len(order))
		}
		seen := map[string]bool{}
		for _, r := range order {
			if r.ID == "" || seen[r.ID] {
				t.Fatalf("id %q empty or repeated", r.ID)
			}
			for _, d := range r.DependsOn {
				if !seen[d] {
					t.Fatalf("%q ordered before its dependency %q", r.ID, d)
				}
			}
			seen[r.ID] = true
		}
	})
}

// FuzzFixtures: the fixtures parser never panics, in either syntax; what it
// accepts has no error diagnostics and obeys the format's rules: UPNs,
// non-blank names, each name once per scope (ignoring case), well-known
// folders, each attachment with its source's bytes.
func FuzzFixtures(f *testing.F) {
	f.Add(fixturesHCL, false)
	f.Add(fixturesJSON, true)
	for _, s := range []string{
		"", "mailbox \"a@b.c\" {}", "mailbox \"a@b.c\" {\n  message \"x\" {\n", "mailbox \"a@b.c\" { todo_list \"L\" { todo_task \"T\" { attachment \"a\" { source = \"files/agenda.txt\" } } } }",
		"mailbox \"a@b.c\" { message \"M\" { folder = \"Projects\" } }", "mailbox \"${x}@b\" {}", `{"mailbox": {"a@b.c": {"event": {"E": {"attachment": {"a": {"source": 1}}}}}}}`,
	} {
		f.Add(s, strings.HasPrefix(s, "{"))
	}
	f.Fuzz(func(t *testing.T, src string, asJSON bool) {
		name := "f.hcl"
		if asJSON {
			name = "f.json"
		}
		fx, _, diags := ParseFixtures(name, []byte(src), readFixtureFile)
		if diags.HasErrors() {
			if fx != nil {
				t.Fatalf("fixtures returned with errors: %s", diags.Error())
			}
			return
		}
		if fx == nil {
			t.Fatal("no fixtures and no error")
		}
		boxes := map[string]bool{}
		for _, mb := range fx.Mailboxes {
			if !validUPN(mb.UPN) || boxes[strings.ToLower(mb.UPN)] {
				t.Fatalf("mailbox %q accepted", mb.UPN)
			}
			boxes[strings.ToLower(mb.UPN)] = true
			checkItems := func(items []FixtureItem) {
				names := map[string]bool{}
				for _, it := range items {
					key := strings.ToLower(it.Subject)
					if strings.TrimSpace(it.Subject) == "" || names[key] {
						t.Fatalf("item %q accepted", it.Subject)
					}
					names[key] = true
					if it.Folder != "" && !wellKnownFolder(it.Folder) {
						t.Fatalf("folder %q accepted", it.Folder)
					}
					for _, a := range it.Attachments {
						if strings.TrimSpace(a.Name) == "" || a.Content == nil {
							t.Fatalf("attachment %+v accepted", a)
						}
					}
				}
			}
			checkItems(mb.Messages)
			checkItems(mb.Events)
			lists := map[string]bool{}
			for _, l := range mb.Lists {
				if strings.TrimSpace(l.Name) == "" || lists[strings.ToLower(l.Name)] {
					t.Fatalf("list %q accepted", l.Name)
				}
				lists[strings.ToLower(l.Name)] = true
				checkItems(l.Tasks)
			}
		}
	})
}
