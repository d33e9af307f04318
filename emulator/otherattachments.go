package emulator

import (
	"encoding/json"
	"net/http"
	"strings"
)

// Besides files, an Outlook message or event can carry two other derived
// types of attachment (Graph v1.0, "attachment resource type"): an Outlook
// item (itemAttachment: a message, an event or a contact) and a link to a
// file in the cloud (referenceAttachment). attachform manages neither, but
// it must see them for what they are on the items it reads.
const (
	attachFile      = ""          // fileAttachment, taskFileAttachment
	attachItem      = "item"      // itemAttachment
	attachReference = "reference" // referenceAttachment

	typeItemAttachment      = "#microsoft.graph.itemAttachment"
	typeReferenceAttachment = "#microsoft.graph.referenceAttachment"
)

// itemTypes are what an itemAttachment can hold ("itemAttachment resource
// type": item is a contact, event or message), with the MIME type of its
// raw contents ("Get attachment", raw contents of an item attachment:
// vCard, iCal or a message, each in MIME format).
var itemTypes = map[string]string{
	"#microsoft.graph.message": "message/rfc822",
	"#microsoft.graph.event":   "text/calendar",
	"#microsoft.graph.contact": "text/vcard",
}

// otherAttachmentMeta renders an item or reference attachment: the base
// attachment's properties only ("itemAttachment resource type",
// "referenceAttachment resource type": contentType, id, isInline,
// lastModifiedDateTime, name, size; contentType is null unless set).
func otherAttachmentMeta(a *attachment) map[string]any {
	typ := typeItemAttachment
	if a.Type == attachReference {
		typ = typeReferenceAttachment
	}
	v := map[string]any{
		"@odata.type":          typ,
		"id":                   a.ID,
		"lastModifiedDateTime": graphTime(a.Modified),
		"name":                 a.Name,
		"contentType":          nil,
		"size":                 reportedSize(a.Bytes),
		"isInline":             a.IsInline,
	}
	if a.ContentType != "" {
		v["contentType"] = a.ContentType
	}
	return v
}

// valueOf says what GET {attachment}/$value answers with ("Get attachment":
// the raw contents of a file or item attachment; "Attempting to get the
// $value of a reference attachment returns HTTP 405").
func valueOf(a *attachment) (contentType string, e *apiErr) {
	switch a.Type {
	case attachReference:
		return "", newErr(http.StatusMethodNotAllowed, "ErrorInvalidRequest", "The raw contents of a reference attachment cannot be read: it is a link to a file in the cloud.")
	case attachItem:
		return a.ItemMIME, nil
	}
	return a.ContentType, nil
}

// postItemAttachment adds an itemAttachment ("Add attachment" to a message
// or an event, the item attachment example: name, and item with its own
// @odata.type). Its raw contents are the item in MIME, which the emulator
// renders from the item's subject (or a contact's display name).
func (s *Server) postItemAttachment(c *rq, it *item, body postBody) *apiErr {
	var a attachment
	a.Type = attachItem
	var inner map[string]json.RawMessage
	for k, raw := range body {
		var err error
		switch k {
		case "@odata.type":
		case "name":
			err = json.Unmarshal(raw, &a.Name)
		case "contentType":
			err = unmarshalNullable(raw, &a.ContentType)
		case "isInline":
			err = json.Unmarshal(raw, &a.IsInline)
		case "item":
			err = json.Unmarshal(raw, &inner)
		default:
			return errBadRequest("Could not find a property named '" + k + "' on type 'microsoft.graph.itemAttachment'.")
		}
		if err != nil {
			return errBadRequest("Invalid value for property '" + k + "': " + err.Error())
		}
	}
	if a.Name == "" {
		return errBadRequest("The attachment needs a name.")
	}
	if inner == nil {
		return errBadRequest("An itemAttachment needs an item.")
	}
	var typ, label string
	_ = json.Unmarshal(inner["@odata.type"], &typ)
	typ = "#" + strings.TrimPrefix(typ, "#")
	mimeType, ok := itemTypes[typ]
	if !ok {
		return newErr(http.StatusUnprocessableEntity, "UnprocessableType", "An itemAttachment holds a message, an event or a contact; '"+typ+"' is none of them.")
	}
	_ = json.Unmarshal(inner["subject"], &label)
	if label == "" {
		_ = json.Unmarshal(inner["displayName"], &label)
	}
	a.ItemMIME = mimeType
	content := []byte("Content-Type: " + mimeType + "\r\nSubject: " + strings.NewReplacer("\r", " ", "\n", " ").Replace(label) + "\r\n\r\n")
	return s.storeAttachment(c, it, &a, content)
}

// storeAttachment keeps a new attachment of any type on it and answers 201
// with its metadata.
func (s *Server) storeAttachment(c *rq, it *item, a *attachment, content []byte) *apiErr {
	a.Bytes = int64(len(content))
	st := s.store
	st.mu.Lock()
	if e := s.checkRoom(it, a.Bytes); e != nil {
		st.mu.Unlock()
		return e
	}
	a.ID = st.newID(prefixREST)
	a.Modified = s.clock.Now()
	if err := st.storeContent(a, content); err != nil {
		st.mu.Unlock()
		return s.internal(err)
	}
	it.Attachments = append(it.Attachments, a)
	it.Modified = a.Modified
	err := st.save()
	m := attachmentMeta(it.Kind, a)
	m["@odata.context"] = s.attachmentsContext(c, it) + "/$entity"
	st.mu.Unlock()
	if err != nil {
		return s.internal(err)
	}
	writeJSON(c.w, http.StatusCreated, m)
	return nil
}
