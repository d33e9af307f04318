package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
)

const directoryFixtures = `
mailbox "alice@contoso.com" {
  display_name = "Alice Smith"
  department   = "Sales"
}
mailbox "bob@contoso.com" {
  department = "Sales"
}
mailbox "carol@contoso.com" {
  department = "Finance"
}
mailbox "dave@contoso.com" {
  blocked_by_access_policy = true
}
group "New Hires" {
  members  = ["alice@contoso.com"]
  groups   = ["Interns"]
  devices  = ["LAPTOP-1"]
  contacts = ["Vendor"]
  service_principals = ["attachform"]
}
group "Interns" {
  members = ["bob@contoso.com", "alice@contoso.com"]
}
`

func newDirectoryServer(t *testing.T) *Server {
	t.Helper()
	fx, _, diags := ParseFixtures("f.hcl", []byte(directoryFixtures), readFixtureFile)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	s, _ := newTestServer(t, Options{Users: []string{}, Fixtures: fx})
	return s
}

var advanced = hdr{"ConsistencyLevel": "eventual"}

func values(t *testing.T, r resp) []map[string]any {
	t.Helper()
	wantStatus(t, r, http.StatusOK)
	var v struct {
		Value []map[string]any `json:"value"`
	}
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatal(err)
	}
	return v.Value
}

func upns(t *testing.T, r resp) []string {
	t.Helper()
	var out []string
	for _, u := range values(t, r) {
		out = append(out, u["userPrincipalName"].(string))
	}
	sort.Strings(out)
	return out
}

func q(v string) string { return url.QueryEscape(v) }

// user-get: "GET /users/{id | userPrincipalName}" answers the user with
// id, userPrincipalName, mail, displayName, department.
func TestGetUserByUPNOrID(t *testing.T) {
	s := newDirectoryServer(t)
	u := do(t, "GET", api(s, "/users/alice@contoso.com"), nil, nil).json(t)
	if u["displayName"] != "Alice Smith" || u["department"] != "Sales" || u["mail"] != "alice@contoso.com" || u["id"] == "" {
		t.Fatalf("user = %v", u)
	}
	again := do(t, "GET", api(s, "/users/"+u["id"].(string)), nil, nil).json(t)
	if again["userPrincipalName"] != "alice@contoso.com" {
		t.Fatalf("by id = %v", again)
	}
	wantStatus(t, do(t, "GET", api(s, "/users/nobody@contoso.com"), nil, nil), http.StatusNotFound)
}

// aad-advanced-queries: eq on department works by default; ne and endsWith
// need ConsistencyLevel: eventual and $count=true, else 400
// Request_UnsupportedQuery; $count=true without the header is ignored.
func TestListUsersAdvancedQueryRule(t *testing.T) {
	s := newDirectoryServer(t)
	r := do(t, "GET", api(s, "/users?$filter="+q("department eq 'sales'")), nil, nil)
	if got := upns(t, r); strings.Join(got, ",") != "alice@contoso.com,bob@contoso.com" {
		t.Fatalf("department eq = %v", got)
	}
	if _, ok := r.json(t)["@odata.count"]; ok {
		t.Fatal("@odata.count without advanced query parameters")
	}
	r = do(t, "GET", api(s, "/users?$count=true&$filter="+q("department eq 'Sales'")), nil, nil)
	if _, ok := r.json(t)["@odata.count"]; ok {
		t.Fatal("$count=true without ConsistencyLevel must be ignored")
	}
	for _, f := range []string{"department ne 'Sales'", "endswith(mail,'@contoso.com')", "not(department eq 'Sales')"} {
		for _, tc := range []struct {
			query string
			h     hdr
		}{{"", nil}, {"", advanced}, {"&$count=true", nil}} {
			r := do(t, "GET", api(s, "/users?$filter="+q(f)+tc.query), tc.h, nil)
			wantStatus(t, r, http.StatusBadRequest)
			if code := r.errCode(t); code != "Request_UnsupportedQuery" {
				t.Fatalf("%s: code %s", f, code)
			}
		}
	}
	r = do(t, "GET", api(s, "/users?$count=true&$filter="+q("department ne 'Sales'")), advanced, nil)
	if got := upns(t, r); strings.Join(got, ",") != "carol@contoso.com,dave@contoso.com" {
		t.Fatalf("department ne = %v", got)
	}
	if n := r.json(t)["@odata.count"]; n != float64(2) {
		t.Fatalf("@odata.count = %v", n)
	}
	for _, bad := range []string{"$filter=" + q("jobTitle eq 'x'"), "$filter=" + q("department gt 'x'"), "$top=1000", "$skip=1", "$orderby=displayName"} {
		wantStatus(t, do(t, "GET", api(s, "/users?"+bad), nil, nil), http.StatusBadRequest)
	}
}

func createGroup(t *testing.T, s *Server, name string) string {
	t.Helper()
	r := do(t, "POST", api(s, "/groups"), nil, map[string]any{
		"displayName": name, "mailEnabled": false, "securityEnabled": true, "mailNickname": nickname(name),
	})
	wantStatus(t, r, http.StatusCreated)
	return r.json(t)["id"].(string)
}

