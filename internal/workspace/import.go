package workspace

import (
	"errors"
	"fmt"
	"strings"

	"github.com/attachform/attachform/content"
	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
)

// Import is attachform import: it records the attachment of Graph id id,
// already on the item addr's target names, in the state as addr, with the
// digest of its bytes (read for that). Nothing changes in Graph. It
// returns what it recorded and, when that is not the manifest's source,
// how it differs ("": it is; the next plan replaces it otherwise). On
// failure it has reported the problem on r and recorded nothing.
func (w *Workspace) Import(r Diagnoser, addr, id string) (state.Attachment, string, bool) {
	ctx := w.env.Ctx
	att := declared(w.Config, addr)
	if att == nil {
		errorf(r, "Configuration for import target does not exist",
			"%s is not declared in the manifests. Write its attachment block (its target and source) first, then import into it.", addr)
		return state.Attachment{}, "", false
	}
	st := w.State
	if st == nil {
		st = state.New()
	}
	if cur, ok := st.Attachment(addr); ok {
		errorf(r, "Resource already managed by attachform",
			"%s is already in the state (Graph id %s). To import another attachment there, forget this one first: attachform state rm %s.", addr, cur.ID, addr)
		return state.Attachment{}, "", false
	}
	for _, a := range append(st.Attachments, st.Deposed...) {
		if a.ID == id {
			errorf(r, "Attachment already managed", "The attachment %s is already in the state as %s.", id, a.Address)
			return state.Attachment{}, "", false
		}
	}
	on := att.Target.Item
	live, err := w.Client.GetAttachment(ctx, on, id)
	if errors.Is(err, graph.ErrNotFound) {
		errorf(r, "Cannot import non-existent remote object",
			"%s has no attachment with id %q (%s goes on it, through target.%s). import takes the Graph id of an attachment on that item.", on, id, addr, att.Target.Name)
		return state.Attachment{}, "", false
	}
	if err != nil {
		errorf(r, "Cannot read the attachment to import", "%v", err)
		return state.Attachment{}, "", false
	}
	// Hash reads $value again if the answer stalls or breaks midway, as
	// every other read of Graph's bytes does.
	digest, n, err := content.Hash(ctx, w.Client, on, id)
	if err != nil {
		errorf(r, "Cannot read the attachment to import", "%v", err)
		return state.Attachment{}, "", false
	}
	a := plan.Imported(addr, on, live)
	a.SHA256, a.Bytes, a.CreatedAt = digest, n, w.env.Now()
	st.SetAttachment(a)
	if err := state.Persist(ctx, w.Backend, st, w.env.Version); err != nil {
		errorf(r, "Cannot write the state", "%v\n\nNothing was imported.", err)
		return state.Attachment{}, "", false
	}
	var differs []string
	if src, _, err := content.FileSHA256(att.Source); err != nil || src != digest {
		differs = append(differs, "its bytes differ from "+att.Source)
	}
	if live.Name != att.Name {
		differs = append(differs, fmt.Sprintf("its name %q is not the manifest's %q", live.Name, att.Name))
	}
	return a, strings.Join(differs, ", and "), true
}

// declared returns the attachment the manifests declare at addr.
func declared(cfg *spec.Config, addr string) *spec.Attachment {
	for _, a := range cfg.Attachments {
		if a.Address == addr {
			return a
		}
	}
	return nil
}
