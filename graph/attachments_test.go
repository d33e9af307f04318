package graph

import (
	"bytes"
	"context"
	"errors"
	"github.com/attachform/attachform/item"
	"io"
	"net/url"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/attachform/attachform/emulator"
)

// The small-file path for every kind: POST, list, get, $value, delete, and
// "already gone" on a second delete.
func TestSmallAttachmentLifecycle(t *testing.T) {
	for _, k := range allKinds {
		t.Run(string(k), func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			it := e.item(k, "lifecycle")
			data := content(20)
			a, err := e.client.AddSmall(ctx, it, NewAttachment{Name: "notes.txt", ContentType: "text/plain", Size: int64(len(data))}, bytes.NewReader(data))
			if err != nil {
				t.Fatalf("AddSmall: %v", err)
			}
			if a.ID == "" || a.Name != "notes.txt" || a.ContentType != "text/plain" {
				t.Errorf("AddSmall = %+v", a)
			}
			// graph-protocol.md: "size is not the byte count (... a 20-byte file 178)".
			if a.Size == int64(len(data)) || a.Size <= 0 {
				t.Errorf("Size = %d: Graph's figure, never the byte count", a.Size)
			}

			list, err := e.client.ListAttachments(ctx, it)
			if err != nil {
				t.Fatalf("ListAttachments: %v", err)
			}
			if len(list) != 1 || list[0].ID != a.ID || list[0].Size != a.Size || list[0].LastModified.IsZero() {
				t.Errorf("ListAttachments = %+v, want the one added", list)
			}
			got, err := e.client.GetAttachment(ctx, it, a.ID)
			if err != nil || got.ID != a.ID || got.Name != a.Name {
				t.Errorf("GetAttachment = %+v, %v", got, err)
			}
			if b := readAll(t, e.client, it, a.ID); !bytes.Equal(b, data) {
				t.Errorf("Content = %q, want %q", b, data)
			}

			if err := e.client.DeleteAttachment(ctx, it, a.ID); err != nil {
				t.Fatalf("DeleteAttachment: %v", err)
			}
			err = e.client.DeleteAttachment(ctx, it, a.ID)
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("second DeleteAttachment = %v, want ErrNotFound", err)
			}
			var ge *Error
			if !errors.As(err, &ge) || ge.Status != 404 || ge.Code != "ErrorItemNotFound" || ge.RequestID == "" {
				t.Errorf("second DeleteAttachment = %#v, want a 404 *Error with code and request id", ge)
			}
			if _, err := e.client.GetAttachment(ctx, it, a.ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("GetAttachment after delete = %v, want ErrNotFound", err)
			}
			if _, err := e.client.Content(ctx, it, a.ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("Content after delete = %v, want ErrNotFound", err)
			}
			if list, err := e.client.ListAttachments(ctx, it); err != nil || len(list) != 0 {
				t.Errorf("ListAttachments after delete = %v, %v", list, err)
			}
		})
	}
}

// graph-protocol.md: "always $select, or every attachment's contentBytes
// comes back", and taskFileAttachment has no isInline to select.
func TestReadsAlwaysSelect(t *testing.T) {
	for _, k := range allKinds {
		t.Run(string(k), func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			it := e.item(k, "select")
			a, err := e.client.AddSmall(ctx, it, NewAttachment{Name: "a.bin", Size: 3}, strings.NewReader("abc"))
			if err != nil {
				t.Fatal(err)
			}
			e.rec.take()
			if _, err := e.client.ListAttachments(ctx, it); err != nil {
				t.Fatal(err)
			}
			if _, err := e.client.GetAttachment(ctx, it, a.ID); err != nil {
				t.Fatal(err)
			}
			for _, r := range e.rec.take() {
				q, _ := url.ParseQuery(r.query)
				if sel := q.Get("$select"); !strings.HasPrefix(sel, "id,name,contentType,size") || strings.Contains(sel, "contentBytes") {
					t.Errorf("%s %s?%s: want $select without contentBytes", r.method, r.path, r.query)
				}
				if k == item.TodoTask && strings.Contains(r.query, "isInline") {
					t.Errorf("To Do read selects isInline: %s", r.query)
				}
			}
		})
	}
}

