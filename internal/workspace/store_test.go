package workspace

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/attachform/attachform/state"
	"github.com/attachform/attachform/state/local"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"
)

// storeReporter keeps what a state command would show.
type storeReporter struct {
	diags   hcl.Diagnostics
	waiting int
}

func (r *storeReporter) Diagnostics(_ map[string]*hcl.File, d hcl.Diagnostics) {
	r.diags = append(r.diags, d...)
}
func (r *storeReporter) LockWaiting(*state.LockError, time.Duration) { r.waiting++ }
func (r *storeReporter) LockLost(error)                              {}
func (r *storeReporter) DeviceCode(string) error                     { return nil }

// A change writes what it returns with the next serial, under the lock
// (released after); one that returns nil writes nothing; a lock someone
// else holds stops it before it reads.
func TestStoreChange(t *testing.T) {
	ctx := context.Background()
	b := local.New(filepath.Join(t.TempDir(), "s.json"))
	r := &storeReporter{}
	s := &Store{Backend: b, env: Env{Ctx: ctx, Version: "v9", Log: hclog.NewNullLogger(), Getenv: func(string) string { return "" }}, r: r, o: StoreOptions{Operation: "state mv", Lock: true}}

	ok := s.Change(func(st *state.State) (*state.State, bool) {
		if st != nil {
			t.Errorf("a state before the first write: %+v", st)
		}
		return state.New(), true
	})
	first, err := b.Read(ctx)
	if !ok || err != nil || first == nil || first.Serial != 1 || first.Writer != "v9" {
		t.Fatalf("first write: ok %v, %+v, %v, %v", ok, first, err, r.diags)
	}
	if ok := s.Change(func(*state.State) (*state.State, bool) { return nil, true }); !ok {
		t.Fatalf("a change that writes nothing: %v", r.diags)
	}
	if again, _ := b.Read(ctx); again.Serial != 1 {
		t.Errorf("a change that returned nil wrote serial %d", again.Serial)
	}

	// The lock was released: another run takes it now, and holds it.
	if err := b.Lock(ctx, state.NewLockInfo("apply", "v9")); err != nil {
		t.Fatalf("the lock was not released: %v", err)
	}
	called := false
	ok = s.Change(func(*state.State) (*state.State, bool) { called = true; return state.New(), true })
	if ok || called || !r.diags.HasErrors() || r.waiting != 0 {
		t.Errorf("with the lock held: ok %v, called %v, diags %v, waited %d", ok, called, r.diags, r.waiting)
	}
	// -lock=false changes it all the same.
	r.diags = nil
	s.o.Lock = false
	if ok := s.Change(func(st *state.State) (*state.State, bool) { return st, true }); !ok {
		t.Fatalf("-lock=false: %v", r.diags)
	}
	if last, _ := b.Read(ctx); last.Serial != 2 {
		t.Errorf("-lock=false wrote serial %d, want 2", last.Serial)
	}
}
