package emulator

import (
	"encoding/json"
	"strings"
	"sync"
	"time"
)

// store is the emulator's whole world. One mutex guards all of it: handlers
// take it for metadata work only and never while reading or writing a
// request or response body, so a slow client does not stall the others.
type store struct {
	mu       sync.Mutex
	meta     snapshot
	dir      string // "" = in memory
	sessions map[string]*session
	blobs    blobStore
	byRef    map[string]*mailbox // findMailbox's index: lower-cased UPNs and ids
	indexed  int                 // how many of meta.Mailboxes byRef holds
}

// snapshot is everything that persists, besides attachment contents.
type snapshot struct {
	Version    int         `json:"version"`
	Salt       string      `json:"salt"`
	Counter    uint64      `json:"counter"`
	TenantID   string      `json:"tenantId"`
	GraphAddr  string      `json:"graphAddr,omitempty"`
	UploadAddr string      `json:"uploadAddr,omitempty"`
	Mailboxes  []*mailbox  `json:"mailboxes"`
	Sessions   []*session  `json:"sessions"`
	BlobSeq    uint64      `json:"blobSeq"`
	Created    time.Time   `json:"created"`
	Demo       *demoRecord `json:"demo,omitempty"`
	Groups     []*group    `json:"groups,omitempty"` // see directory.go
	Others     []*dirOther `json:"others,omitempty"` // devices and contacts, members of groups only
}

type mailbox struct {
	ID  string `json:"id"`
	UPN string `json:"upn"`
	// The user's directory properties (GET /users/{id}); "" = none.
	DisplayName string `json:"displayName,omitempty"`
	Department  string `json:"department,omitempty"`
	// PolicyDenied: an application access policy leaves this mailbox out
	// (see mailboxPolicyDenied).
	PolicyDenied bool        `json:"policyDenied,omitempty"`
	Folders      []*folder   `json:"folders"`
	Messages     []*item     `json:"messages"`
	Events       []*item     `json:"events"`
	Lists        []*todoList `json:"lists"`
}

type folder struct {
	ID          string `json:"id"`
	WellKnown   string `json:"wellKnown,omitempty"`
	DisplayName string `json:"displayName"`
}

type todoList struct {
	ID          string  `json:"id"`
	DisplayName string  `json:"displayName"`
	WellKnown   string  `json:"wellKnown"`
	Tasks       []*item `json:"tasks"`
}

// item is a message, an event or a To Do task.
type item struct {
	Kind        kind                       `json:"kind"`
	ID          string                     `json:"id"` // a message's changes when it moves
	ImmutableID string                     `json:"immutableId"`
	Subject     string                     `json:"subject"` // a task's title
	FolderID    string                     `json:"folderId,omitempty"`
	ListID      string                     `json:"listId,omitempty"`
	Created     time.Time                  `json:"created"`
	Modified    time.Time                  `json:"modified"`
	Props       map[string]json.RawMessage `json:"props,omitempty"`
	Attachments []*attachment              `json:"attachments"`
}

// attachment is a stored attachment: a file, or an item or a link to a
// cloud file (see otherattachments.go). Its content is immutable once
// stored, so readers may stream it without holding the store lock.
type attachment struct {
	ID string `json:"id"`
	// Type is attachFile, attachItem or attachReference.
	Type        string    `json:"type,omitempty"`
	Name        string    `json:"name"`
	ContentType string    `json:"contentType"`
	Bytes       int64     `json:"bytes"`
	IsInline    bool      `json:"isInline"`
	ContentID   string    `json:"contentId,omitempty"`
	Modified    time.Time `json:"modified"`
	Blob        string    `json:"blob"`
	// itemMIME is an item attachment's MIME type of its raw contents.
	ItemMIME string `json:"itemMime,omitempty"`
	data     []byte // in-memory stores only
}

