package emulator

import (
	"net/http"
	"net/url"
	"strings"
)

// createGroup serves POST /groups (group-post-groups). "The following
// table lists the properties that are required when you create the group":
// displayName, mailEnabled, mailNickname, securityEnabled. The group types
// table: a Microsoft 365 group has groupTypes ["Unified"] and mailEnabled
// true; a security group has no group types, mailEnabled false and
// securityEnabled true; "creating mail-enabled security groups and
// distribution groups isn't supported" through the API, so mailEnabled
// without "Unified" is refused, as is a group that is neither. mailNickname:
// "maximum length is 64 characters ... can't contain @ () \ [] " ; : <> ,
// SPACE" (the group resource). displayName: "Maximum length is 256
// characters". Answer: 201 with the group.
func (s *Server) createGroup(c *rq) *apiErr {
	if e := checkPermission(c, permsCreateGroup); e != nil {
		return e
	}
	var body struct {
		DisplayName     *string  `json:"displayName"`
		MailNickname    *string  `json:"mailNickname"`
		MailEnabled     *bool    `json:"mailEnabled"`
		SecurityEnabled *bool    `json:"securityEnabled"`
		GroupTypes      []string `json:"groupTypes"`
		Description     string   `json:"description"`
	}
	if e := readJSON(c, &body); e != nil {
		return e
	}
	for name, missing := range map[string]bool{
		"displayName": body.DisplayName == nil, "mailNickname": body.MailNickname == nil,
		"mailEnabled": body.MailEnabled == nil, "securityEnabled": body.SecurityEnabled == nil,
	} {
		if missing {
			return newErr(http.StatusBadRequest, "Request_BadRequest", "A value is required for property '"+name+"' of resource 'Group'.")
		}
	}
	unified := false
	for _, t := range body.GroupTypes {
		switch t {
		case "Unified":
			unified = true
		case "DynamicMembership":
			return newErr(http.StatusBadRequest, "Request_BadRequest", "The emulator does not serve dynamic membership groups.")
		default:
			return newErr(http.StatusBadRequest, "Request_BadRequest", "Invalid value '"+t+"' for property 'groupTypes'.")
		}
	}
	name, nick := strings.TrimSpace(*body.DisplayName), *body.MailNickname
	switch {
	case name == "" || len(*body.DisplayName) > 256:
		return newErr(http.StatusBadRequest, "Request_BadRequest", "Invalid value specified for property 'displayName' of resource 'Group': 1 to 256 characters.")
	case nick == "" || len(nick) > 64 || strings.ContainsAny(nick, "@()\\[]\";:<>, "):
		return newErr(http.StatusBadRequest, "Request_BadRequest", "Invalid value specified for property 'mailNickname' of resource 'Group'.")
	case *body.MailEnabled && !unified:
		return newErr(http.StatusBadRequest, "Request_BadRequest", "Creating mail-enabled security groups and distribution groups isn't supported: use groupTypes [\"Unified\"] for a Microsoft 365 group.")
	case !unified && !*body.SecurityEnabled:
		return newErr(http.StatusBadRequest, "Request_BadRequest", "A group must be a Microsoft 365 group (groupTypes [\"Unified\"]) or a security group (securityEnabled true).")
	case unified && !*body.MailEnabled:
		return newErr(http.StatusBadRequest, "Request_BadRequest", "A Microsoft 365 group is mail-enabled: set mailEnabled to true.")
	}
	s.store.mu.Lock()
	g := &group{
		ID: s.store.newGUID(), DisplayName: *body.DisplayName, MailNickname: nick,
		MailEnabled: *body.MailEnabled, SecurityEnabled: *body.SecurityEnabled,
		GroupTypes: body.GroupTypes, Description: body.Description,
	}
	s.store.meta.Groups = append(s.store.meta.Groups, g)
	return s.createdLocked(c, s.graphOrigin+"/"+c.version+"/$metadata#groups", func() map[string]any { return groupJSON(g) })
}

