package emulator

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// serverOwned are item properties the emulator computes; a client's value
// for them is ignored on create and update, as Graph ignores read-only ones.
var serverOwned = map[string]bool{
	"id": true, "createdDateTime": true, "lastModifiedDateTime": true, "hasAttachments": true,
	"isDraft": true, "parentFolderId": true, "subject": true, "title": true, "changeKey": true,
}

func graphTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func (c *rq) idOf(it *item) string {
	if c.immutable && it.Kind.outlook() {
		return it.ImmutableID
	}
	return it.ID
}

// itemJSON renders an item; caller holds the lock.
func (c *rq) itemJSON(it *item) map[string]any {
	v := make(map[string]any, len(it.Props)+8)
	for k, raw := range it.Props {
		v[k] = raw
	}
	v["id"] = c.idOf(it)
	v["createdDateTime"] = graphTime(it.Created)
	v["lastModifiedDateTime"] = graphTime(it.Modified)
	v["hasAttachments"] = len(it.Attachments) > 0
	v[it.Kind.label()] = it.Subject
	if render := it.Kind.def().render; render != nil {
		render(it, v)
	}
	return v
}

// readItemBody reads a create or update body: the label property (subject
// or title) and the rest, minus what the server owns.
func readItemBody(c *rq, label string) (subject *string, props map[string]json.RawMessage, e *apiErr) {
	var body map[string]json.RawMessage
	if e := readJSON(c, &body); e != nil {
		return nil, nil, e
	}
	if body == nil {
		return nil, nil, errBadRequest("The request body must be a JSON object.")
	}
	if _, ok := body["attachments"]; ok {
		return nil, nil, errBadRequest("Attachments in an item body are not emulated: POST each one to the item's attachments.")
	}
	if raw, ok := body[label]; ok {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, nil, errBadRequest("Property '" + label + "' must be a string.")
		}
		subject = &s
	}
	props = map[string]json.RawMessage{}
	for k, raw := range body {
		if serverOwned[k] || strings.HasPrefix(k, "@odata.") {
			continue
		}
		props[k] = raw
	}
	return subject, props, nil
}

func (s *Server) itemsContext(c *rq, k kind) string {
	return s.graphOrigin + "/" + c.version + "/$metadata#users('" + c.mb.UPN + "')/" + k.collection()
}

// routeItems serves the items of a kind a mailbox keeps itself (messages,
// events): .../messages[/{id}[/...]], also scoped to a mail folder.
func (s *Server) routeItems(c *rq, k kind, fo *folder, segs []string) *apiErr {
	if len(segs) == 0 {
		switch c.r.Method {
		case http.MethodGet:
			return s.listItems(c, k, fo)
		case http.MethodPost:
			return s.createItem(c, k, fo)
		}
		return errMethod(c.r.Method)
	}
	id := segs[0]
	if !wellFormedID(id) {
		return errMalformedID(id)
	}
	st := s.store
	st.mu.Lock()
	it := c.mb.findItem(k, id)
	if it != nil && fo != nil && it.FolderID != fo.ID {
		it = nil
	}
	st.mu.Unlock()
	if it == nil {
		return errNotFound(string(k) + " " + id)
	}
	if len(segs) == 1 {
		switch c.r.Method {
		case http.MethodGet:
			return s.getItem(c, it)
		case http.MethodPatch:
			return s.updateItem(c, it)
		case http.MethodDelete:
			return s.deleteItem(c, it)
		}
		return errMethod(c.r.Method)
	}
	switch strings.ToLower(segs[1]) {
	case "attachments":
		return s.routeAttachments(c, it, segs[2:])
	case "move":
		if k.def().inFolders && len(segs) == 2 {
			if c.r.Method != http.MethodPost {
				return errMethod(c.r.Method)
			}
			return s.moveMessage(c, it)
		}
	}
	return errSegment(segs[1])
}

func (s *Server) listItems(c *rq, k kind, fo *folder) *apiErr {
	q, e := parseQuery(c.r, []string{"$select", "$filter", "$top", "$skip"}, k.label())
	if e != nil {
		return e
	}
	st := s.store
	st.mu.Lock()
	all := *k.def().items(c.mb)
	var hits []*item
	for _, it := range all {
		if fo != nil && it.FolderID != fo.ID {
			continue
		}
		if q.filter.match(it.Subject) {
			hits = append(hits, it)
		}
	}
	from, to, more := q.page(len(hits))
	vals := make([]any, 0, to-from)
	for _, it := range hits[from:to] {
		vals = append(vals, project(c.itemJSON(it), q.sel))
	}
	st.mu.Unlock()
	s.writeList(c, s.itemsContext(c, k), vals, more, to)
	return nil
}

func (s *Server) writeList(c *rq, context string, vals []any, more bool, next int) {
	out := map[string]any{"@odata.context": context, "value": vals}
	if more {
		out["@odata.nextLink"] = s.nextLink(c.r, next)
	}
	writeJSON(c.w, http.StatusOK, out)
}

func (s *Server) getItem(c *rq, it *item) *apiErr {
	q, e := parseQuery(c.r, []string{"$select"}, "")
	if e != nil {
		return e
	}
	s.store.mu.Lock()
	v := project(c.itemJSON(it), q.sel)
	s.store.mu.Unlock()
	v["@odata.context"] = s.itemsContext(c, it.Kind) + "/$entity"
	writeJSON(c.w, http.StatusOK, v)
	return nil
}

func (s *Server) createItem(c *rq, k kind, fo *folder) *apiErr {
	subject, props, e := readItemBody(c, k.label())
	if e != nil {
		return e
	}
	st := s.store
	st.mu.Lock()
	var sub string
	if subject != nil {
		sub = *subject
	}
	it := st.newItem(k, sub, props, s.clock.Now())
	if k.def().inFolders {
		if fo == nil {
			fo = c.mb.findFolder("drafts")
		}
		it.FolderID = fo.ID
	}
	items := k.def().items(c.mb)
	*items = append(*items, it)
	return s.createdLocked(c, s.itemsContext(c, k), func() map[string]any { return c.itemJSON(it) })
}

func (s *Server) updateItem(c *rq, it *item) *apiErr {
	subject, props, e := readItemBody(c, it.Kind.label())
	if e != nil {
		return e
	}
	st := s.store
	st.mu.Lock()
	if subject != nil {
		it.Subject = *subject
	}
	if it.Props == nil {
		it.Props = map[string]json.RawMessage{}
	}
	for k, v := range props {
		it.Props[k] = v
	}
	it.Modified = s.clock.Now()
	err := st.save()
	v := c.itemJSON(it)
	st.mu.Unlock()
	if err != nil {
		return s.internal(err)
	}
	v["@odata.context"] = s.itemsContext(c, it.Kind) + "/$entity"
	writeJSON(c.w, http.StatusOK, v)
	return nil
}

// deleteItem removes an item with its attachments and open sessions.
func (s *Server) deleteItem(c *rq, it *item) *apiErr {
	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock() // the answer is a bare 204
	if in := it.Kind.def().items; in != nil {
		*in(c.mb) = removeItem(*in(c.mb), it)
	} else if l := c.mb.findList(it.ListID); l != nil {
		l.Tasks = removeItem(l.Tasks, it)
	}
	for _, a := range it.Attachments {
		st.dropContent(a)
	}
	st.dropSessionsOf(it)
	if err := st.save(); err != nil {
		return s.internal(err)
	}
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

func removeItem(items []*item, it *item) []*item {
	out := items[:0]
	for _, x := range items {
		if x != it {
			out = append(out, x)
		}
	}
	return out
}
