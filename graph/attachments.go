package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/attachform/attachform/item"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Every read of attachment metadata names its fields: without $select,
// Outlook sends each attachment's whole content as base64. taskFileAttachment
// has no isInline, and Graph refuses to select a property a type lacks.
// contentId is a fileAttachment's: inline images are told apart by it.
const (
	selectOutlook = "id,name,contentType,size,isInline,contentId,lastModifiedDateTime"
	selectTodo    = "id,name,contentType,size,lastModifiedDateTime"
)

// listPageSize is the $top of attachment listings: the largest page Graph
// serves (1,000), so an item with 2,000 attachments costs two requests,
// not the 200 of the default page of 10.
const listPageSize = "1000"

func selectFor(k item.Kind) string {
	if k.Traits().Inline {
		return selectOutlook
	}
	return selectTodo
}

type attachmentJSON struct {
	// Type is the derived type Graph annotates each attachment with.
	Type         string `json:"@odata.type"`
	ID           string `json:"id"`
	Name         string `json:"name"`
	ContentType  string `json:"contentType"`
	Size         int64  `json:"size"`
	IsInline     bool   `json:"isInline"`
	ContentID    string `json:"contentId"`
	LastModified string `json:"lastModifiedDateTime"`
}

func (a attachmentJSON) attachment() Attachment {
	t, _ := time.Parse(time.RFC3339Nano, a.LastModified)
	return Attachment{ID: a.ID, Type: typeOf(a.Type), Name: a.Name, ContentType: a.ContentType, Size: a.Size, IsInline: a.IsInline, ContentID: a.ContentID, LastModified: t}
}

func decodeAttachment(raw json.RawMessage) (Attachment, error) {
	var a attachmentJSON
	if err := json.Unmarshal(raw, &a); err != nil {
		return Attachment{}, err
	}
	if a.ID == "" {
		return Attachment{}, fmt.Errorf("attachment without an id")
	}
	return a.attachment(), nil
}

// ListAttachments returns the metadata of every attachment on it, following
// pages. It never asks for content.
func (c *Client) ListAttachments(ctx context.Context, it item.Ref) ([]Attachment, error) {
	p, err := itemPath(it)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opList, err)
	}
	var out []Attachment
	m := meta{op: opList, mailbox: it.Mailbox}
	err = c.pagedGet(ctx, m, c.apiURL(p+"/attachments", "$select", selectFor(it.Kind), "$top", listPageSize), func(raw json.RawMessage) error {
		a, err := decodeAttachment(raw)
		if err != nil {
			return fmt.Errorf("%s: reading Graph's answer: %w", opList, err)
		}
		out = append(out, a)
		return nil
	})
	return out, err
}

// GetAttachment returns one attachment's metadata.
func (c *Client) GetAttachment(ctx context.Context, it item.Ref, id string) (Attachment, error) {
	p, err := attachmentPath(it, id)
	if err != nil {
		return Attachment{}, fmt.Errorf("%s: %w", opGet, err)
	}
	var a attachmentJSON
	if err := c.getJSON(ctx, meta{op: opGet, mailbox: it.Mailbox}, c.apiURL(p, "$select", selectFor(it.Kind)), &a); err != nil {
		return Attachment{}, err
	}
	return a.attachment(), nil
}

// Content streams an attachment's bytes ($value). The caller must close it;
// until then it counts as one of the mailbox's concurrent requests.
func (c *Client) Content(ctx context.Context, it item.Ref, id string) (io.ReadCloser, error) {
	cl, err := c.contentCall(it, id)
	if err != nil {
		return nil, err
	}
	resp, err := c.send(ctx, cl)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, responseError(opContent, resp)
	}
	return resp.Body, nil
}

// AddSmall attaches a file of a.Size bytes (under the kind's SmallMax) read from r with
// one POST, base64-encoding it while the request is sent. r must yield
// exactly a.Size bytes.
//
// A POST is not idempotent: it is resent only when Graph refused it (429,
// 503) or nothing reached the wire, and only if r is an io.Seeker to rewind.
// When the answer was lost after sending, the error wraps ErrAmbiguous: the
// attachment may exist, so look (ListAttachments, Content) before adding
// again.
func (c *Client) AddSmall(ctx context.Context, it item.Ref, a NewAttachment, r io.Reader) (Attachment, error) {
	p, err := itemPath(it)
	if err != nil {
		return Attachment{}, fmt.Errorf("%s: %w", opAdd, err)
	}
	switch {
	case a.Name == "":
		return Attachment{}, fmt.Errorf("%s: the attachment needs a name", opAdd)
	case a.Size < 0:
		return Attachment{}, fmt.Errorf("%s: negative size", opAdd)
	case a.Size >= it.Kind.Traits().SmallMax:
		return Attachment{}, fmt.Errorf("%s %q: %d bytes is too large for one request (Graph caps requests at 4 MB); use an upload session", opAdd, a.Name, a.Size)
	}
	body, err := newSmallBody(it.Kind, a, r)
	if err != nil {
		return Attachment{}, fmt.Errorf("%s: %w", opAdd, err)
	}
	// Graph's answer echoes the attachment, contentBytes included.
	m := meta{op: opAdd, mailbox: it.Mailbox, auth: true, body: body.state, maxAnswer: body.length() + c.bounds.MaxAnswer}
	resp, err := c.send(ctx, &call{
		meta:   m,
		method: http.MethodPost,
		url:    c.apiURL(p + "/attachments"),
		header: http.Header{"Content-Type": {"application/json"}},
		body:   body.open,
		length: body.length(),
	})
	if err != nil {
		return Attachment{}, err
	}
	var out attachmentJSON
	if err := c.decodeJSON(&m, resp, &out, http.StatusCreated, http.StatusOK); err != nil {
		return Attachment{}, err
	}
	if out.ID == "" {
		return Attachment{}, fmt.Errorf("%s: %w: Graph's answer carried no attachment id", opAdd, ErrAmbiguous)
	}
	return out.attachment(), nil
}

// DeleteAttachment removes an attachment. An attachment that is already gone
// is reported with an error matching ErrNotFound.
func (c *Client) DeleteAttachment(ctx context.Context, it item.Ref, id string) error {
	p, err := attachmentPath(it, id)
	if err != nil {
		return fmt.Errorf("%s: %w", opDelete, err)
	}
	m := meta{op: opDelete, mailbox: it.Mailbox, idempotent: true, auth: true}
	resp, err := c.send(ctx, &call{
		meta:   m,
		method: http.MethodDelete,
		url:    c.apiURL(p),
	})
	if err != nil {
		return err
	}
	return c.decodeJSON(&m, resp, nil, http.StatusNoContent, http.StatusOK)
}

func attachmentPath(it item.Ref, id string) (string, error) {
	p, err := itemPath(it)
	if err != nil {
		return "", err
	}
	if id == "" {
		return "", fmt.Errorf("empty attachment id")
	}
	return p + "/attachments/" + url.PathEscape(id), nil
}