// reportedSize is the size Graph reports for an attachment of n bytes.
// Graph's figure includes the item's MIME and property overhead and is never
// the byte count; the documented pairs are 3,483,322 → 3,640,066 (seeds/002,
// "size": 3640066) and 20 → 178. This invented formula reproduces both
// exactly: 158 bytes of fixed overhead plus 59 per 1,312 bytes of content.
func reportedSize(n int64) int64 { return n + 158 + 59*(n/1312) }

// attachmentBytes is the content of the item's attachments, in bytes.
func (it *item) attachmentBytes() (total int64) {
	for _, a := range it.Attachments {
		total += a.Bytes
	}
	return total
}

func (it *item) findAttachment(id string) (int, *attachment) {
	for i, a := range it.Attachments {
		if a.ID == id {
			return i, a
		}
	}
	return -1, nil
}

// findItem finds an item of a kind the mailbox keeps itself (not a To Do
// task, kept in its list) by its id or immutable id.
func (mb *mailbox) findItem(k kind, id string) *item {
	var items []*item
	if in := k.def().items; in != nil {
		items = *in(mb)
	}
	for _, it := range items {
		if it.ID == id || it.ImmutableID == id {
			return it
		}
	}
	return nil
}

func (mb *mailbox) findList(id string) *todoList {
	for _, l := range mb.Lists {
		if l.ID == id {
			return l
		}
	}
	return nil
}

func (l *todoList) findTask(id string) *item {
	for _, t := range l.Tasks {
		if t.ID == id {
			return t
		}
	}
	return nil
}

// findFolder accepts an id or a well-known name ("drafts", "inbox", ...).
func (mb *mailbox) findFolder(ref string) *folder {
	for _, f := range mb.Folders {
		if f.ID == ref || (f.WellKnown != "" && strings.EqualFold(f.WellKnown, ref)) {
			return f
		}
	}
	return nil
}

// findMailbox finds a mailbox by UPN or id, ignoring case. Mailboxes are
// only ever appended, so the index catches up with the ones added since it
// last looked: a tenant of 5,000 mailboxes is not searched one by one on
// every request.
func (st *store) findMailbox(ref string) *mailbox {
	if st.byRef == nil {
		st.byRef = map[string]*mailbox{}
	}
	for _, mb := range st.meta.Mailboxes[st.indexed:] {
		st.byRef[strings.ToLower(mb.UPN)] = mb
		st.byRef[strings.ToLower(mb.ID)] = mb
	}
	st.indexed = len(st.meta.Mailboxes)
	return st.byRef[strings.ToLower(ref)]
}

// wellKnownFolders are the folders every mailbox starts with.
var wellKnownFolders = []struct{ name, display string }{
	{"inbox", "Inbox"},
	{"drafts", "Drafts"},
	{"sentitems", "Sent Items"},
	{"deleteditems", "Deleted Items"},
	{"archive", "Archive"},
	{"junkemail", "Junk Email"},
	{"outbox", "Outbox"},
}

// addMailbox creates a mailbox with Outlook's well-known folders and To Do's
// default list. Caller holds the lock and saves.
func (st *store) addMailbox(upn string) *mailbox {
	mb := &mailbox{ID: st.newGUID(), UPN: upn}
	for _, wk := range wellKnownFolders {
		mb.Folders = append(mb.Folders, &folder{ID: st.newID(prefixREST), WellKnown: wk.name, DisplayName: wk.display})
	}
	mb.Lists = append(mb.Lists, &todoList{ID: st.newID(prefixREST), DisplayName: "Tasks", WellKnown: "defaultList"})
	st.meta.Mailboxes = append(st.meta.Mailboxes, mb)
	return mb
}

// newItem creates an item with fresh ids. Caller holds the lock.
func (st *store) newItem(k kind, subject string, props map[string]json.RawMessage, now time.Time) *item {
	return &item{
		Kind:        k,
		ID:          st.newID(prefixREST),
		ImmutableID: st.newID(prefixImmutable),
		Subject:     subject,
		Created:     now,
		Modified:    now,
		Props:       props,
	}
}