// findDirObject finds a directory object by id: its JSON (with
// @odata.type) and, for a group, the group. Caller holds the lock.
func (st *store) findDirObject(id string) (map[string]any, *group) {
	if mb := st.findMailbox(id); mb != nil && strings.EqualFold(mb.ID, id) {
		v := userJSON(mb)
		v["@odata.type"] = "#microsoft.graph.user"
		return v, nil
	}
	if g := st.findGroup(id); g != nil {
		v := groupJSON(g)
		v["@odata.type"] = "#microsoft.graph.group"
		return v, g
	}
	for _, o := range st.meta.Others {
		if strings.EqualFold(o.ID, id) {
			return map[string]any{"@odata.type": "#microsoft.graph." + o.Type, "id": o.ID, "displayName": o.DisplayName}, nil
		}
	}
	return nil, nil
}

// refTarget reads a member reference, group-post-members: `{"@odata.id":
// "https://graph.microsoft.com/v1.0/directoryObjects/{id}"}`. The emulator
// takes Graph's origin or its own, v1.0 or beta, and directoryObjects,
// users, groups, devices or contacts before the id.
func (s *Server) refTarget(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme+"://"+u.Host != "https://graph.microsoft.com" && u.Scheme+"://"+u.Host != s.graphOrigin) {
		return "", false
	}
	segs, err := splitPath(u.EscapedPath())
	if err != nil || len(segs) != 3 || (segs[0] != "v1.0" && segs[0] != "beta") {
		return "", false
	}
	switch strings.ToLower(segs[1]) {
	case "directoryobjects", "users", "groups", "devices", "contacts", "serviceprincipals":
		return segs[2], true
	}
	return "", false
}

