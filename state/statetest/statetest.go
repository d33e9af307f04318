// Package statetest is the conformance suite every state backend passes.
package statetest

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/attachform/attachform/item"
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

	t.Run("a write over another run's write is a conflict and changes nothing", func(t *testing.T) {
		a, b := newBackend(t, "conflict"), newBackend(t, "conflict")
		for _, h := range []state.Backend{a, b} {
			if s, err := h.Read(ctx); err != nil || s != nil {
				t.Fatalf("Read = %v, %v; want nil, nil", s, err)
			}
		}
		first := sample()
		if err := state.Persist(ctx, a, first, "test"); err != nil {
			t.Fatal(err)
		}
		second := state.New()
		if err := state.Persist(ctx, b, second, "test"); !errors.Is(err, state.ErrConflict) {
			t.Fatalf("write based on a stale read = %v; want ErrConflict", err)
		}
		if got := mustRead(t, newBackend(t, "conflict")); got.Lineage != first.Lineage || got.Serial != 1 {
			t.Fatalf("after the refused write the store holds lineage %s serial %d; want %s serial 1", got.Lineage, got.Serial, first.Lineage)
		}
		// Reading again makes the next write legitimate; the earlier
		// writer is now the stale one.
		got := mustRead(t, b)
		if err := state.Persist(ctx, b, got, "test"); err != nil {
			t.Fatalf("write after reading again: %v", err)
		}
		if err := state.Persist(ctx, a, first, "test"); !errors.Is(err, state.ErrConflict) {
			t.Fatalf("write by the now stale first writer = %v; want ErrConflict", err)
		}
		if got := mustRead(t, newBackend(t, "conflict")); got.Serial != 2 {
			t.Fatalf("serial %d, want 2", got.Serial)
		}
	})

	t.Run("a handle that read nothing may create the state but not replace it", func(t *testing.T) {
		if err := state.Persist(ctx, newBackend(t, "blind"), sample(), "test"); err != nil {
			t.Fatalf("first write of a new state: %v", err)
		}
		blind := newBackend(t, "blind")
		if err := state.Persist(ctx, blind, state.New(), "test"); !errors.Is(err, state.ErrConflict) {
			t.Fatalf("write without a read over an existing state = %v; want ErrConflict", err)
		}
		got := mustRead(t, blind)
		if err := state.Persist(ctx, blind, got, "test"); err != nil {
			t.Fatalf("write after a read: %v", err)
		}
	})

	t.Run("the lock holder reads and writes, and the next holder sees it", func(t *testing.T) {
		first := newBackend(t, "holder")
		info := state.NewLockInfo("apply", "test")
		if err := first.Lock(ctx, info); err != nil {
			t.Fatal(err)
		}
		if s, err := first.Read(ctx); err != nil || s != nil {
			t.Fatalf("Read under a fresh lock = %v, %v; want nil, nil", s, err)
		}
		want := sample()
		for range 2 {
			if err := state.Persist(ctx, first, want, "test"); err != nil {
				t.Fatalf("write under the lock: %v", err)
			}
		}
		if err := first.Unlock(ctx, info.ID); err != nil {
			t.Fatal(err)
		}
		second := newBackend(t, "holder")
		next := state.NewLockInfo("apply", "test")
		if err := second.Lock(ctx, next); err != nil {
			t.Fatalf("Lock after Unlock: %v", err)
		}
		got := mustRead(t, second)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("next holder reads\n%+v\nwant\n%+v", got, want)
		}
		if err := state.Persist(ctx, second, got, "test"); err != nil {
			t.Fatalf("next holder's write: %v", err)
		}
		if err := second.Unlock(ctx, next.ID); err != nil {
			t.Fatal(err)
		}
		// The same handle can lock again.
		again := state.NewLockInfo("plan", "test")
		if err := second.Lock(ctx, again); err != nil {
			t.Fatalf("second Lock by one handle: %v", err)
		}
		if err := second.Unlock(ctx, again.ID); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("a second run cannot take a held lock and learns who holds it", func(t *testing.T) {
		first, second := newBackend(t, "lock"), newBackend(t, "lock")
		info := state.NewLockInfo("apply", "test")
		info.RunURL = "https://ci.example/runs/42"
		if err := first.Lock(ctx, info); err != nil {
			t.Fatal(err)
		}
		err := second.Lock(ctx, state.NewLockInfo("plan", "test"))
		var le *state.LockError
		if !errors.As(err, &le) || !errors.Is(err, state.ErrLocked) {
			t.Fatalf("second Lock = %v; want a *LockError wrapping ErrLocked", err)
		}
		got := le.Info
		if got.ID != info.ID || got.Operation != "apply" || got.Who != info.Who || got.Host != info.Host ||
			got.RunURL != info.RunURL || got.Version != info.Version || !got.Created.Equal(info.Created) || got.Path == "" {
			t.Fatalf("lock holder = %+v; want %+v with the path", got, info)
		}
		if err := first.Lock(ctx, state.NewLockInfo("plan", "test")); !errors.Is(err, state.ErrLocked) {
			t.Fatalf("Lock by the holder's own handle = %v; want ErrLocked", err)
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

	t.Run("runs that lock at once: exactly one wins, the others name it", func(t *testing.T) {
		const n = 4
		handles, infos, errs := make([]state.Backend, n), make([]state.LockInfo, n), make([]error, n)
		for i := range n {
			handles[i], infos[i] = newBackend(t, "race"), state.NewLockInfo("apply", "test")
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = handles[i].Lock(ctx, infos[i])
			}()
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, err := range errs {
			if err == nil {
				if winner >= 0 {
					t.Fatalf("runs %d and %d both hold the lock", winner, i)
				}
				winner = i
			}
		}
		if winner < 0 {
			t.Fatalf("no run got the lock: %v", errs)
		}
		for i, err := range errs {
			var le *state.LockError
			if i != winner && (!errors.As(err, &le) || le.Info.ID != infos[winner].ID) {
				t.Errorf("run %d: Lock = %v; want a LockError naming the winner %s", i, err, infos[winner].ID)
			}
		}
		if err := handles[winner].Unlock(ctx, infos[winner].ID); err != nil {
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

	t.Run("acquire waits until the holder unlocks", func(t *testing.T) {
		first, second := newBackend(t, "wait"), newBackend(t, "wait")
		info := state.NewLockInfo("apply", "test")
		if err := first.Lock(ctx, info); err != nil {
			t.Fatal(err)
		}
		unlocked := make(chan error, 1)
		go func() {
			time.Sleep(300 * time.Millisecond)
			unlocked <- first.Unlock(ctx, info.ID)
		}()
		next := state.NewLockInfo("plan", "test")
		if err := state.Acquire(ctx, second, next, 30*time.Second); err != nil {
			t.Fatalf("Acquire while the holder finishes: %v", err)
		}
		if err := <-unlocked; err != nil {
			t.Fatal(err)
		}
		if err := second.Unlock(ctx, next.ID); err != nil {
			t.Fatal(err)
		}
	})
}

func mustRead(t *testing.T, b state.Backend) *state.State {
	t.Helper()
	s, err := b.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s == nil {
		t.Fatal("Read found no state")
	}
	return s
}

func sample() *state.State {
	s := state.New()
	created := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	s.SetAttachment(state.Attachment{
		Address:    `attachment.handbook["intro.pdf"]`,
		Target:     item.Ref{Mailbox: "ops@contoso.example", Kind: "message", ID: "AAMkAD=="},
		ID:         "AAMkADatt=",
		Descriptor: state.Descriptor{Name: "intro.pdf", ContentType: "application/pdf", SHA256: "ab12", Bytes: 20}, ReportedSize: 178, CreatedAt: created,
	})
	s.SetAttachment(state.Attachment{
		Address:    "attachment.agenda",
		Target:     item.Ref{Mailbox: "ops@contoso.example", Kind: "todo_task", ID: "task=", ListID: "list="},
		ID:         "AAMkADx=",
		Descriptor: state.Descriptor{Name: "agenda.pdf", ContentType: "application/pdf", SHA256: "cd34", Bytes: 3483322}, ReportedSize: 3640066, CreatedAt: created,
	})
	s.SetSession(state.Session{
		Address: "attachment.big", Target: item.Ref{Mailbox: "ops@contoso.example", Kind: "event", ID: "ev="},
		UploadURL: "https://outlook.office.com/api/v2.0/x?authtoken=secret", ExpiresAt: created.Add(time.Hour),
		Confirmed:  2097152,
		Descriptor: state.Descriptor{Name: "big.csv", ContentType: "text/csv", SHA256: "ef56", Bytes: 5000000}, StartedAt: created,
	})
	// What an interrupted apply leaves must survive a backend exactly.
	s.AddIntent(state.Intent{
		ID: "intent-1", Address: "attachment.notes", Target: item.Ref{Mailbox: "ops@contoso.example", Kind: "message", ID: "AAMkAD=="},
		Descriptor: state.Descriptor{Name: "notes.txt", ContentType: "text/plain", SHA256: "0a0b", Bytes: 12}, CreatedAt: created,
	})
	s.Depose(state.Attachment{
		Address: "attachment.old", Target: item.Ref{Mailbox: "ops@contoso.example", Kind: "event", ID: "ev="},
		ID:         "AAMkADold=",
		Descriptor: state.Descriptor{Name: "old.pdf", ContentType: "application/pdf", SHA256: "9f9f", Bytes: 7}, ReportedSize: 99, CreatedAt: created,
	})
	return s
}
