package emulator

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
)

// identity is what a bearer token says about its caller. The emulator has
// no identity provider and verifies no signature: it only reads the claims,
// so that behaviour Graph ties to the kind of token (the known issue of
// delegated tokens on shared mailboxes) can be reproduced.
type identity struct {
	delegated bool     // the token has an scp claim: a user signed in
	appOnly   bool     // no scp, and roles (or idtyp "app"): the application itself
	user      string   // upn, else preferred_username, else unique_name
	oid       string   // the signed-in user's object id
	perms     []string // the scp claim's scopes and the roles claim's roles
}

// names reports whether the token says what it may do (scp or roles);
// permissions are checked only then (see checkPermission).
func (id *identity) names() bool { return len(id.perms) > 0 }

// grants reports whether the token has any of perms.
func (id *identity) grants(perms []string) bool {
	for _, have := range id.perms {
		for _, p := range perms {
			if strings.EqualFold(have, p) {
				return true
			}
		}
	}
	return false
}

// identityOf reads the caller from r's Authorization header; nil when there
// is none or the token is not a JWT (three base64url parts, a JSON payload).
// A token that is not a JWT stays acceptable: it just has no claims to act
// on, so it is neither delegated nor app-only.
func identityOf(r *http.Request) *identity {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil
	}
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) != 3 {
		return nil
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil
	}
	var claims struct {
		Scp               string          `json:"scp"`
		UPN               string          `json:"upn"`
		PreferredUsername string          `json:"preferred_username"`
		UniqueName        string          `json:"unique_name"`
		OID               string          `json:"oid"`
		Roles             json.RawMessage `json:"roles"`
		IDType            string          `json:"idtyp"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return nil
	}
	id := &identity{delegated: claims.Scp != "", oid: claims.OID}
	var roles []string
	hasRoles := json.Unmarshal(claims.Roles, &roles) == nil && len(roles) > 0
	if !id.delegated {
		id.appOnly = hasRoles || strings.EqualFold(claims.IDType, "app")
	}
	id.perms = append(strings.Fields(claims.Scp), roles...)
	for _, u := range []string{claims.UPN, claims.PreferredUsername, claims.UniqueName} {
		if u != "" {
			id.user = u
			break
		}
	}
	return id
}

// owns reports whether the signed-in user is mb's owner. A delegated token
// that names no user owns no mailbox.
func (id *identity) owns(mb *mailbox) bool {
	return (id.user != "" && strings.EqualFold(id.user, mb.UPN)) ||
		(id.oid != "" && strings.EqualFold(id.oid, mb.ID))
}

// sharedMailboxDenied is Graph's known issue (graph-protocol.md: "Delegated
// permissions + a shared or delegated mailbox: createUploadSession answers
// 403"; seeds/002: "Be aware of a known issue if you're attaching large
// files to a message or event in a shared or delegated mailbox"): an
// Outlook createUploadSession with a delegated token on a mailbox other
// than the signed-in user's is refused. App-only tokens, the owner's own
// token and requests without a JWT pass.
func sharedMailboxDenied(c *rq, k kind) *apiErr {
	if !k.outlook() || c.who == nil || !c.who.delegated || c.who.owns(c.mb) {
		return nil
	}
	// Graph's own words; clients branch on the code.
	return newErr(http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
}

// appOnlyWriteDenied: Graph supports no application permission for
// writing the attachments of some kinds (their entry's appWritesDenied),
// To Do's. The API reference's permission tables say
// "Application | Not supported." for adding a taskFileAttachment
// (todotask-post-attachments), for deleting one (taskfileattachment-delete)
// and, in seeds/004, for createUploadSession ("|Application|不支持。|");
// reading them takes Tasks.Read.All (taskfileattachment-get,
// todotask-list-attachments), so reads pass. A write is any method but GET
// on a task's attachments or upload session; it is refused with 403 after
// the task is found, before anything else is looked at or read.
func appOnlyWriteDenied(c *rq, k kind) *apiErr {
	why := k.def().appWritesDenied
	if why == "" || c.who == nil || !c.who.appOnly || c.r.Method == http.MethodGet || c.r.Method == http.MethodHead {
		return nil
	}
	return newErr(http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again. ("+why+")")
}