// addMember serves POST /groups/{id}/members/$ref (group-post-members):
// 204 No Content. An object already a member is 400 ("One or more added
// object references already exist for the following modified properties:
// 'members'.", the answer Entra gives); an unknown group or object 404. A
// group cannot contain itself or a group that contains it (the emulator's
// choice: Entra documents no cycles).
func (s *Server) addMember(c *rq, groupID string) *apiErr {
	if e := checkPermission(c, permsWriteMembers); e != nil {
		return e
	}
	var body map[string]any
	if e := readJSON(c, &body); e != nil {
		return e
	}
	ref, _ := body["@odata.id"].(string)
	if len(body) != 1 || ref == "" {
		return newErr(http.StatusBadRequest, "Request_BadRequest", `The body must be exactly {"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/{id}"}.`)
	}
	memberID, ok := s.refTarget(ref)
	if !ok {
		return newErr(http.StatusBadRequest, "Request_BadRequest", "Invalid object identifier '"+ref+"': expected https://graph.microsoft.com/v1.0/directoryObjects/{id}.")
	}
	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	g := st.findGroup(groupID)
	if g == nil {
		return errDirNotFound(groupID)
	}
	obj, sub := st.findDirObject(memberID)
	if obj == nil {
		return errDirNotFound(memberID)
	}
	id := obj["id"].(string)
	for _, m := range g.Members {
		if strings.EqualFold(m, id) {
			return newErr(http.StatusBadRequest, "Request_BadRequest", "One or more added object references already exist for the following modified properties: 'members'.")
		}
	}
	if sub != nil && (sub == g || st.contains(sub, g.ID)) {
		return newErr(http.StatusBadRequest, "Request_BadRequest", "A group cannot be a member of itself, directly or through nested groups.")
	}
	g.Members = append(g.Members, id)
	if err := st.save(); err != nil {
		return s.internal(err)
	}
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// contains reports whether g has id among its transitive members.
func (st *store) contains(g *group, id string) bool {
	for _, o := range st.transitive(g) {
		if strings.EqualFold(o["id"].(string), id) {
			return true
		}
	}
	return false
}

// removeMember serves DELETE /groups/{id}/members/{id}/$ref
// (group-delete-members): 204; not a member or unknown, 404.
func (s *Server) removeMember(c *rq, groupID, memberID string) *apiErr {
	if e := checkPermission(c, permsWriteMembers); e != nil {
		return e
	}
	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	g := st.findGroup(groupID)
	if g == nil {
		return errDirNotFound(groupID)
	}
	for i, m := range g.Members {
		if strings.EqualFold(m, memberID) {
			g.Members = append(g.Members[:i:i], g.Members[i+1:]...)
			if err := st.save(); err != nil {
				return s.internal(err)
			}
			c.w.WriteHeader(http.StatusNoContent)
			return nil
		}
	}
	return errDirNotFound(memberID)
}

// transitive lists g's members, nested groups expanded (each group is
// listed too, as group-list-transitivemembers: "returns a flat list of all
// nested members"), each object once, in membership order, depth first.
// Caller holds the lock.
func (st *store) transitive(g *group) []map[string]any {
	var out []map[string]any
	seen := map[string]bool{strings.ToLower(g.ID): true}
	var walk func(g *group)
	walk = func(g *group) {
		for _, id := range g.Members {
			if seen[strings.ToLower(id)] {
				continue
			}
			seen[strings.ToLower(id)] = true
			obj, sub := st.findDirObject(id)
			if obj == nil {
				continue
			}
			out = append(out, obj)
			if sub != nil {
				walk(sub)
			}
		}
	}
	walk(g)
	return out
}

// directMembers lists g's own members. Caller holds the lock.
func (st *store) directMembers(g *group) []map[string]any {
	out := make([]map[string]any, 0, len(g.Members))
	for _, id := range g.Members {
		if obj, _ := st.findDirObject(id); obj != nil {
			out = append(out, obj)
		}
	}
	return out
}

// castTypes are the OData casts a member list takes, by the segment.
var castTypes = map[string]string{
	"microsoft.graph.user":             "#microsoft.graph.user",
	"microsoft.graph.group":            "#microsoft.graph.group",
	"microsoft.graph.device":           "#microsoft.graph.device",
	"microsoft.graph.orgcontact":       "#microsoft.graph.orgContact",
	"microsoft.graph.serviceprincipal": "#microsoft.graph.servicePrincipal",
}

// listMembers serves GET /groups/{id}/members and .../transitiveMembers,
// optionally cast to one type (".../transitiveMembers/microsoft.graph.user").
// group-list-transitivemembers: "To filter the results on the OData type,
// such as microsoft.graph.user or microsoft.graph.group, you must use the
// advanced query parameters. That is, the ConsistencyLevel header set to
// eventual and the $count=true query string." Without a cast every member
// carries its @odata.type; with one, the collection is of that type
// (Example 3: "@odata.context": ".../$metadata#groups").
func (s *Server) listMembers(c *rq, groupID string, transitive bool, cast string) *apiErr {
	if e := checkPermission(c, permsReadGroups); e != nil {
		return e
	}
	typ := ""
	if cast != "" {
		var ok bool
		if typ, ok = castTypes[strings.ToLower(cast)]; !ok {
			return errSegment(cast)
		}
	}
	q, e := parseDirQuery(c.r, "")
	if e != nil {
		return e
	}
	if typ != "" && !q.advanced {
		return needsAdvanced("OData cast '" + cast + "'")
	}
	st := s.store
	st.mu.Lock()
	g := st.findGroup(groupID)
	if g == nil {
		st.mu.Unlock()
		return errDirNotFound(groupID)
	}
	objs := st.directMembers(g)
	if transitive {
		objs = st.transitive(g)
	}
	st.mu.Unlock()
	context := "directoryObjects"
	if typ != "" {
		kept := objs[:0]
		for _, o := range objs {
			if o["@odata.type"] == typ {
				delete(o, "@odata.type")
				kept = append(kept, o)
			}
		}
		objs = kept
		context = strings.TrimPrefix(typ, "#microsoft.graph.") + "s"
	}
	s.writePage(c, q, context, objs)
	return nil
}

// mailboxPolicyDenied: an application access policy ("Limit application
// permissions to specific Exchange Online mailboxes",
// https://learn.microsoft.com/graph/auth-limit-mailbox-access) restricts an
// app's application permissions on mail, calendars and contacts to the
// mailboxes it names; a request for another mailbox's messages or events
// is refused with 403 ErrorAccessDenied ("Access to OData is disabled.").
// It applies to tokens that are not delegated; To Do is not covered by
// application access policies, and the user itself (GET /users/{id}) is a
// directory read, not a mailbox one.
func mailboxPolicyDenied(c *rq, seg string) *apiErr {
	if !c.mb.PolicyDenied || (c.who != nil && c.who.delegated) {
		return nil
	}
	switch strings.ToLower(seg) {
	case "messages", "mailfolders", "events", "calendar":
		return newErr(http.StatusForbidden, "ErrorAccessDenied", "Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings.")
	}
	return nil
}
