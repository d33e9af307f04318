// Package statetest is the conformance suite every state backend passes.
package statetest

import (
	"context"
	"errors"
	"github.com/attachform/attachform/item"
	"reflect"
	"testing"
	"time"

	"github.com/attachform/attachform/state"
)

// Factory returns a backend; called twice for the same name, it must return
// two handles on the same store (two runs of attachform).
type Factory func(t *testing.T, name string) state.Backend

// Run checks the contracts documented on state.Reader, Writer and Locker.
func Run(t *testing.T, newBackend Factory) {
	ctx := context.Background()

	t.Run("read before any write", func(t *testing.T) {
		s, err := newBackend(t, "empty").Read(ctx)
		if err != nil || s != nil {
			t.Fatalf("Read = %v, %v; want nil, nil", s, err)
		}
	})

	t.Run("write then read round-trips", func(t *testing.T) {
		b := newBackend(t, "roundtrip")
		want := sample()
		if err := state.Persist(ctx, b, want, "test"); err != nil {
			t.Fatal(err)
		}
		got, err := newBackend(t, "roundtrip").Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("read back\n%+v\nwant\n%+v", got, want)
		}
		if got.Serial != 1 {
			t.Fatalf("serial = %d after the first write, want 1", got.Serial)
		}
	})

	t.Run("every write increments the serial, the lineage stays", func(t *testing.T) {
		b := newBackend(t, "serial")
		s := sample()
		for range 3 {
			if err := state.Persist(ctx, b, s, "test"); err != nil {
				t.Fatal(err)
			}
		}
		got, err := b.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got.Serial != 3 || got.Lineage != s.Lineage {
			t.Fatalf("serial %d lineage %s; want 3 and %s", got.Serial, got.Lineage, s.Lineage)
		}
	})

	t.Run("a second run cannot take a held lock and learns who holds it", func(t *testing.T) {
		first, second := newBackend(t, "lock"), newBackend(t, "lock")
		info := state.NewLockInfo("apply", "test")
		if err := first.Lock(ctx, info); err != nil {
			t.Fatal(err)
		}
		err := second.Lock(ctx, state.NewLockInfo("plan", "test"))
		var le *state.LockError
		if !errors.As(err, &le) || !errors.Is(err, state.ErrLocked) {
			t.Fatalf("second Lock = %v; want a *LockError wrapping ErrLocked", err)
		}
		if le.Info.ID != info.ID || le.Info.Operation != "apply" {
			t.Fatalf("lock holder = %+v; want id %s, operation apply", le.Info, info.ID)
		}
		if err := first.Unlock(ctx, "not-the-id"); err == nil {
			t.Fatal("Unlock with a wrong id succeeded")
		}
		if err := first.Unlock(ctx, info.ID); err != nil {
			t.Fatal(err)
		}
		next := state.NewLockInfo("plan", "test")
		if err := second.Lock(ctx, next); err != nil {
			t.Fatalf("Lock after Unlock: %v", err)
		}
		if err := second.Unlock(ctx, next.ID); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("acquire gives up when the timeout passes", func(t *testing.T) {
		first, second := newBackend(t, "timeout"), newBackend(t, "timeout")
		info := state.NewLockInfo("apply", "test")
		if err := first.Lock(ctx, info); err != nil {
			t.Fatal(err)
		}
		defer first.Unlock(ctx, info.ID)
		err := state.Acquire(ctx, second, state.NewLockInfo("plan", "test"), time.Millisecond)
		if !errors.Is(err, state.ErrLocked) {
			t.Fatalf("Acquire = %v; want ErrLocked", err)
		}
	})
}

func sample() *state.State {
	s := state.New()
	created := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	s.SetAttachment(state.Attachment{
		Address: `attachment.handbook["intro.pdf"]`,
		Target:  item.Ref{Mailbox: "ops@contoso.example", Kind: "message", ID: "AAMkAD=="},
		ID:      "AAMkADatt=", Name: "intro.pdf", ContentType: "application/pdf",
		SHA256: "ab12", Bytes: 20, ReportedSize: 178, CreatedAt: created,
	})
	s.SetAttachment(state.Attachment{
		Address: "attachment.agenda",
		Target:  item.Ref{Mailbox: "ops@contoso.example", Kind: "todo_task", ID: "task=", ListID: "list="},
		ID:      "AAMkADx=", Name: "agenda.pdf", ContentType: "application/pdf",
		SHA256: "cd34", Bytes: 3483322, ReportedSize: 3640066, CreatedAt: created,
	})
	s.SetSession(state.Session{
		Address: "attachment.big", Target: item.Ref{Mailbox: "ops@contoso.example", Kind: "event", ID: "ev="},
		UploadURL: "https://outlook.office.com/api/v2.0/x?authtoken=secret", ExpiresAt: created.Add(time.Hour),
		Confirmed: 2097152, Name: "big.csv", ContentType: "text/csv", SHA256: "ef56", Bytes: 5000000, StartedAt: created,
	})
	return s
}
