package emulator

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// rq is one Graph request being served, directly or from inside a $batch.
type rq struct {
	w         http.ResponseWriter
	r         *http.Request
	version   string // "v1.0" or "beta"
	mb        *mailbox
	immutable bool      // Prefer: IdType="ImmutableId"
	inner     bool      // inside $batch
	who       *identity // the bearer token's claims; nil without a JWT
}

// maxJSONBody is Graph's 4 MB request cap plus room for the JSON around a
// base64 contentBytes, so that every file under the 3 MB session minimum
// fits one POST as the documentation promises (see the package doc).
const (
	maxRequestBytes = 4 << 20
	maxJSONBody     = maxRequestBytes + 16<<10
)

func (s *Server) serveGraph(w http.ResponseWriter, r *http.Request) {
	if e := checkBearer(r); e != nil {
		s.writeErr(w, e)
		return
	}
	segs, err := splitPath(r.URL.EscapedPath())
	if err != nil || len(segs) == 0 {
		s.writeErr(w, errBadRequest("Invalid request path."))
		return
	}
	c := &rq{w: w, r: r, immutable: prefersImmutable(r), who: identityOf(r)}
	if e := s.route(c, segs); e != nil {
		s.writeErr(w, e)
	}
}

// route serves a request whose path is already split; $batch calls it for
// each inner request.
func (s *Server) route(c *rq, segs []string) *apiErr {
	switch segs[0] {
	case "v1.0", "beta":
		c.version = segs[0]
	default:
		return newErr(http.StatusNotFound, "NotFound", "Unknown API version "+segs[0]+".")
	}
	rest := segs[1:]
	if len(rest) == 0 {
		return errBadRequest("Invalid request: no resource.")
	}
	if c.immutable {
		c.w.Header().Set("Preference-Applied", `IdType="ImmutableId"`)
	}
	if len(rest) == 1 && rest[0] == "$batch" && !c.inner {
		// One round trip, outside any mailbox's slot: its inner requests
		// take theirs one after another.
		if e := spendLatency(c.r); e != nil {
			return e
		}
		return s.serveBatch(c)
	}
	var ref string
	switch {
	case strings.EqualFold(rest[0], "me"):
		rest = rest[1:]
	case strings.EqualFold(rest[0], "users") && len(rest) >= 2:
		ref, rest = rest[1], rest[2:]
	case strings.EqualFold(rest[0], "users"):
		return s.listUsers(c)
	case strings.EqualFold(rest[0], "groups"):
		return s.routeGroups(c, rest[1:])
	default:
		return errSegment(rest[0])
	}
	mb, e := s.resolveMailbox(ref)
	if e != nil {
		return e
	}
	c.mb = mb
	release, e := s.throttle.enter(mb.ID, uploadCharge(c.r))
	if e != nil {
		return e
	}
	defer release()
	// Graph's processing time is spent holding the slot.
	if e := spendLatency(c.r); e != nil {
		return e
	}
	return s.routeMailbox(c, rest)
}

func errSegment(seg string) *apiErr {
	return errBadRequest("Resource not found for the segment '" + seg + "'.")
}

// resolveMailbox finds the mailbox a request names; ref "" is /me.
func (s *Server) resolveMailbox(ref string) (*mailbox, *apiErr) {
	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	if ref == "" {
		switch {
		case len(s.opts.Users) > 0:
			ref = s.opts.Users[0]
		case s.opts.Demo:
			ref = DemoMailbox
		default:
			return nil, newErr(http.StatusBadRequest, "ErrorInvalidUser", "/me is not available: the emulator has no default user (Options.Users is empty).")
		}
	}
	if mb := st.findMailbox(ref); mb != nil {
		return mb, nil
	}
	if s.opts.AutoCreateMailboxes && strings.Contains(ref, "@") {
		mb := st.addMailbox(ref)
		if err := st.save(); err != nil {
			return nil, s.internal(err)
		}
		return mb, nil
	}
	return nil, newErr(http.StatusNotFound, "ErrorInvalidUser", "The requested user '"+ref+"' is invalid.")
}

// createdLocked finishes a create: it saves the store and renders the new
// entity while the caller's hold on st.mu lasts, releases the lock, then
// answers 201 with the entity under context (the collection's
// @odata.context).
func (s *Server) createdLocked(c *rq, context string, render func() map[string]any) *apiErr {
	err := s.store.save()
	v := render()
	s.store.mu.Unlock()
	if err != nil {
		return s.internal(err)
	}
	v["@odata.context"] = context + "/$entity"
	writeJSON(c.w, http.StatusCreated, v)
	return nil
}

func (s *Server) internal(err error) *apiErr {
	s.log.Error("internal error", "error", err)
	return newErr(http.StatusInternalServerError, "InternalServerError", "The emulator failed: "+err.Error())
}

