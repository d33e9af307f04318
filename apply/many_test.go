package apply_test

// Many changes of one kind in one apply: remove N, replace N, move N,
// cancel N sessions, resume N sessions. Each runs at -parallelism=1 and at
// the default, and every apply is checked against Graph itself.
//
// These guard against a data-loss bug where a plan's changes pointed into the
// state's slices while apply shrank them: with several deletes in one run,
// deletes hit the wrong attachment, and resumes continued another
// attachment's upload session.

import (
	"slices"
	"testing"
)

func TestRemoveManyOfOneMore(t *testing.T) {
	for _, tc := range []struct {
		name    string
		targets []string // of each block, in address order
		keep    int      // the block that stays
	}{
		// The reported bug: a, b and c on one message, a and b removed.
		{"a,b,c to c", []string{"welcome", "welcome", "welcome"}, 2},
		{"12 to the last", slices.Repeat([]string{"welcome"}, 12), 11},
		{"12 to the first", slices.Repeat([]string{"welcome"}, 12), 0},
		{"12 on three items to one in the middle", slices.Repeat([]string{"welcome", "all_hands", "read"}, 4), 6},
	} {
		for _, par := range parallelisms {
			t.Run(tc.name+"/"+par.name, func(t *testing.T) {
				e, _ := newManyEnv(t)
				var all []decl
				for i, target := range tc.targets {
					name := string(rune('a' + i))
					all = append(all, sized(name, target, 1000+97*i, byte(i)))
				}
				e.declare(all)
				e.mustApply(par.n)
				before := e.verify(all)

				kept := all[tc.keep : tc.keep+1]
				e.declare(kept)
				var want []string
				for i, d := range all {
					if i != tc.keep {
						want = append(want, "delete "+d.address())
					}
				}
				res := e.mustApply(par.n, want...)
				if res.Destroyed != len(all)-1 || res.Added != 0 {
					t.Fatalf("destroyed %d, added %d; want %d destroyed", res.Destroyed, res.Added, len(all)-1)
				}
				after := e.verify(kept)
				if k := kept[0].address(); after[k].ID != before[k].ID {
					t.Fatalf("%s was re-created (id %s, was %s)", k, after[k].ID, before[k].ID)
				}
			})
		}
	}
}

func TestReplaceMany(t *testing.T) {
	type file struct {
		name, target string
		v1, v2       int // sizes; v2 0 = unchanged
	}
	files := []file{
		{"r01", "welcome", 1000, 1500},
		{"r02", "welcome", 20000, 20000}, // same size, other bytes
		{"r03", "welcome", big, big + 1}, // session to session
		{"r04", "welcome", 3000, 3500},
		{"r05", "read", big + 11, 2000}, // session to POST
		{"r06", "read", 100, 100},
		{"r07", "all_hands", 5000, 6000},
		{"r08", "all_hands", 9000, 9000},
		{"r09", "read", 4000, big + 19}, // To Do: POST to session
		{"k01", "welcome", 700, 0},
		{"k02", "read", 800, 0},
	}
	for _, par := range parallelisms {
		t.Run(par.name, func(t *testing.T) {
			e, _ := newManyEnv(t)
			var v1, v2 []decl
			var want []string
			for i, f := range files {
				d := sized(f.name, f.target, f.v1, byte(i))
				v1 = append(v1, d)
				if f.v2 != 0 {
					d = sized(f.name, f.target, f.v2, byte(100+i))
					want = append(want, "replace "+d.address())
				}
				v2 = append(v2, d)
			}
			e.declare(v1)
			e.mustApply(par.n)
			before := e.verify(v1)

			e.declare(v2)
			res := e.mustApply(par.n, want...)
			if res.Added != len(want) || res.Destroyed != len(want) {
				t.Fatalf("added %d, destroyed %d; want %d each", res.Added, res.Destroyed, len(want))
			}
			after := e.verify(v2)
			for _, f := range files {
				addr := "attachment." + f.name
				if changed := after[addr].ID != before[addr].ID; changed != (f.v2 != 0) {
					t.Errorf("%s: id %s before, %s after", addr, before[addr].ID, after[addr].ID)
				}
			}
		})
	}
}

func TestMoveMany(t *testing.T) {
	type file struct {
		name     string
		from, to string
		size     int
	}
	files := []file{
		{"m01", "welcome", "all_hands", 1000},
		{"m02", "welcome", "all_hands", 2000},
		{"m03", "welcome", "all_hands", 6000},
		{"m04", "welcome", "all_hands", 3000},
		{"m05", "welcome", "all_hands", 4000},
		{"m06", "read", "welcome", 5000},
		{"m07", "read", "welcome", big + 5},
		{"s01", "welcome", "welcome", 600},
		{"s02", "read", "read", 700},
	}
	for _, par := range parallelisms {
		t.Run(par.name, func(t *testing.T) {
			e, _ := newManyEnv(t)
			var v1, v2 []decl
			var want []string
			for i, f := range files {
				d := sized(f.name, f.from, f.size, byte(i))
				v1 = append(v1, d)
				d.target = f.to
				v2 = append(v2, d)
				if f.from != f.to {
					want = append(want, "replace "+d.address())
				}
			}
			e.declare(v1)
			e.mustApply(par.n)
			before := e.verify(v1)

			e.declare(v2)
			res := e.mustApply(par.n, want...)
			if res.Added != len(want) || res.Destroyed != len(want) {
				t.Fatalf("added %d, destroyed %d; want %d each", res.Added, res.Destroyed, len(want))
			}
			after := e.verify(v2)
			for _, f := range files {
				addr := "attachment." + f.name
				if moved := after[addr].ID != before[addr].ID; moved != (f.from != f.to) {
					t.Errorf("%s: id %s before, %s after", addr, before[addr].ID, after[addr].ID)
				}
			}
		})
	}
}
