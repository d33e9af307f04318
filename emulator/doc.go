// Package emulator is a faithful local Microsoft Graph for file attachments:
// mailboxes with messages, events and To Do tasks, their attachments, upload
// sessions, $batch, throttling and injected faults. Every test, benchmark,
// the quickstart and users' CI dry runs stand on it, so it is strict where
// the documentation is strict (shared/graph-protocol.md, shared/seeds/): when
// it and the documentation disagree, the emulator is wrong. It never imports
// the client (graph/), so it cannot share the client's assumptions.
//
// # Running
//
// New starts a Server on two 127.0.0.1 origins: the Graph origin (URL; the
// API is under /v1.0, and /beta is an alias) and the upload origin
// (UploadOrigin), which stands in for outlook.office.com where Outlook's
// pre-authenticated upload URLs point. Options.Listen fixes the Graph
// origin's address (the CLI's -listen). With Options.DataDir the store is
// persistent and everything survives a restart on the same directory; the
// server then asks for the ports it had last time, so upload URLs of open
// sessions stay valid (when a port is taken, any free port is used and
// those URLs are dead). One server per DataDir at a time.
//
// Persistent layout: DIR/store.json (metadata, rewritten atomically: temp
// file, fsync, rename, fsync of the directory), DIR/blobs/KEY (attachment
// bytes), DIR/blobs/KEY.part (an open session's bytes). Ranges are appended
// to the .part file without rewriting store.json; on restart a session's
// next expected byte is its .part file's length. Files are mode 0600.
//
// # Mailboxes and the demo
//
// Options.Users are created at start, then Options.Fixtures' mailboxes;
// the first of them all is /me. Without either, /me is the demo mailbox when
// Options.Demo is set, else a 400 ErrorInvalidUser.
// An unknown mailbox is 404 ErrorInvalidUser, unless
// Options.AutoCreateMailboxes creates it on first use (UPNs only). Mailboxes
// are named by UPN (case-insensitive) or by their GUID id. Each has the
// well-known mail folders (inbox, drafts, sentitems, deleteditems, archive,
// junkemail, outbox) and To Do's default list "Tasks".
//
// Options.Demo seeds, on a fresh store only (so ids stay stable across runs),
// the mailbox demo@contoso.example with a draft message "Welcome to
// attachform", an event "Quarterly all hands" and a To Do list "Onboarding"
// holding the task "Read the handbook". Find them by name, never by id:
//
//	GET /v1.0/users/demo@contoso.example/messages?$filter=subject eq 'Welcome to attachform'
//	GET /v1.0/users/demo@contoso.example/events?$filter=subject eq 'Quarterly all hands'
//	GET /v1.0/users/demo@contoso.example/todo/lists?$filter=displayName eq 'Onboarding'
//	GET /v1.0/users/demo@contoso.example/todo/lists/{list}/tasks?$filter=title eq 'Read the handbook'
//
// # Fixtures
//
// Options.Fixtures (the CLI's -fixtures FILE, read by LoadFixtures) are
// mailboxes and the items in them, for a CI dry run of real manifests,
// whose data sources find items by subject, list name and title. The file
// is HCL, or HCL's JSON syntax when its name ends in ".json" (the same
// language as the manifests, and with it diagnostics that name file, line
// and the token at fault); it has no variables or functions:
//
//	mailbox "ops@contoso.com" {              # a UPN
//	  message "Welcome to the team" {        # by subject; a draft in drafts,
//	    folder = "inbox"                     #   or this well-known folder
//	  }
//	  event "All hands Q3" {
//	    attachment "Seating plan.txt" {      # the attachment's name
//	      source       = "files/seating.txt" # relative to the fixtures file
//	      content_type = "text/plain"        # optional: else as a POST without one
//	    }
//	    attachment "Budget (OneDrive)" {     # kind = "item" (an Outlook item) or
//	      kind = "reference"                 #   "reference" (a link to a cloud file): no source
//	    }
//	  }
//	  todo_list "Onboarding" {               # by display name; "Tasks" is the default list
//	    todo_task "Read the handbook" {}     # by title; attachments as above
//	  }
//	  display_name = "Ops team"              # optional: the user's directory properties
//	  department   = "Operations"
//	  blocked_by_access_policy = true        # optional: an application access policy leaves it out
//	}
//
//	group "New Hires" {                      # a security group, by display name
//	  members  = ["ops@contoso.com"]         # mailboxes this file declares
//	  groups   = ["Interns"]                 # nested groups this file declares
//	  devices  = ["LAPTOP-1"]                # optional non-user members
//	  contacts = ["Vendor"]                  #   (devices, organizational contacts,
//	  service_principals = ["attachform"]    #   service principals)
//	}
//
// Names compare ignoring case, as $filter eq does, and each appears once in
// its scope (mailboxes; messages, events and lists of a mailbox; tasks of a
// list; attachments of an item), so that a lookup finds exactly one item.
// Blank names, UPNs without one "@" or with spaces, slashes or quotes,
// unknown folders or attributes, unreadable sources, files over the
// per-attachment maximum (150 MB Outlook, 25 MB To Do) and, checked against
// Options.Limits by Fixtures.Check and New, an Outlook item's attachments
// over the maximum message size are errors: every one is reported as an
// hcl.Diagnostic, and New refuses fixtures with any. At every start, on a
// fresh or persistent store, what the fixtures declare and the store lacks
// (by name) is created; what exists is left as it is, and nothing is
// deleted.
//
// # Endpoints
//
// Under /v1.0/me or /v1.0/users/{upn|id}: messages (also
// mailFolders/{id|well-known}/messages), events (also calendar/events),
// mailFolders, todo/lists, todo/lists/{id}/tasks. Items are created by POST
// (a message becomes a draft in Drafts), read by GET, listed with $filter,
// $select, $top, $skip and @odata.nextLink, updated by PATCH and deleted by
// DELETE; POST messages/{id}/move moves a message. On every item:
// attachments (GET list, POST, GET one, GET $value, DELETE) and
// attachments/createUploadSession; on tasks also attachmentSessions/{id}.
// Path segment names are case-insensitive and OData key syntax
// (Users('…')/Events('…')/Attachments('…'), as in seeds/002) is accepted.
// POST /v1.0/$batch serves up to 20 of these at once.
//
// The directory (directory.go, members.go, dirquery.go, each behaviour with
// the Graph page it follows): GET /users/{upn|id} (id, userPrincipalName,
// mail, displayName, department), GET /users with Entra's $filter and the
// advanced-query rule (ConsistencyLevel: eventual and $count=true, else 400
// Request_UnsupportedQuery where Graph requires them), POST /groups, GET
// /groups[/{id}] ($filter on displayName), POST /groups/{id}/members/$ref,
// DELETE /groups/{id}/members/{id}/$ref, GET /groups/{id}/members and
// /transitiveMembers (nested groups expanded), optionally cast
// (/microsoft.graph.user), paged by $top (at most 999, default 100) and a
// $skiptoken nextLink. Directory requests take no mailbox's slot. Permissions
// are checked on directory requests only, and only when the token names
// some ("scp" or "roles"): 403 Authorization_RequestDenied without one the
// API reference accepts. A mailbox the fixtures mark
// blocked_by_access_policy answers 403 ErrorAccessDenied to every request
// for its messages, mail folders and events by a token that is not
// delegated.
//
// Ids look like Graph's: URL-safe base64 of 28 bytes, ending in "==" ("AAMk…"
// for REST ids, "AAku…" for immutable ids). Clients must escape them as path
// segments; an id that does not decode (escaped twice, truncated) is 400
// ErrorInvalidIdMalformed rather than a silent 404.
//
// Upload URL shapes:
//
//	Outlook: {upload origin}/api/v2.0/Users('{mailbox id}@{tenant id}')/Messages('{item id}')/AttachmentSessions('{session id}')?authtoken={token}
//	         (Events('…') for events); ranges are PUT to the URL as given, without Authorization.
//	To Do:   {Graph origin}/v1.0/users/{mailbox id}/todo/lists/{list id}/tasks/{task id}/attachmentSessions/{session id}
//	         ranges are PUT to {uploadUrl}/content.
//
// The final range answers 201 with no body and a Location:
// {upload origin}/api/v2.0/Users('…')/Messages('…')/Attachments('{id}') for
// Outlook, {Graph origin}/v1.0/users/…/tasks/{task}/Attachments/{id} for To Do
// (a Graph URL that can be read back as is). Upload URLs are credentials: the
// emulator never logs a query string.
//
// # Statistics
//
// GET /_emulator/stats (outside Graph's namespace, not counted itself)
// answers the Stats type as JSON; Server.Stats returns the same:
//
//	{
//	  "requests": {
//	    "total": 8, "batched": 0,
//	    "byMethod": {"GET": 2, "POST": 5, "PUT": 1},
//	    "byStatus": {"200": 2, "201": 5, "404": 1}   // "reset" counts dropped connections
//	  },
//	  "openUploadSessions": 1,
//	  "sessionBytes": 1000,                        // bytes received by open sessions
//	  "mailboxes": 1, "items": 3, "attachments": 1,
//	  "attachmentsPerItem": {"AAMk…==": 1, …},     // every item, by its REST id
//	  "bytesStored": 5,                            // attachment contents, exact bytes
//	  "throttled": 0,                              // 429s from the mailbox limits
//	  "faults": {"503": 0, "429": 0, "reset": 0, "latency": 0}
//	}
//
// Requests on both origins are counted; inner $batch requests only in
// "batched", but their injected faults count in "faults" (an inner reset,
// answered 504, in "reset"). A request whose client was seen gone while it
// waited out its latency counts as "499".
//
// # Documented behaviour it follows
//
// Authorization: every request to the Graph origin needs
// "Authorization: Bearer {token}" (seeds/004, the To Do range PUT:
// "Authorization | String | Bearer {token}。必需。", required; the API
// reference says the same of every request), To Do's {uploadUrl}/content
// included; without one, or with another scheme, an empty token or two
// headers, 401 InvalidAuthenticationToken with Graph's WWW-Authenticate
// challenge, and nothing happens. There is no identity provider: any
// well-formed bearer token passes (attachform's client sends a placeholder
// to loopback endpoints). Inside $batch the outer request's token stands for
// every inner one. /_emulator/ is not Graph's and needs none. Outlook's
// upload origin is the opposite (below).
//
// Application permissions on To Do attachments: Graph supports none for
// writing them. The permission tables say "Application | Not supported."
// for createUploadSession (seeds/004: "|Application|不支持。|"), for adding
// a taskFileAttachment (todotask-post-attachments) and for deleting one
// (taskfileattachment-delete); reading them takes Tasks.Read.All
// (taskfileattachment-get, todotask-list-attachments). So an app-only token
// gets 403 ErrorAccessDenied for every write under a task's attachments (a
// small POST, createUploadSession, DELETE) or its upload session (a range
// PUT, the cancelling DELETE), and reads as usual; Outlook items are not
// affected.
//
// Outlook sessions: parameter "AttachmentItem" (exactly), 201, at least 3 MB,
// at most 150 MB, upload URL on the second origin with the token in the
// query, Authorization refused with 401, 200 answers with
// "ExpirationDateTime" and "nextExpectedRanges", expirationDateTime constant.
// To Do sessions: parameter "attachmentInfo" (exactly), 200, at most 25 MB,
// upload URL on the Graph origin, ranges to {uploadUrl}/content, each at most
// 4 MB, 200 answers with "ExpirationDateTime" and "NextExpectedRanges".
// Ranges: "bytes {start}-{end}/{total}", in order, Content-Length equal to the
// range, constant total, Content-Type application/octet-stream. Cancel: DELETE
// the upload URL, 204. Small POST: fileAttachment / taskFileAttachment,
// 422 UnprocessableType without @odata.type. Lists carry contentBytes unless
// $select leaves them out (Outlook) and never (To Do); $value answers the
// original content type and exact bytes; PATCH is refused. Error bodies are
// {"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}
// and every JSON answer is sent as Graph sends it:
// "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8"
// (parse it as a media type). Per-mailbox limits default to Outlook's: 4
// concurrent requests, 10,000 requests per 10 minutes, 150 MB uploaded per 5
// minutes; over a limit, 429 ApplicationThrottled with Retry-After; other
// mailboxes are unaffected. Maximum message size 35 MB (configurable up to
// 150 MB): ErrorMessageSizeExceeded. The known issue of delegated
// permissions on a shared or delegated mailbox: Outlook createUploadSession
// answers 403 ErrorAccessDenied when the token is delegated and its user is
// not the mailbox's owner; small POSTs are unaffected (files under 3 MB avoid
// it).
//
// # Undocumented choices
//
// Where the documentation is silent the emulator makes one choice, written
// here. Clients must not rely on any of them.
//
//   - Sizes: MB means 2^20 bytes (3 MB = 3,145,728).
//   - Reported size: size = n + 158 + 59*floor(n/1312) for n content bytes,
//     an invented formula fitted to reproduce both documented pairs exactly
//     (3,483,322 → 3,640,066 and 20 → 178). It is never the byte count.
//   - The 4 MB request cap applies to JSON bodies as 4 MiB + 16 KiB, so that
//     every file under the 3 MB session minimum fits one POST as documented;
//     over it: 413 BadRequest "The maximum request length is 4MB". To Do ranges
//     over 4 MiB get the same answer. Outlook ranges may be any size ("keep each
//     byte range less than 4 MB" is advice for performance).
//   - Authorization on the Graph origin: any "Bearer {non-empty}" passes;
//     the 401's message is "Access token is empty." without a header,
//     else says what is malformed.
//   - The kind of token is read from the token itself, without verifying
//     any signature: a JWT (three base64url parts, a JSON payload) with an
//     "scp" claim is delegated, and its signed-in user is "upn", else
//     "preferred_username", else "unique_name"; it owns a mailbox whose UPN
//     matches it (case-insensitively) or whose id matches "oid". A
//     delegated token naming no user owns no mailbox. A JWT without "scp"
//     and with a non-empty "roles" (or "idtyp": "app") is app-only. A token
//     that is not a JWT, or a JWT with neither, is neither kind: no check
//     that depends on the kind applies to it. Permissions ("scp" and
//     "roles" values) are checked on directory requests only (above). /me is the first mailbox (see
//     "Mailboxes and the demo") whatever the token says.
//   - The shared-mailbox 403 applies to delegated tokens only, /me included;
//     it comes after the item is found and before the body is read. To Do
//     sessions are not affected (the known issue is documented for Outlook
//     items only).
//   - The app-only To Do 403 has Graph's ErrorAccessDenied code and comes
//     after the task is found, before the attachment, the session or the
//     body is looked at (an unknown attachment id is 403, an unknown task
//     404). Inside $batch it applies to each inner request by the outer
//     token. A write is any method but GET and HEAD: PATCH on an
//     attachment, otherwise 405, is 403 for an app-only token.
//   - Upload origin: Authorization present → 401 InvalidAuthenticationToken;
//     missing or wrong authtoken → 401 InvalidAuthenticationToken; an unknown,
//     cancelled, failed or expired session, or a URL not exactly as issued →
//     404 ErrorItemNotFound.
//   - Sessions live 2 hours by default (Options.SessionLifetime); after
//     expiry every request to the URL is 404 and the bytes are dropped.
//   - nextExpectedRanges is ["0-"] before the first byte, then the bare next
//     offset ["2097152"]; ranges never have holes.
//   - An overlapping range → 416 invalidRange, innerError.code
//     fragmentOverlap; a range past the next expected byte → 416 invalidRange,
//     fragmentOutOfOrder. Both carry error.nextExpectedRanges with the
//     session's next range. Content-Length ≠ range length → 400 invalidRange,
//     fragmentLengthMismatch; a total that differs from the session's → 400
//     invalidRange, invalidTotal; a malformed Content-Range → 400 invalidRange,
//     invalidContentRange. A refused range changes nothing.
//   - A range without Content-Length → 411 LengthRequired; with a
//     Content-Type other than application/octet-stream or any Content-Encoding
//     → 415 UnsupportedMediaType; while another range of the same session is
//     being received → 409 conflict.
//   - GET on an upload URL (Outlook or To Do) → 200 with the body a range
//     would answer: the session's status.
//   - A PUT on a To Do upload URL without /content → 405 ErrorInvalidRequest.
//   - Sessions must declare a size of at least 1 byte (To Do) or 3 MB
//     (Outlook: 400 ErrorAttachmentSizeShouldNotBeLessThanMinimumSize). Over
//     the per-attachment maximum (150 MB Outlook, 25 MB To Do) → 400
//     ErrorAttachmentSizeShouldNotBeGreaterThanMaximumSize (an invented code).
//   - Maximum message size (Outlook items, messages and events alike) counts
//     content bytes, so a 150 MB file fits when the limit is 150 MB. A
//     session is refused at creation only when its file alone is too big;
//     what is already on the item is counted at each range, so a session
//     fails part-way with 413 ErrorMessageSizeExceeded and is then gone. A
//     small POST over the limit gets the same 413.
//   - Content type when none is given: from the name's extension, else
//     sniffed from the first 512 bytes (seeds/002 reads back image/jpeg for
//     "flower"), else application/octet-stream.
//   - Attachment ids do not change when a message moves (Exchange's may).
//     Message ids do, unless the request carries Prefer: IdType="ImmutableId",
//     which is answered with Preference-Applied and immutable ids throughout.
//     Either id finds the item.
//   - Queries: $filter supports "FIELD eq 'v'" and "startswith(FIELD,'v')"
//     on subject (messages, events), displayName (lists) and title (tasks),
//     compared case-insensitively; anything else is 400
//     ErrorInvalidUrlQueryFilter. $filter on attachments is ignored. Unknown
//     $options → 400. Default page size 10, $top at most 1000; nextLink
//     carries $skip. $select on attachments is checked against the type's
//     properties (isInline on a To Do attachment is a 400).
//   - An item body with "attachments" → 400 (post them one by one). PATCH or
//     PUT on an attachment → 405 ErrorInvalidRequest.
//   - $batch: inner requests run one after another in dependency order;
//     answers are shuffled (seeded) to keep clients from relying on order;
//     non-JSON inner bodies are base64 strings both ways; a dependent of a
//     failed request (status ≥ 400) answers 424 FailedDependency and runs
//     nothing. Throttling and injected faults apply to each inner request
//     that runs, besides the outer one (see "Faults inside $batch").
//   - Throttling windows are fixed (they start at a mailbox's first request
//     and reset when elapsed); Retry-After is the rest of the window in
//     seconds, 1 for concurrency. The uploaded volume counts Content-Length of
//     POST, PUT and PATCH, upload-origin PUTs against the session's mailbox.
//     Limits.Off (-limits off) lifts throttling, not the message size.
//   - Faults: one draw per HTTP request, in arrival order, from a generator
//     seeded with Options.Seed. 503 ServiceUnavailable and 429
//     ApplicationThrottled carry Retry-After: 1 (0 with
//     Faults.RetryAfterZero) and have no effect. A reset
//     serves the request completely, then drops the connection without an
//     answer. Server.SetFaults changes them at run time.
//   - Latency is Graph's own processing time, real time (not
//     Options.Clock), spent once per HTTP request: inside its mailbox's
//     concurrency slot, after the request is admitted and before its work
//     (Graph origin, Outlook and To Do upload URLs alike), so slow requests
//     overlap and a client that does not bound its requests per mailbox
//     meets the 4-concurrent limit as on Graph. A request that takes no slot
//     (refused by the throttle, an unknown mailbox, a 401, /users) spends it
//     just before its answer; an injected 503 or 429 before its refusal; a
//     reset before the connection drops; a $batch once, before its inner
//     requests run (they take their slots one after another without
//     latency). A request whose client is seen gone meanwhile is not served
//     (a body not yet read can hide that: such a request is served).
//   - Faults inside $batch: the outer POST draws first, as any request (a
//     fault there runs nothing inside); then each inner request that runs
//     draws from the same generator, in the order they run, before the
//     answers are shuffled. Faults.Only sees an inner request as if it had
//     been sent alone: its method, its URL (under the batch's /v1.0 or
//     /beta) on the Graph origin, its own headers (not the outer Authorization) and a copy of its body.
//     An inner 503 or 429 is that inner answer's status, with its own
//     Retry-After: 1 and Graph's error body, and has no effect. An inner
//     reset has no connection of its own to drop: the inner request takes
//     effect and answers 504 GatewayTimeout (no Retry-After), the gateway's
//     word for an answer lost after the work was done. Latency is added to
//     the outer request only: the batch is one round trip.
package emulator
