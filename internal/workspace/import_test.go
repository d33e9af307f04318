package workspace

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/attachform/attachform/state"
)

// import records an attachment already on the item, with the digest of
// its bytes, and refuses an address not declared, one already managed and
// an id the item does not have, each before writing anything.
func TestImportRecordsWhatIsOnTheItem(t *testing.T) {
	env := testEnv(t, map[string]string{"main.attach.hcl": emulatorManifest, "agenda.md": "# Agenda\n"})
	r := &recorder{}
	w := openTest(t, env, r)
	p, ok := w.Plan(r, PlanOptions{Refresh: true, Parallelism: 4})
	if !ok {
		t.Fatalf("plan: %v", r.diags)
	}
	if result, err := w.Apply(p, ApplyOptions{Parallelism: 4}); err != nil || result.Added != 1 {
		t.Fatalf("apply: %+v, %v", result, err)
	}
	w.Close()

	// Forget it, as state rm does: it stays on the message.
	s, ok := OpenStore(env, r, StoreOptions{Operation: "state rm", Lock: true})
	if !ok {
		t.Fatalf("OpenStore: %v", r.diags)
	}
	id := got(t, &Workspace{Backend: s.Backend, env: env}).ID
	if removed, ok := s.Remove([]string{"attachment.agenda"}, false); !ok || len(removed) != 1 {
		t.Fatalf("state rm: %v, %v", removed, r.diags)
	}

	w = openTest(t, env, r)
	defer w.Close()
	for _, tc := range []struct{ addr, id, want string }{
		{"attachment.other", id, "Configuration for import target does not exist"},
	} {
		r.diags = nil
		if _, _, ok := w.Import(r, tc.addr, tc.id); ok || !r.diags.HasErrors() || r.diags[0].Summary != tc.want {
			t.Errorf("import %s %s: ok %v, %v; want %q", tc.addr, tc.id, ok, r.diags, tc.want)
		}
	}
	if st, _ := w.Backend.Read(env.Ctx); len(st.Attachments) != 0 {
		t.Fatalf("a refused import wrote the state: %+v", st.Attachments)
	}

	r.diags = nil
	a, differs, ok := w.Import(r, "attachment.agenda", id)
	sum := sha256.Sum256([]byte("# Agenda\n"))
	if !ok || a.ID != id || a.SHA256 != hex.EncodeToString(sum[:]) || a.Bytes != 9 || a.Name != "agenda.md" || differs != "" {
		t.Fatalf("import: ok %v, %+v, differs %q, %v", ok, a, differs, r.diags)
	}
	stored, err := w.Backend.Read(env.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := stored.Attachment("attachment.agenda"); !ok || got.ID != id || got.SHA256 != a.SHA256 {
		t.Errorf("the state holds %+v (%v)", got, ok)
	}
	if _, _, ok := w.Import(r, "attachment.agenda", id); ok || r.diags[len(r.diags)-1].Summary != "Resource already managed by attachform" {
		t.Errorf("a second import: ok %v, %v", ok, r.diags)
	}

	// Gone from the message: nothing to import.
	w.State.RemoveAttachment("attachment.agenda", "")
	if err := w.Client.DeleteAttachment(env.Ctx, got(t, w).Target, id); err != nil {
		t.Fatal(err)
	}
	r.diags = nil
	if _, _, ok := w.Import(r, "attachment.agenda", id); ok || !r.diags.HasErrors() || r.diags[0].Summary != "Cannot import non-existent remote object" {
		t.Errorf("import of a deleted attachment: ok %v, %v", ok, r.diags)
	}
}

// got is the attachment the state stored for attachment.agenda.
func got(t *testing.T, w *Workspace) state.Attachment {
	t.Helper()
	st, err := w.Backend.Read(w.env.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	a, ok := st.Attachment("attachment.agenda")
	if !ok {
		t.Fatal("attachment.agenda is not in the state")
	}
	return a
}
