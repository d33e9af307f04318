package emulator

import (
	"net/http"
	"strings"
)

func listJSON(l *todoList) map[string]any {
	return map[string]any{
		"id":                l.ID,
		"displayName":       l.DisplayName,
		"isOwner":           true,
		"isShared":          false,
		"wellknownListName": l.WellKnown,
	}
}

// routeLists serves .../todo/lists[/{id}[/tasks[/{id}[/...]]]].
func (s *Server) routeLists(c *rq, segs []string) *apiErr {
	ctx := s.graphOrigin + "/" + c.version + "/$metadata#users('" + c.mb.UPN + "')/todo/lists"
	st := s.store
	if len(segs) == 0 {
		switch c.r.Method {
		case http.MethodGet:
			q, e := parseQuery(c.r, []string{"$select", "$filter", "$top", "$skip"}, "displayName")
			if e != nil {
				return e
			}
			st.mu.Lock()
			var hits []*todoList
			for _, l := range c.mb.Lists {
				if q.filter.match(l.DisplayName) {
					hits = append(hits, l)
				}
			}
			from, to, more := q.page(len(hits))
			vals := make([]any, 0, to-from)
			for _, l := range hits[from:to] {
				vals = append(vals, project(listJSON(l), q.sel))
			}
			st.mu.Unlock()
			s.writeList(c, ctx, vals, more, to)
			return nil
		case http.MethodPost:
			var body struct {
				DisplayName string `json:"displayName"`
			}
			if e := readJSON(c, &body); e != nil {
				return e
			}
			if strings.TrimSpace(body.DisplayName) == "" {
				return errBadRequest("A list needs a displayName.")
			}
			st.mu.Lock()
			l := &todoList{ID: st.newID(prefixREST), DisplayName: body.DisplayName, WellKnown: "none"}
			c.mb.Lists = append(c.mb.Lists, l)
			return s.createdLocked(c, ctx, func() map[string]any { return listJSON(l) })
		}
		return errMethod(c.r.Method)
	}
	if !wellFormedID(segs[0]) {
		return errMalformedID(segs[0])
	}
	st.mu.Lock()
	l := c.mb.findList(segs[0])
	st.mu.Unlock()
	if l == nil {
		return errNotFound("todoTaskList " + segs[0])
	}
	if len(segs) == 1 {
		if c.r.Method != http.MethodGet {
			return errMethod(c.r.Method)
		}
		// Get todoTaskList supports $select (todotasklist-get: "This
		// method supports the OData query parameters"); others are refused
		// as on every resource here.
		q, e := parseQuery(c.r, []string{"$select"}, "")
		if e != nil {
			return e
		}
		st.mu.Lock()
		v := project(listJSON(l), q.sel)
		st.mu.Unlock()
		v["@odata.context"] = ctx + "/$entity"
		writeJSON(c.w, http.StatusOK, v)
		return nil
	}
	if !strings.EqualFold(segs[1], "tasks") {
		return errSegment(segs[1])
	}
	return s.routeTasks(c, l, segs[2:])
}

func (s *Server) routeTasks(c *rq, l *todoList, segs []string) *apiErr {
	st := s.store
	ctx := s.graphOrigin + "/" + c.version + "/$metadata#users('" + c.mb.UPN + "')/todo/lists('" + l.ID + "')/tasks"
	if len(segs) == 0 {
		switch c.r.Method {
		case http.MethodGet:
			q, e := parseQuery(c.r, []string{"$select", "$filter", "$top", "$skip"}, kindTask.label())
			if e != nil {
				return e
			}
			st.mu.Lock()
			var hits []*item
			for _, t := range l.Tasks {
				if q.filter.match(t.Subject) {
					hits = append(hits, t)
				}
			}
			from, to, more := q.page(len(hits))
			vals := make([]any, 0, to-from)
			for _, t := range hits[from:to] {
				vals = append(vals, project(c.itemJSON(t), q.sel))
			}
			st.mu.Unlock()
			s.writeList(c, ctx, vals, more, to)
			return nil
		case http.MethodPost:
			title, props, e := readItemBody(c, kindTask.label())
			if e != nil {
				return e
			}
			if title == nil || *title == "" {
				return errBadRequest("A task needs a title.")
			}
			st.mu.Lock()
			t := st.newItem(kindTask, *title, props, s.clock.Now())
			t.ListID = l.ID
			l.Tasks = append(l.Tasks, t)
			return s.createdLocked(c, ctx, func() map[string]any { return c.itemJSON(t) })
		}
		return errMethod(c.r.Method)
	}
	if !wellFormedID(segs[0]) {
		return errMalformedID(segs[0])
	}
	st.mu.Lock()
	t := l.findTask(segs[0])
	st.mu.Unlock()
	if t == nil {
		return errNotFound("todoTask " + segs[0])
	}
	if len(segs) == 1 {
		switch c.r.Method {
		case http.MethodGet:
			q, e := parseQuery(c.r, []string{"$select"}, "")
			if e != nil {
				return e
			}
			st.mu.Lock()
			v := project(c.itemJSON(t), q.sel)
			st.mu.Unlock()
			v["@odata.context"] = ctx + "/$entity"
			writeJSON(c.w, http.StatusOK, v)
			return nil
		case http.MethodPatch:
			return s.updateItem(c, t)
		case http.MethodDelete:
			return s.deleteItem(c, t)
		}
		return errMethod(c.r.Method)
	}
	switch strings.ToLower(segs[1]) {
	case "attachments":
		if e := appOnlyWriteDenied(c, t.Kind); e != nil {
			return e
		}
		return s.routeAttachments(c, t, segs[2:])
	case "attachmentsessions":
		if e := appOnlyWriteDenied(c, t.Kind); e != nil {
			return e
		}
		return s.routeTaskSession(c, t, segs[2:])
	}
	return errSegment(segs[1])
}
