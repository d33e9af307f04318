package emulator

import (
	"net/http"
	"strings"
)

// The directory: users (every mailbox is a user), groups, and the devices
// and organizational contacts that can be members of groups. What each
// behaviour follows is cited where it is served; the query rules are in
// dirquery.go.

// group is a Microsoft Entra group. Members are directory object ids:
// users (mailboxes), groups (nested) and others.
type group struct {
	ID              string   `json:"id"`
	DisplayName     string   `json:"displayName"`
	MailNickname    string   `json:"mailNickname"`
	MailEnabled     bool     `json:"mailEnabled"`
	SecurityEnabled bool     `json:"securityEnabled"`
	GroupTypes      []string `json:"groupTypes"`
	Description     string   `json:"description,omitempty"`
	Members         []string `json:"members"`
}

// dirOther is a directory object that is neither a user nor a group: a
// device, an organizational contact or a service principal. They exist to be members of groups,
// which a client reading user members must leave out.
type dirOther struct {
	ID          string `json:"id"`
	Type        string `json:"type"` // "device", "orgContact" or "servicePrincipal"
	DisplayName string `json:"displayName"`
}

// Permissions each directory read accepts, from the API reference's
// permission tables (least privileged first):
//   - user-get and user-list, Application: "User.Read.All | User.ReadWrite.All,
//     Directory.Read.All, Directory.ReadWrite.All"; Delegated adds
//     User.ReadBasic.All.
//   - group-list, group-get: "GroupMember.Read.All | Group.Read.All,
//     Directory.Read.All, Group.ReadWrite.All, Directory.ReadWrite.All".
//   - group-list-transitivemembers, group-list-members: "GroupMember.Read.All,
//     Group.Read.All, GroupMember.ReadWrite.All, Group.ReadWrite.All,
//     Directory.Read.All".
//   - group-post-groups: "Group.ReadWrite.All | Directory.ReadWrite.All";
//     group-post-members and group-delete-members: "GroupMember.ReadWrite.All
//     | Group.ReadWrite.All, Directory.ReadWrite.All".
var (
	permsReadUsers    = []string{"User.Read.All", "User.ReadBasic.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
	permsReadGroups   = []string{"GroupMember.Read.All", "Group.Read.All", "GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
	permsCreateGroup  = []string{"Group.ReadWrite.All", "Directory.ReadWrite.All"}
	permsWriteMembers = []string{"GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"}
)

// checkPermission refuses a token that names its permissions (a JWT with
// "scp" or "roles") without any of perms, as Entra does: 403
// Authorization_RequestDenied "Insufficient privileges to complete the
// operation." (the error the permission reference's troubleshooting shows).
// A token that names none (not a JWT, as loopback clients send) passes.
func checkPermission(c *rq, perms []string) *apiErr {
	if c.who == nil || !c.who.names() || c.who.grants(perms) {
		return nil
	}
	return newErr(http.StatusForbidden, "Authorization_RequestDenied",
		"Insufficient privileges to complete the operation. (The emulator needs one of: "+strings.Join(perms, ", ")+".)")
}

func userJSON(mb *mailbox) map[string]any {
	display := mb.DisplayName
	if display == "" {
		display = mb.UPN
	}
	v := map[string]any{
		"id":                mb.ID,
		"userPrincipalName": mb.UPN,
		"mail":              mb.UPN,
		"displayName":       display,
		"department":        nil,
	}
	if mb.Department != "" {
		v["department"] = mb.Department
	}
	return v
}

// getUser serves GET /users/{upn or id} (user-get: "GET /users/{id |
// userPrincipalName}"): id, userPrincipalName, mail, displayName and
// department.
func (s *Server) getUser(c *rq) *apiErr {
	if e := checkPermission(c, permsReadUsers); e != nil {
		return e
	}
	s.store.mu.Lock()
	v := userJSON(c.mb)
	s.store.mu.Unlock()
	sel, e := parseQuery(c.r, []string{"$select"}, "")
	if e != nil {
		return e
	}
	v = project(v, sel.sel)
	v["@odata.context"] = s.graphOrigin + "/" + c.version + "/$metadata#users/$entity"
	writeJSON(c.w, http.StatusOK, v)
	return nil
}

// listUsers serves GET /users (user-list) with the directory query rules.
func (s *Server) listUsers(c *rq) *apiErr {
	if c.r.Method != http.MethodGet {
		return errMethod(c.r.Method)
	}
	if e := spendLatency(c.r); e != nil {
		return e
	}
	if e := checkPermission(c, permsReadUsers); e != nil {
		return e
	}
	q, e := parseDirQuery(c.r, "user")
	if e != nil {
		return e
	}
	s.store.mu.Lock()
	users := matching(q, s.store.meta.Mailboxes, userJSON)
	s.store.mu.Unlock()
	s.writePage(c, q, "users", users)
	return nil
}

// routeGroups serves /groups and below. Directory requests take no
// mailbox's slot: they spend their latency first.
func (s *Server) routeGroups(c *rq, segs []string) *apiErr {
	if e := spendLatency(c.r); e != nil {
		return e
	}
	m := c.r.Method
	switch {
	case len(segs) == 0 && m == http.MethodPost:
		return s.createGroup(c)
	case len(segs) == 0 && m == http.MethodGet:
		return s.listGroups(c)
	case len(segs) == 0:
		return errMethod(m)
	}
	id := segs[0]
	rest := segs[1:]
	switch {
	case len(rest) == 0 && m == http.MethodGet:
		return s.getGroup(c, id)
	case len(rest) == 0:
		return errMethod(m)
	case len(rest) == 2 && strings.EqualFold(rest[0], "members") && rest[1] == "$ref" && m == http.MethodPost:
		return s.addMember(c, id)
	case len(rest) == 3 && strings.EqualFold(rest[0], "members") && rest[2] == "$ref" && m == http.MethodDelete:
		return s.removeMember(c, id, rest[1])
	case (len(rest) == 1 || len(rest) == 2) && (strings.EqualFold(rest[0], "members") || strings.EqualFold(rest[0], "transitiveMembers")):
		if m != http.MethodGet {
			return errMethod(m)
		}
		cast := ""
		if len(rest) == 2 {
			cast = rest[1]
		}
		return s.listMembers(c, id, strings.EqualFold(rest[0], "transitiveMembers"), cast)
	}
	return errSegment(rest[0])
}

func groupJSON(g *group) map[string]any {
	types := g.GroupTypes
	if types == nil {
		types = []string{}
	}
	v := map[string]any{
		"id":              g.ID,
		"displayName":     g.DisplayName,
		"mailNickname":    g.MailNickname,
		"mailEnabled":     g.MailEnabled,
		"securityEnabled": g.SecurityEnabled,
		"groupTypes":      types,
		"description":     nil,
		"mail":            nil,
	}
	if g.Description != "" {
		v["description"] = g.Description
	}
	return v
}

// errDirNotFound is Entra's answer for an unknown directory object.
func errDirNotFound(id string) *apiErr {
	return newErr(http.StatusNotFound, "Request_ResourceNotFound",
		"Resource '"+id+"' does not exist or one of its queried reference-property objects are not present.")
}

func (st *store) findGroup(id string) *group {
	for _, g := range st.meta.Groups {
		if strings.EqualFold(g.ID, id) {
			return g
		}
	}
	return nil
}

func (s *Server) getGroup(c *rq, id string) *apiErr {
	if e := checkPermission(c, permsReadGroups); e != nil {
		return e
	}
	q, e := parseDirQuery(c.r, "")
	if e != nil {
		return e
	}
	s.store.mu.Lock()
	g := s.store.findGroup(id)
	var v map[string]any
	if g != nil {
		v = project(groupJSON(g), q.sel)
	}
	s.store.mu.Unlock()
	if g == nil {
		return errDirNotFound(id)
	}
	v["@odata.context"] = s.graphOrigin + "/" + c.version + "/$metadata#groups/$entity"
	writeJSON(c.w, http.StatusOK, v)
	return nil
}

// listGroups serves GET /groups (group-list), e.g.
// "$filter=displayName eq 'New Hires'".
func (s *Server) listGroups(c *rq) *apiErr {
	if e := checkPermission(c, permsReadGroups); e != nil {
		return e
	}
	q, e := parseDirQuery(c.r, "group")
	if e != nil {
		return e
	}
	s.store.mu.Lock()
	groups := matching(q, s.store.meta.Groups, groupJSON)
	s.store.mu.Unlock()
	s.writePage(c, q, "groups", groups)
	return nil
}

// matching is each of objs as JSON (asJSON), those q's $filter keeps, in
// order: what writePage pages through. Caller holds the lock.
func matching[T any](q dirQuery, objs []T, asJSON func(T) map[string]any) []map[string]any {
	var out []map[string]any
	for _, o := range objs {
		if v := asJSON(o); q.matches(v) {
			out = append(out, v)
		}
	}
	return out
}