func TestAddSmallInline(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	it := e.item(item.Message, "inline")
	a, err := e.client.AddSmall(ctx, it, NewAttachment{Name: "logo.png", ContentType: "image/png", Size: 4, Inline: true, ContentID: "logo"}, strings.NewReader("\x89PNG"))
	if err != nil {
		t.Fatal(err)
	}
	if !a.IsInline {
		t.Errorf("IsInline = false, want true")
	}
}

func TestAddSmallEmptyFile(t *testing.T) {
	e := newEnv(t)
	it := e.item(item.Event, "empty")
	a, err := e.client.AddSmall(context.Background(), it, NewAttachment{Name: "empty.txt", Size: 0}, strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	if b := readAll(t, e.client, it, a.ID); len(b) != 0 {
		t.Errorf("content = %q, want empty", b)
	}
}

// A file that is not the size it claims never becomes an attachment, and
// the failure is ours, not an ambiguous one.
func TestAddSmallContentMismatch(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    io.Reader
		size int64
	}{
		{"short", strings.NewReader("abc"), 10},
		{"long", strings.NewReader("abcdefghijkl"), 10},
		{"failing", iotest.ErrReader(errors.New("disk on fire")), 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			it := e.item(item.Message, tc.name)
			_, err := e.client.AddSmall(ctx, it, NewAttachment{Name: "x.bin", Size: tc.size}, tc.r)
			if err == nil || errors.Is(err, ErrAmbiguous) {
				t.Fatalf("AddSmall = %v, want a plain error", err)
			}
			if list, _ := e.client.ListAttachments(ctx, it); len(list) != 0 {
				t.Errorf("attachments = %+v, want none", list)
			}
		})
	}
}

