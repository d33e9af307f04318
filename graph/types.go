// Package graph is attachform's Microsoft Graph client: typed operations on
// file attachments of Outlook messages, Outlook events and To Do tasks,
// upload sessions, $batch, retries, throttling, typed errors and
// authentication. It knows nothing of manifests, state or plans.
package graph

import (
	"fmt"
	"github.com/attachform/attachform/item"
	"strings"
	"time"
)

// Attachment is an attachment's metadata as Graph reports it.
type Attachment struct {
	ID string
	// Type is what the attachment is: a file (the only type attachform
	// manages), an Outlook item, or a link to a cloud file.
	Type         AttachmentType
	Name         string
	ContentType  string
	Size         int64 // Graph's figure: never the byte count of the content
	IsInline     bool
	ContentID    string
	LastModified time.Time
}

// AttachmentType is a derived type of Graph's attachment resource.
type AttachmentType string

const (
	// FileAttachment is fileAttachment or taskFileAttachment: bytes. An
	// answer that names no type is taken for one.
	FileAttachment AttachmentType = "file"
	// ItemAttachment is an itemAttachment: a message, event or contact.
	ItemAttachment AttachmentType = "item"
	// ReferenceAttachment is a referenceAttachment: a link to a cloud file.
	ReferenceAttachment AttachmentType = "reference"
	// OtherAttachment is any type Graph adds later.
	OtherAttachment AttachmentType = "other"
)

// typeOf reads an @odata.type annotation ("#microsoft.graph.fileAttachment").
func typeOf(odataType string) AttachmentType {
	switch strings.ToLower(strings.TrimPrefix(odataType, "#")) {
	case "", "microsoft.graph.fileattachment", "microsoft.graph.taskfileattachment":
		return FileAttachment
	case "microsoft.graph.itemattachment":
		return ItemAttachment
	case "microsoft.graph.referenceattachment":
		return ReferenceAttachment
	}
	return OtherAttachment
}

// NewAttachment describes a file to attach.
type NewAttachment struct {
	Name        string
	ContentType string
	Size        int64 // exact byte count of the content
	Inline      bool  // Outlook only
	ContentID   string
}

// UploadSession is an open upload session. URL is a credential (Outlook's
// carry a token): it is persisted in state, never printed or logged; String
// and GoString hide it.
type UploadSession struct {
	Item    item.Ref
	URL     string
	Expires time.Time
	Next    int64 // first byte the server has not confirmed
}

func (s *UploadSession) String() string {
	return fmt.Sprintf("upload session on %s (next byte %d, expires %s)", s.Item, s.Next, s.Expires.Format(time.RFC3339))
}

func (s *UploadSession) GoString() string { return s.String() }

// ItemSummary is one result of a lookup.
type ItemSummary struct {
	ID    string
	Label string // subject, display name or title
}
