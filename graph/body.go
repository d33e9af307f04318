package graph

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/attachform/attachform/item"
	"io"
	"sync"
	"sync/atomic"
)

// smallBody builds the JSON of a small attachment around the file's bytes,
// base64-encoding them while the request is being written: no copy of the
// file, encoded or not, is ever held whole in memory.
type smallBody struct {
	head, tail []byte
	size       int64
	state      *bodyState
}

func newSmallBody(k item.Kind, a NewAttachment, r io.Reader) (*smallBody, error) {
	type withInline struct {
		Type        string `json:"@odata.type"`
		Name        string `json:"name"`
		ContentType string `json:"contentType,omitempty"`
		IsInline    bool   `json:"isInline,omitempty"`
		ContentID   string `json:"contentId,omitempty"`
	}
	type plain struct {
		Type        string `json:"@odata.type"`
		Name        string `json:"name"`
		ContentType string `json:"contentType,omitempty"`
	}
	t := k.Traits()
	if t.ODataType == "" {
		return nil, fmt.Errorf("no attachment type for item kind %q", k)
	}
	var v any = plain{t.ODataType, a.Name, a.ContentType}
	if t.Inline {
		v = withInline{t.ODataType, a.Name, a.ContentType, a.Inline, a.ContentID}
	}
	head, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	head = append(head[:len(head)-1], `,"contentBytes":"`...)
	return &smallBody{head: head, tail: []byte(`"}`), size: a.Size, state: newBodyState(r)}, nil
}

// length is the exact Content-Length.
func (b *smallBody) length() int64 {
	return int64(len(b.head)) + int64(base64.StdEncoding.EncodedLen(int(b.size))) + int64(len(b.tail))
}

// open returns the body from its start, for one attempt.
func (b *smallBody) open() (io.Reader, error) {
	src, err := b.state.open()
	if err != nil {
		return nil, err
	}
	return io.MultiReader(
		readerOf(b.head),
		&base64Reader{src: src, left: b.size, size: b.size, state: b.state},
		readerOf(b.tail),
	), nil
}

func readerOf(p []byte) io.Reader { return &sliceReader{p: p} }

type sliceReader struct{ p []byte }

func (r *sliceReader) Read(p []byte) (int, error) {
	if len(r.p) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.p)
	r.p = r.p[n:]
	return n, nil
}

var errNotRewindable = errors.New("the content cannot be read a second time (not seekable)")

// bodyState is a request body's source across attempts: it rewinds
// seekable sources, refuses a second pass over others, and keeps the first
// error met while reading so the retry policy knows the failure was ours.
type bodyState struct {
	src    io.Reader
	seeker io.Seeker
	// fresh, when set, makes a new reader for every attempt: an attempt
	// net/http abandoned may still be reading its own.
	fresh func() io.Reader
	used  atomic.Bool

	mu      sync.Mutex
	started bool
	start   int64
	err     error
}

func newBodyState(r io.Reader) *bodyState {
	s := &bodyState{src: r}
	if sk, ok := r.(io.Seeker); ok {
		s.seeker = sk
	}
	return s
}

// repeatableBody is a body whose every attempt reads its own reader from
// open, while failures of those readers are still known to the retry
// policy.
func repeatableBody(open func() io.Reader) *bodyState { return &bodyState{fresh: open} }

// rewindable reports whether another attempt can send the body again.
func (s *bodyState) rewindable() bool { return s.fresh != nil || s.seeker != nil || !s.used.Load() }

func (s *bodyState) open() (io.Reader, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fresh != nil {
		s.err = nil
		return &usedReader{r: s.fresh(), s: s}, nil
	}
	if s.seeker != nil {
		if !s.started {
			pos, err := s.seeker.Seek(0, io.SeekCurrent)
			if err != nil {
				return nil, err
			}
			s.start, s.started = pos, true
		} else if _, err := s.seeker.Seek(s.start, io.SeekStart); err != nil {
			return nil, err
		}
	} else if s.used.Load() {
		return nil, errNotRewindable
	}
	s.err = nil
	return &usedReader{r: s.src, s: s}, nil
}

func (s *bodyState) fail(err error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
	}
	return err
}

// failed is the error met reading the source in the last attempt, if any.
func (s *bodyState) failed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

type usedReader struct {
	r io.Reader
	s *bodyState
}

func (u *usedReader) Read(p []byte) (int, error) {
	u.s.used.Store(true)
	n, err := u.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		return n, u.s.fail(err)
	}
	return n, err
}

// base64Reader encodes exactly size bytes of src as standard base64,
// failing if src holds fewer or more.
type base64Reader struct {
	src        io.Reader
	left, size int64
	state      *bodyState
	in, out    []byte
	pending    []byte
	done       bool
}

// chunk is a multiple of 3 so that only the last chunk carries padding.
const chunk = 3 << 14

func (r *base64Reader) Read(p []byte) (int, error) {
	for len(r.pending) == 0 {
		if r.done {
			return 0, io.EOF
		}
		if err := r.fill(); err != nil {
			return 0, r.state.fail(err)
		}
	}
	n := copy(p, r.pending)
	r.pending = r.pending[n:]
	return n, nil
}

func (r *base64Reader) fill() error {
	if r.in == nil {
		r.in = make([]byte, min(int64(chunk), max(r.size, 1)))
		r.out = make([]byte, base64.StdEncoding.EncodedLen(len(r.in)))
	}
	if r.left == 0 {
		var one [1]byte
		if n, _ := io.ReadFull(r.src, one[:]); n > 0 {
			return fmt.Errorf("the content is longer than its declared size of %d bytes", r.size)
		}
		r.done = true
		return nil
	}
	want := min(int64(len(r.in)), r.left)
	n, err := io.ReadFull(r.src, r.in[:want])
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("the content ended after %d of its declared %d bytes", r.size-r.left+int64(n), r.size)
		}
		return err
	}
	r.left -= int64(n)
	m := base64.StdEncoding.EncodedLen(n)
	base64.StdEncoding.Encode(r.out[:m], r.in[:n])
	r.pending = r.out[:m]
	return nil
}
