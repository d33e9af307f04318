package graph

import (
	"context"
	"testing"
	"time"

	"github.com/attachform/attachform/emulator"
)

// BenchmarkGroupMembers reads the transitive user members of a group of
// 5,000 people (half of them through a nested group) against the emulator
// answering every request after 20 ms: by id, and by display name (one
// more request, to find the group). Issue 19's goal: a group of 5,000
// members in ≤ 6 requests — the pages of 999 Graph allows.
//
//	go test ./graph -run '^$' -bench GroupMembers -benchtime 3x
func BenchmarkGroupMembers(b *testing.B) {
	const members = 5000
	e := directoryEnvTB(b, members)
	if err := e.srv.SetFaults(emulator.Faults{Latency: 20 * time.Millisecond}); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	g := e.client.Lookups(ctx, []Lookup{{Kind: LookupGroups, Name: "Everyone"}})[0]
	if g.Err != nil || len(g.Items) != 1 {
		b.Fatalf("group: %+v", g)
	}
	id := g.Items[0].ID
	for _, tc := range []struct {
		name string
		read func() LookupResult
	}{
		{"by=id", func() LookupResult {
			return e.client.Lookups(ctx, []Lookup{{Kind: LookupGroupMembers, ID: id}})[0]
		}},
		{"by=name", func() LookupResult {
			g := e.client.Lookups(ctx, []Lookup{{Kind: LookupGroups, Name: "Everyone"}})[0]
			return e.client.Lookups(ctx, []Lookup{{Kind: LookupGroupMembers, ID: g.Items[0].ID}})[0]
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			before := e.srv.Stats().Requests.Total
			for b.Loop() {
				if r := tc.read(); r.Err != nil || len(r.Items) != members {
					b.Fatalf("%d members, %v", len(r.Items), r.Err)
				}
			}
			b.ReportMetric(float64(e.srv.Stats().Requests.Total-before)/float64(b.N), "requests/op")
		})
	}
}
