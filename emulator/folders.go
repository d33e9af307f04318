package emulator

import (
	"net/http"
	"strings"
)

func (s *Server) folderJSON(c *rq, f *folder) map[string]any {
	n := 0
	for _, m := range c.mb.Messages {
		if m.FolderID == f.ID {
			n++
		}
	}
	return map[string]any{
		"id":               f.ID,
		"displayName":      f.DisplayName,
		"childFolderCount": 0,
		"totalItemCount":   n,
		"unreadItemCount":  0,
		"isHidden":         false,
	}
}

// routeFolders serves .../mailFolders[/{id or well-known name}[/messages/...]].
func (s *Server) routeFolders(c *rq, segs []string) *apiErr {
	ctx := s.graphOrigin + "/" + c.version + "/$metadata#users('" + c.mb.UPN + "')/mailFolders"
	st := s.store
	if len(segs) == 0 {
		switch c.r.Method {
		case http.MethodGet:
			q, e := parseQuery(c.r, []string{"$select", "$top", "$skip"}, "")
			if e != nil {
				return e
			}
			st.mu.Lock()
			from, to, more := q.page(len(c.mb.Folders))
			vals := make([]any, 0, to-from)
			for _, f := range c.mb.Folders[from:to] {
				vals = append(vals, project(s.folderJSON(c, f), q.sel))
			}
			st.mu.Unlock()
			s.writeList(c, ctx, vals, more, to)
			return nil
		case http.MethodPost:
			return s.createFolder(c, ctx)
		}
		return errMethod(c.r.Method)
	}
	st.mu.Lock()
	f := c.mb.findFolder(segs[0])
	st.mu.Unlock()
	if f == nil {
		if !wellFormedID(segs[0]) {
			return errMalformedID(segs[0])
		}
		return errNotFound("mail folder " + segs[0])
	}
	if len(segs) == 1 {
		if c.r.Method != http.MethodGet {
			return errMethod(c.r.Method)
		}
		st.mu.Lock()
		v := s.folderJSON(c, f)
		st.mu.Unlock()
		v["@odata.context"] = ctx + "/$entity"
		writeJSON(c.w, http.StatusOK, v)
		return nil
	}
	if strings.EqualFold(segs[1], "messages") {
		return s.routeItems(c, kindMessage, f, segs[2:])
	}
	return errSegment(segs[1])
}

func (s *Server) createFolder(c *rq, ctx string) *apiErr {
	var body struct {
		DisplayName string `json:"displayName"`
	}
	if e := readJSON(c, &body); e != nil {
		return e
	}
	if strings.TrimSpace(body.DisplayName) == "" {
		return errBadRequest("A folder needs a displayName.")
	}
	st := s.store
	st.mu.Lock()
	for _, f := range c.mb.Folders {
		if strings.EqualFold(f.DisplayName, body.DisplayName) {
			st.mu.Unlock()
			return newErr(http.StatusConflict, "ErrorFolderExists", "A folder with the specified name already exists.")
		}
	}
	f := &folder{ID: st.newID(prefixREST), DisplayName: body.DisplayName}
	c.mb.Folders = append(c.mb.Folders, f)
	return s.createdLocked(c, ctx, func() map[string]any { return s.folderJSON(c, f) })
}

// moveMessage moves a message to another folder. Like Exchange, the move
// gives the message a new REST id; its immutable id stays, and a client
// that sent Prefer: IdType="ImmutableId" sees that one throughout.
func (s *Server) moveMessage(c *rq, it *item) *apiErr {
	var body struct {
		DestinationID string `json:"destinationId"`
	}
	if e := readJSON(c, &body); e != nil {
		return e
	}
	if body.DestinationID == "" {
		return errBadRequest("The move action needs a destinationId.")
	}
	st := s.store
	st.mu.Lock()
	f := c.mb.findFolder(body.DestinationID)
	if f == nil {
		st.mu.Unlock()
		if !wellFormedID(body.DestinationID) {
			return errMalformedID(body.DestinationID)
		}
		return errNotFound("mail folder " + body.DestinationID)
	}
	var err error
	if f.ID != it.FolderID {
		it.FolderID = f.ID
		it.ID = st.newID(prefixREST)
		it.Modified = s.clock.Now()
		err = st.save()
	}
	v := c.itemJSON(it)
	st.mu.Unlock()
	if err != nil {
		return s.internal(err)
	}
	v["@odata.context"] = s.itemsContext(c, kindMessage) + "/$entity"
	writeJSON(c.w, http.StatusCreated, v)
	return nil
}