func TestAddSmallRefusesLargeFiles(t *testing.T) {
	e := newEnv(t)
	it := e.item(item.Message, "large")
	e.rec.take()
	_, err := e.client.AddSmall(context.Background(), it, NewAttachment{Name: "big.bin", Size: it.Kind.Traits().SmallMax}, bytes.NewReader(make([]byte, it.Kind.Traits().SmallMax)))
	if err == nil || !strings.Contains(err.Error(), "upload session") {
		t.Errorf("AddSmall(3 MiB) = %v, want advice to use an upload session", err)
	}
	if n := len(e.rec.take()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

// "Reset after commit": the POST takes effect and its answer is lost. The
// client must not send it again, and must say so with ErrAmbiguous; the
// attachment is then found by listing.
func TestAddSmallAmbiguousAfterReset(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	it := e.item(item.Message, "reset")
	if err := e.srv.SetFaults(emulator.Faults{RateReset: 1}); err != nil {
		t.Fatal(err)
	}
	e.rec.take()
	_, err := e.client.AddSmall(ctx, it, NewAttachment{Name: "once.txt", Size: 4}, strings.NewReader("once"))
	if !errors.Is(err, ErrAmbiguous) {
		t.Fatalf("AddSmall = %v, want ErrAmbiguous", err)
	}
	if posts := countMethod(e.rec.take(), "POST"); posts != 1 {
		t.Errorf("%d POSTs sent, want exactly 1", posts)
	}
	e.srv.SetFaults(emulator.Faults{})
	list, err := e.client.ListAttachments(ctx, it)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Name != "once.txt" {
		t.Errorf("attachments = %+v, want exactly the one POSTed", list)
	}
}

// Idempotent requests ride over resets: a delete whose answer was lost is
// resent and reports the attachment gone.
func TestDeleteAfterReset(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	it := e.item(item.Event, "reset delete")
	a, err := e.client.AddSmall(ctx, it, NewAttachment{Name: "x", Size: 1}, strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	e.srv.SetFaults(emulator.Faults{RateReset: 1})
	// Every attempt resets: the retry policy gives up with the cause.
	err = e.client.DeleteAttachment(ctx, it, a.ID)
	if err == nil || errors.Is(err, ErrAmbiguous) {
		t.Errorf("DeleteAttachment with every answer lost = %v, want a plain error", err)
	}
	e.srv.SetFaults(emulator.Faults{})
	if err := e.client.DeleteAttachment(ctx, it, a.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("DeleteAttachment = %v, want ErrNotFound (the first one went through)", err)
	}
}

// POSTs refused with 503 or 429 had no effect and are resent (the body is
// rewound), after the Retry-After Graph asked for.
func TestAddSmallRetriesRefusals(t *testing.T) {
	for _, spec := range []string{"503=1", "429=1"} {
		t.Run(spec, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			it := e.item(item.Message, spec)
			f, _ := emulator.ParseFaults(spec)
			e.srv.SetFaults(f)
			// Two refusals, then the emulator heals and the third attempt lands.
			e.onWait = func(n int) {
				if n == 2 {
					e.srv.SetFaults(emulator.Faults{})
				}
			}
			a, err := e.client.AddSmall(ctx, it, NewAttachment{Name: "r.txt", Size: 5}, strings.NewReader("hello"))
			if err != nil {
				t.Fatalf("AddSmall = %v", err)
			}
			if b := readAll(t, e.client, it, a.ID); string(b) != "hello" {
				t.Errorf("content = %q", b)
			}
			waits := e.recordedWaits()
			if len(waits) < 2 || slices.ContainsFunc(waits, func(d time.Duration) bool { return d != time.Second }) {
				t.Errorf("waits = %v, want the emulator's Retry-After of 1s honoured", waits)
			}
		})
	}
}

// A source that cannot be rewound is sent once; a refusal then surfaces.
func TestAddSmallUnseekableNotResent(t *testing.T) {
	e := newEnv(t)
	it := e.item(item.Message, "unseekable")
	e.srv.SetFaults(emulator.Faults{Rate503: 1})
	e.rec.take()
	_, err := e.client.AddSmall(context.Background(), it, NewAttachment{Name: "p", Size: 4}, io.MultiReader(strings.NewReader("pipe")))
	var ge *Error
	if !errors.As(err, &ge) || ge.Status != 503 {
		t.Errorf("AddSmall = %v, want the 503", err)
	}
	if n := countMethod(e.rec.take(), "POST"); n != 1 {
		t.Errorf("%d POSTs, want 1", n)
	}
}

func TestUnknownItem(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	it := e.item(item.Message, "gone")
	e.raw("DELETE", "/users/"+testUser+"/messages/"+it.ID, nil, true)
	if _, err := e.client.ListAttachments(ctx, it); !errors.Is(err, ErrNotFound) {
		t.Errorf("ListAttachments = %v, want ErrNotFound", err)
	}
	if _, err := e.client.ListAttachments(ctx, item.Ref{Mailbox: "nobody@contoso.example", Kind: item.Event, ID: "AAMk"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("ListAttachments on an unknown mailbox = %v, want ErrNotFound", err)
	}
	if _, err := e.client.ListAttachments(ctx, item.Ref{Mailbox: testUser, Kind: item.TodoTask, ID: "x"}); err == nil {
		t.Errorf("a To Do task without a list id was accepted")
	}
}

func countMethod(reqs []seen, method string) int {
	n := 0
	for _, r := range reqs {
		if r.method == method {
			n++
		}
	}
	return n
}

func TestAttachmentTypeFromAnnotation(t *testing.T) {
	for in, want := range map[string]AttachmentType{
		"":                                     FileAttachment,
		"#microsoft.graph.fileAttachment":      FileAttachment,
		"#microsoft.graph.taskFileAttachment":  FileAttachment,
		"microsoft.graph.ItemAttachment":       ItemAttachment,
		"#microsoft.graph.referenceAttachment": ReferenceAttachment,
		"#microsoft.graph.somethingNew":        OtherAttachment,
	} {
		if got := typeOf(in); got != want {
			t.Errorf("typeOf(%q) = %s, want %s", in, got, want)
		}
	}
}
