// Package item is the one model of the Graph items attachments go on: the
// kinds, a reference to one item, and each kind's entry in the table
// (kinds.go) — who owns it, where Graph keeps it, how data sources find
// it, and its traits: its size limits, how its upload URLs authenticate,
// which attachment properties it has, what application permissions may
// do. Every other package speaks it; none re-declares a kind or a limit.
// A new kind is a new entry in the table here and its routes in the
// emulator.
package item

import (
	"fmt"
	"strings"
)

// Byte units, binary as Graph's documented limits are.
const (
	KiB int64 = 1 << 10
	MiB int64 = 1 << 20
	GiB int64 = 1 << 30
)

// Kind is a kind of item. Its spelling is the manifest's and the state's;
// the kinds and their entries are in kinds.go.
type Kind string

// Kinds lists every kind, in the order people read them.
func Kinds() []Kind {
	out := make([]Kind, len(definitions))
	for i, d := range definitions {
		out[i] = d.Kind
	}
	return out
}

// Service is the Graph workload that serves a kind; it decides the
// protocol details the kinds of one service share.
type Service string

const (
	Outlook Service = "outlook"
	Todo    Service = "todo"
)

// Traits are what one kind's attachments may be and how they are sent.
type Traits struct {
	Label   string  // for people: "message", "To Do task"
	Service Service // who serves it
	// Permission is the delegated or application permission that writes
	// its attachments.
	Permission string
	// Items names the kind's items where a 403's hint lists each kind's
	// permission: "messages", "To Do tasks".
	Items string
	// ReadPermission is what reads the items, as a lookup's 403 hint
	// names it: "Mail.Read or Mail.ReadWrite".
	ReadPermission string
	// ReadItems names what a lookup of the kind reads, in that hint, when
	// it is more than Items: "To Do" (a task's lookup reads its lists too).
	ReadItems string

	// SmallMax: files strictly smaller go in one POST (Graph caps a request
	// at 4 MB and base64 inflates by 4/3).
	SmallMax int64
	// SessionMin is the smallest upload session the kind accepts.
	SessionMin int64
	// MaxBytes is the largest file the kind takes.
	MaxBytes int64
	// MaxRange is the largest byte range one upload PUT may carry.
	MaxRange int64
	// SharesMessageSize: the item's attachments together count against
	// the mailbox's maximum message size (Exchange Online: 35 MB default).
	SharesMessageSize bool

	// PreAuthenticatedUploadURL: the upload URL carries its own token and
	// must never be sent Authorization (Outlook); otherwise the URL is on
	// Graph and needs the bearer token (To Do).
	PreAuthenticatedUploadURL bool
	// RangeSuffix is appended to the upload URL's path for range PUTs.
	RangeSuffix string
	// SessionParameter names createUploadSession's body parameter
	// ("AttachmentItem" for Outlook, "attachmentInfo" for To Do).
	SessionParameter string
	// ODataType is a small POST's @odata.type.
	ODataType string
	// Inline: attachments have isInline and contentId.
	Inline bool
	// AppOnlyWrites: application permissions may add attachments. Graph
	// does not support them for To Do task attachments.
	AppOnlyWrites bool
	// InList: the item lives in a list whose id is part of its address
	// (set from Definition.Parent).
	InList bool
}

// Sessions reports whether the kind takes upload sessions: some file it
// takes is too large for one POST.
func (t Traits) Sessions() bool { return t.MaxBytes >= t.SmallMax }

// Valid reports whether k is a kind this package knows.
func (k Kind) Valid() bool {
	_, ok := byKind[k]
	return ok
}

// Traits returns k's traits; an unknown kind has the zero value, which
// allows nothing (MaxBytes 0).
func (k Kind) Traits() Traits { return byKind[k].Traits }

// String names the kind for people: "message", "event", "To Do task".
func (k Kind) String() string {
	if d, ok := byKind[k]; ok {
		return d.Label
	}
	return string(k)
}

// ParseKind reads a kind's manifest spelling.
func ParseKind(s string) (Kind, error) {
	k := Kind(s)
	if !k.Valid() {
		names := make([]string, 0, len(definitions))
		for _, k := range Kinds() {
			names = append(names, string(k))
		}
		return "", fmt.Errorf("unknown item kind %q (one of %s)", s, strings.Join(names, ", "))
	}
	return k, nil
}

// Ref addresses one item: recorded by value in state, handed to the
// Graph client, compared with Key. Mailbox is the mailbox the item lives
// in, named as its kind's Owner says: a user's id or userPrincipalName, or
// a group's object id. The state keeps it under "mailbox" either way.
type Ref struct {
	Mailbox string `json:"mailbox"` // the owner's: user id or userPrincipalName, or group id
	Kind    Kind   `json:"kind"`
	ID      string `json:"item_id"`
	ListID  string `json:"list_id,omitempty"` // only for kinds InList
}

// Key normalises r for comparison: mailboxes are case-insensitive
// addresses, item ids are case-sensitive.
func (r Ref) Key() Ref {
	r.Mailbox = strings.ToLower(r.Mailbox)
	return r
}

// Check reports what is missing for r to address an item.
func (r Ref) Check() error {
	switch {
	case !r.Kind.Valid():
		return fmt.Errorf("item %q: unknown kind %q", r.ID, r.Kind)
	case r.Mailbox == "" || r.ID == "":
		return fmt.Errorf("incomplete %s reference: mailbox and id are required", r.Kind)
	case r.Kind.Traits().InList != (r.ListID != ""):
		if r.ListID == "" {
			return fmt.Errorf("%s %s: the list id is required", r.Kind, r.ID)
		}
		return fmt.Errorf("%s %s: a %s has no list id", r.Kind, r.ID, r.Kind)
	}
	return nil
}

func (r Ref) String() string {
	if r.ListID != "" {
		return fmt.Sprintf("%s %s/%s in %s", string(r.Kind), r.ListID, r.ID, r.Mailbox)
	}
	return fmt.Sprintf("%s %s in %s", string(r.Kind), r.ID, r.Mailbox)
}

// Label is what people know an item by: a message's or event's subject,
// a To Do task's title and its list's name. It is for display only: the
// Ref, never the Label, says which item is meant. Graph's words, so
// untrusted: every view escapes them.
type Label struct {
	Title string `json:"title,omitempty"` // subject or title
	List  string `json:"list,omitempty"`  // a To Do task's list's display name
}

// IsZero reports whether nothing is known of the item's name.
func (l Label) IsZero() bool { return l == Label{} }

// MaxLabel is the most characters of a title or list name kept:
// Exchange caps subjects at 255, and a view shortens further.
const MaxLabel = 400

// BoundLabel cuts s to MaxLabel characters, on a rune boundary.
func BoundLabel(s string) string {
	n := 0
	for i := range s {
		if n == MaxLabel {
			return s[:i]
		}
		n++
	}
	return s
}
