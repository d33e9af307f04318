package graph

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"github.com/attachform/attachform/item"
	"io"
	"strings"
	"testing"
)

// The streamed body is exactly the JSON Graph documents, and exactly as
// long as the Content-Length the client declares.
func TestSmallBody(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 4, chunk - 1, chunk, chunk + 1, 3*chunk + 2} {
		for _, k := range []item.Kind{item.Message, item.TodoTask} {
			data := content(n)
			a := NewAttachment{Name: `q"uote.bin`, ContentType: "application/pdf", Size: int64(n), Inline: true, ContentID: "cid1"}
			b, err := newSmallBody(k, a, bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			r, err := b.open()
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			if err != nil {
				t.Fatalf("%s %d: %v", k, n, err)
			}
			if int64(len(got)) != b.length() {
				t.Errorf("%s %d: body is %d bytes, Content-Length %d", k, n, len(got), b.length())
			}
			var v map[string]any
			if err := json.Unmarshal(got, &v); err != nil {
				t.Fatalf("%s %d: not JSON: %v", k, n, err)
			}
			dec, _ := base64.StdEncoding.DecodeString(v["contentBytes"].(string))
			if !bytes.Equal(dec, data) || v["name"] != a.Name || v["contentType"] != "application/pdf" {
				t.Errorf("%s %d: body = %.200s", k, n, got)
			}
			wantType := "#microsoft.graph.fileAttachment"
			if k == item.TodoTask {
				wantType = "#microsoft.graph.taskFileAttachment"
				if _, ok := v["isInline"]; ok {
					t.Errorf("To Do body has isInline")
				}
			} else if v["isInline"] != true || v["contentId"] != "cid1" {
				t.Errorf("Outlook body lost isInline/contentId: %.200s", got)
			}
			if v["@odata.type"] != wantType {
				t.Errorf("@odata.type = %v", v["@odata.type"])
			}
		}
	}
}

func TestSmallBodyRewind(t *testing.T) {
	// A seekable source is rewound to where it stood, not to 0.
	src := strings.NewReader("xxHELLO")
	src.Seek(2, io.SeekStart)
	b, _ := newSmallBody(item.Message, NewAttachment{Name: "h", Size: 5}, src)
	for i := range 3 {
		r, err := b.open()
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(r)
		if !bytes.Contains(got, []byte(base64.StdEncoding.EncodeToString([]byte("HELLO")))) {
			t.Errorf("attempt %d: %s", i, got)
		}
	}
	if !b.state.rewindable() {
		t.Error("seekable source reported not rewindable")
	}

	// A stream can be opened before it is read (retryablehttp probes the
	// body once), but read only once.
	b, _ = newSmallBody(item.Message, NewAttachment{Name: "h", Size: 5}, io.MultiReader(strings.NewReader("HELLO")))
	if _, err := b.open(); err != nil {
		t.Fatal(err)
	}
	r, err := b.open()
	if err != nil || !b.state.rewindable() {
		t.Fatalf("second open before reading: %v", err)
	}
	io.ReadAll(r)
	if b.state.rewindable() {
		t.Error("a read stream reported rewindable")
	}
	if _, err := b.open(); !errors.Is(err, errNotRewindable) {
		t.Errorf("open after reading = %v, want errNotRewindable", err)
	}
}

func TestSmallBodySizeMismatch(t *testing.T) {
	for _, tc := range []struct {
		src  string
		size int64
		want string
	}{
		{"abc", 5, "ended after 3 of its declared 5 bytes"},
		{"abcdef", 5, "longer than its declared size of 5 bytes"},
		{"", 1, "ended after 0 of its declared 1 bytes"},
	} {
		b, _ := newSmallBody(item.Event, NewAttachment{Name: "m", Size: tc.size}, strings.NewReader(tc.src))
		r, _ := b.open()
		_, err := io.ReadAll(r)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q as %d bytes: %v, want %q", tc.src, tc.size, err, tc.want)
		}
		if b.state.failed() == nil {
			t.Errorf("%q as %d bytes: failure not recorded", tc.src, tc.size)
		}
	}
}