func userID(t *testing.T, s *Server, upn string) string {
	t.Helper()
	return do(t, "GET", api(s, "/users/"+upn), nil, nil).json(t)["id"].(string)
}

func ref(id string) map[string]any {
	return map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/" + id}
}

// group-post-groups, group-list ($filter=displayName eq), group-post-members
// and group-delete-members.
func TestGroupsAndMembers(t *testing.T) {
	s := newDirectoryServer(t)
	for _, body := range []map[string]any{
		{"displayName": "X", "mailEnabled": false, "securityEnabled": true},                        // no mailNickname
		{"displayName": "X", "mailEnabled": true, "securityEnabled": true, "mailNickname": "x"},    // mail-enabled security
		{"displayName": "X", "mailEnabled": false, "securityEnabled": false, "mailNickname": "x"},  // neither kind
		{"displayName": "X", "mailEnabled": false, "securityEnabled": true, "mailNickname": "a b"}, // space in nickname
		{"displayName": "", "mailEnabled": false, "securityEnabled": true, "mailNickname": "x"},    // blank name
		{"displayName": "X", "mailEnabled": "no", "securityEnabled": true, "mailNickname": "x"},    // not a bool
		{"displayName": "X", "mailEnabled": false, "securityEnabled": true, "mailNickname": "x", "groupTypes": []string{"Bogus"}},
	} {
		wantStatus(t, do(t, "POST", api(s, "/groups"), nil, body), http.StatusBadRequest)
	}
	id := createGroup(t, s, "Sales Team")
	got := values(t, do(t, "GET", api(s, "/groups?$filter="+q("displayName eq 'sales team'")), nil, nil))
	if len(got) != 1 || got[0]["id"] != id || got[0]["securityEnabled"] != true {
		t.Fatalf("groups = %v", got)
	}
	carol := userID(t, s, "carol@contoso.com")
	wantStatus(t, do(t, "POST", api(s, "/groups/"+id+"/members/$ref"), nil, ref(carol)), http.StatusNoContent)
	r := do(t, "POST", api(s, "/groups/"+id+"/members/$ref"), nil, ref(carol))
	wantStatus(t, r, http.StatusBadRequest)
	wantStatus(t, do(t, "POST", api(s, "/groups/"+id+"/members/$ref"), nil, ref("00000000-0000-4000-8000-000000000000")), http.StatusNotFound)
	wantStatus(t, do(t, "POST", api(s, "/groups/"+id+"/members/$ref"), nil, map[string]any{"@odata.id": "https://evil.example/v1.0/directoryObjects/" + carol}), http.StatusBadRequest)
	wantStatus(t, do(t, "POST", api(s, "/groups/"+id+"/members/$ref"), nil, ref(id)), http.StatusBadRequest)
	members := upns(t, do(t, "GET", api(s, "/groups/"+id+"/members"), nil, nil))
	if strings.Join(members, ",") != "carol@contoso.com" {
		t.Fatalf("members = %v", members)
	}
	wantStatus(t, do(t, "DELETE", api(s, "/groups/"+id+"/members/"+carol+"/$ref"), nil, nil), http.StatusNoContent)
	wantStatus(t, do(t, "DELETE", api(s, "/groups/"+id+"/members/"+carol+"/$ref"), nil, nil), http.StatusNotFound)
	if n := len(values(t, do(t, "GET", api(s, "/groups/"+id+"/members"), nil, nil))); n != 0 {
		t.Fatalf("%d members after removal", n)
	}
}

// group-list-transitivemembers: a flat list of all nested members; the
// OData cast microsoft.graph.user needs the advanced query parameters and
// leaves devices, contacts and groups out.
func TestTransitiveUserMembers(t *testing.T) {
	s := newDirectoryServer(t)
	gs := values(t, do(t, "GET", api(s, "/groups?$filter="+q("displayName eq 'New Hires'")), nil, nil))
	if len(gs) != 1 {
		t.Fatalf("groups = %v", gs)
	}
	id := gs[0]["id"].(string)
	all := values(t, do(t, "GET", api(s, "/groups/"+id+"/transitiveMembers"), nil, nil))
	var types []string
	for _, o := range all {
		types = append(types, o["@odata.type"].(string))
	}
	sort.Strings(types)
	if want := "#microsoft.graph.device,#microsoft.graph.group,#microsoft.graph.orgContact,#microsoft.graph.servicePrincipal,#microsoft.graph.user,#microsoft.graph.user"; strings.Join(types, ",") != want {
		t.Fatalf("types = %v", types)
	}
	cast := api(s, "/groups/"+id+"/transitiveMembers/microsoft.graph.user")
	r := do(t, "GET", cast, nil, nil)
	wantStatus(t, r, http.StatusBadRequest)
	if r.errCode(t) != "Request_UnsupportedQuery" {
		t.Fatal(string(r.Body))
	}
	r = do(t, "GET", cast+"?$count=true&$select=userPrincipalName", advanced, nil)
	if got := upns(t, r); strings.Join(got, ",") != "alice@contoso.com,bob@contoso.com" {
		t.Fatalf("user members = %v", got)
	}
	if n := r.json(t)["@odata.count"]; n != float64(2) {
		t.Fatalf("@odata.count = %v", n)
	}
}