func (s *Server) routeMailbox(c *rq, segs []string) *apiErr {
	if len(segs) == 0 {
		if c.r.Method != http.MethodGet {
			return errMethod(c.r.Method)
		}
		return s.getUser(c)
	}
	if e := mailboxPolicyDenied(c, segs[0]); e != nil {
		return e
	}
	if k, rest, ok := mailboxCollection(segs); ok {
		return s.routeItems(c, k, nil, rest)
	}
	switch strings.ToLower(segs[0]) {
	case "mailfolders":
		return s.routeFolders(c, segs[1:])
	case "todo":
		if len(segs) >= 2 && strings.EqualFold(segs[1], "lists") {
			return s.routeLists(c, segs[2:])
		}
	}
	return errSegment(segs[0])
}

// mailboxCollection finds the kind whose collection segs start with (one
// of the kind's paths in the mailbox), and the segments after it.
func mailboxCollection(segs []string) (kind, []string, bool) {
	for _, k := range kindOrder {
		for _, p := range k.def().paths {
			if len(segs) >= len(p) && equalFoldAll(segs[:len(p)], p) {
				return k, segs[len(p):], true
			}
		}
	}
	return "", nil, false
}

func equalFoldAll(segs, want []string) bool {
	for i := range want {
		if !strings.EqualFold(segs[i], want[i]) {
			return false
		}
	}
	return true
}

// splitPath splits an escaped URL path into unescaped segments. OData key
// syntax is accepted and normalised, as Graph does (seeds/002 uses it:
// "Users('…')/Events('…')/Attachments('…')/$value"): "Events('x')" becomes
// "Events", "x".
func splitPath(escaped string) ([]string, error) {
	escaped = strings.TrimPrefix(escaped, "/")
	escaped = strings.TrimSuffix(escaped, "/")
	if escaped == "" {
		return nil, nil
	}
	raw := strings.Split(escaped, "/")
	segs := make([]string, 0, len(raw)+2)
	for _, r := range raw {
		seg, err := url.PathUnescape(r)
		if err != nil {
			return nil, err
		}
		if seg == "" {
			return nil, errors.New("empty path segment")
		}
		if i := strings.IndexByte(seg, '('); i > 0 && strings.HasSuffix(seg, ")") {
			key := seg[i+1 : len(seg)-1]
			if len(key) >= 2 && key[0] == '\'' && key[len(key)-1] == '\'' {
				key = strings.ReplaceAll(key[1:len(key)-1], "''", "'")
			}
			segs = append(segs, seg[:i], key)
			continue
		}
		segs = append(segs, seg)
	}
	return segs, nil
}

// checkBearer: Graph requires "Authorization: Bearer {token}" on every
// request to its origin (seeds/004, the To Do PUT: "Authorization | String
// | Bearer {token}。必需。" (required); the API reference says the same of
// every request), To Do's upload URL included. The emulator has no identity
// provider, so any well-formed bearer token passes; a missing or malformed
// one is Graph's 401 InvalidAuthenticationToken, with its
// WWW-Authenticate challenge.
func checkBearer(r *http.Request) *apiErr {
	v := r.Header.Values("Authorization")
	msg := "Access token is empty."
	if len(v) > 0 {
		msg = "Access token is malformed: expected a single 'Authorization: Bearer {token}'."
	}
	if len(v) == 1 {
		scheme, token, found := strings.Cut(v[0], " ")
		if found && strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(token) != "" {
			return nil
		}
	}
	return &apiErr{Status: http.StatusUnauthorized, Code: "InvalidAuthenticationToken", Msg: msg, Challenge: true}
}

// prefersImmutable reports whether the request carries
// Prefer: IdType="ImmutableId" among its preferences.
func prefersImmutable(r *http.Request) bool {
	for _, v := range r.Header.Values("Prefer") {
		for _, p := range strings.Split(v, ",") {
			k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "IdType") && strings.EqualFold(strings.Trim(strings.TrimSpace(val), `"`), "ImmutableId") {
				return true
			}
		}
	}
	return false
}

// readJSON reads a JSON object body into v, capped before reading.
func readJSON(c *rq, v any) *apiErr {
	ct := c.r.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		return newErr(http.StatusUnsupportedMediaType, "UnsupportedMediaType", "A JSON body needs 'Content-Type: application/json' (got "+quoteOrNone(ct)+").")
	}
	if c.r.ContentLength > maxJSONBody {
		return errTooLarge()
	}
	b, err := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, maxJSONBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errTooLarge()
		}
		return errBadRequest("Unable to read the request body: " + err.Error())
	}
	if err := json.Unmarshal(b, v); err != nil {
		return errBadRequest("Unable to read JSON request payload: " + err.Error())
	}
	return nil
}

func quoteOrNone(s string) string {
	if s == "" {
		return "none"
	}
	return "'" + s + "'"
}

// uploadCharge is how many bytes a request counts against the mailbox's
// upload budget (POST, PUT and PATCH bodies).
func uploadCharge(r *http.Request) int64 {
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		if r.ContentLength > 0 {
			return r.ContentLength
		}
	}
	return 0
}
