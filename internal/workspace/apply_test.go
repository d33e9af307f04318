package workspace

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
	"github.com/attachform/attachform/state/local"
)

// An apply of a plan with changes moves the state's serial even when no
// change recorded anything (each failed first): a saved plan is bound to
// the serial, so it applies at most once. One that moved it is left as is.
func TestSettleSerialMovesTheSerialOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	b := local.New(filepath.Join(dir, "s.json"))
	st := state.New()
	st.Serial = 3
	if err := b.Write(ctx, st); err != nil {
		t.Fatal(err)
	}
	w := &Workspace{Backend: b, State: st, env: Env{Ctx: ctx}}
	if err := w.settleSerial(st.Clone()); err != nil {
		t.Fatal(err)
	}
	got, err := b.Read(ctx)
	if err != nil || got.Serial != 4 || got.Lineage != st.Lineage {
		t.Fatalf("after an apply that recorded nothing: %+v, %v", got, err)
	}
	saved := &plan.Saved{Plan: &plan.Plan{Lineage: st.Lineage, Serial: 3}}
	if err := plan.CheckSaved(ctx, saved, &spec.Config{}, got); !errors.Is(err, plan.ErrStalePlan) {
		t.Errorf("the plan applies again: %v", err)
	}
	if err := w.settleSerial(got); err != nil {
		t.Fatal(err)
	}
	if again, _ := b.Read(ctx); again.Serial != 4 {
		t.Errorf("a serial that moved was moved again: %d", again.Serial)
	}

	// No state before: the first write creates one.
	b2 := local.New(filepath.Join(dir, "new.json"))
	if err := (&Workspace{Backend: b2, env: Env{Ctx: ctx}}).settleSerial(state.New()); err != nil {
		t.Fatal(err)
	}
	if first, err := b2.Read(ctx); err != nil || first == nil || first.Serial != 1 {
		t.Errorf("no state before: %+v, %v", first, err)
	}
}