// paging: "$top" up to 999, the rest through @odata.nextLink ($skiptoken).
func TestMembersPaging(t *testing.T) {
	var f Fixtures
	g := FixtureGroup{Name: "Everyone"}
	for i := range 250 {
		upn := fmt.Sprintf("u%03d@contoso.com", i)
		f.Mailboxes = append(f.Mailboxes, FixtureMailbox{UPN: upn})
		g.Members = append(g.Members, upn)
	}
	f.Groups = []FixtureGroup{g}
	s, _ := newTestServer(t, Options{Users: []string{}, Fixtures: &f})
	gid := values(t, do(t, "GET", api(s, "/groups?$filter="+q("displayName eq 'Everyone'")), nil, nil))[0]["id"].(string)
	next := api(s, "/groups/"+gid+"/transitiveMembers/microsoft.graph.user?$count=true&$top=100")
	seen := map[string]bool{}
	pages := 0
	for next != "" {
		r := do(t, "GET", next, advanced, nil)
		for _, u := range values(t, r) {
			seen[u["userPrincipalName"].(string)] = true
		}
		next, _ = r.json(t)["@odata.nextLink"].(string)
		pages++
	}
	if pages != 3 || len(seen) != 250 {
		t.Fatalf("%d pages, %d users", pages, len(seen))
	}
	wantStatus(t, do(t, "GET", api(s, "/groups/"+gid+"/transitiveMembers?$skiptoken=bogus"), nil, nil), http.StatusBadRequest)
}

// aad-advanced-queries: "To use advanced query capabilities in batch
// requests, specify the ConsistencyLevel header in the JSON body of the POST
// request."
func TestDirectoryInBatch(t *testing.T) {
	s := newDirectoryServer(t)
	res := byID(t, batch(t, s, []map[string]any{
		{"id": "1", "method": "GET", "url": "/users?$count=true&$filter=" + q("department ne 'Sales'"), "headers": map[string]string{"ConsistencyLevel": "eventual"}},
		{"id": "2", "method": "GET", "url": "/users?$count=true&$filter=" + q("department ne 'Sales'")},
		{"id": "3", "method": "GET", "url": "/groups?$filter=" + q("displayName eq 'Interns'")},
		{"id": "4", "method": "POST", "url": "/groups", "headers": map[string]string{"Content-Type": "application/json"},
			"body": map[string]any{"displayName": "B", "mailEnabled": false, "securityEnabled": true, "mailNickname": "b"}},
	}))
	if res["1"].Status != 200 || res["2"].Status != 400 || res["3"].Status != 200 || res["4"].Status != 201 {
		t.Fatalf("statuses %d %d %d %d", res["1"].Status, res["2"].Status, res["3"].Status, res["4"].Status)
	}
}

// auth-limit-mailbox-access: an application access policy that leaves a
// mailbox out makes its mail and calendar answer 403 ErrorAccessDenied; the
// user itself is still a directory read.
func TestAccessPolicyDeniedMailbox(t *testing.T) {
	s := newDirectoryServer(t)
	r := do(t, "GET", api(s, "/users/dave@contoso.com/messages?$filter="+q("subject eq 'x'")), nil, nil)
	wantStatus(t, r, http.StatusForbidden)
	if r.errCode(t) != "ErrorAccessDenied" {
		t.Fatal(string(r.Body))
	}
	wantStatus(t, do(t, "GET", api(s, "/users/dave@contoso.com"), nil, nil), http.StatusOK)
	wantStatus(t, do(t, "GET", api(s, "/users/carol@contoso.com/messages"), nil, nil), http.StatusOK)
}

// Permissions named by the token are checked on directory reads: 403
// Authorization_RequestDenied without any the API reference accepts.
func TestDirectoryPermissions(t *testing.T) {
	s := newDirectoryServer(t)
	mail := bearer(unsignedJWT(t, map[string]any{"roles": []string{"Mail.ReadWrite"}}))
	groups := bearer(unsignedJWT(t, map[string]any{"roles": []string{"GroupMember.Read.All"}}))
	r := do(t, "GET", api(s, "/groups"), mail, nil)
	wantStatus(t, r, http.StatusForbidden)
	if r.errCode(t) != "Authorization_RequestDenied" || !strings.Contains(string(r.Body), "GroupMember.Read.All") {
		t.Fatal(string(r.Body))
	}
	wantStatus(t, do(t, "GET", api(s, "/groups"), groups, nil), http.StatusOK)
	wantStatus(t, do(t, "GET", api(s, "/users"), groups, nil), http.StatusForbidden)
}
