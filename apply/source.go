package apply

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/maphash"
	"io"
	"os"
	"sync"

	"github.com/attachform/attachform/content"
	"github.com/attachform/attachform/plan"
)

// ErrSourceChanged marks an upload stopped because the source's bytes are
// not the ones the plan showed.
var ErrSourceChanged = errors.New("the source changed since the plan was made")

// blockSize is the unit bytes are checked in. It divides the client's
// range sizes, so a range is checked before its last byte is handed out.
const blockSize = content.BlockSize

// source is a declared file opened for upload. Every byte it hands out is
// checked against what the plan hashed before the read that hands out
// the end of its block returns, so no range Graph commits holds a byte
// the plan did not show, and the file is never read in full before the
// first range.
//
// When this process planned the upload it holds the file's block
// fingerprints (content.Fingerprints), taken in the one pass that
// computed the plan's SHA-256: each block handed out is checked against
// its fingerprint, and SHA-256 does not run again.
//
// Otherwise (a plan made by another process) the bytes are hashed with
// SHA-256 in the order they are handed out, and the read that would hand
// out the file's last byte first compares the whole digest with the
// plan's. Bytes handed out a second time (a resent range) are checked
// block by block against what was handed out first, with a seeded 64-bit
// hash (hash/maphash): it only has to notice that a file changed between
// two readings by this process, under a seed nobody else knows.
type source struct {
	f    *os.File
	path string // for messages
	size int64
	want string // hex sha256 the plan showed

	mu      sync.Mutex // the HTTP transport may read a stale attempt's body
	whole   hash.Hash  // bytes [0, hashed)
	hashed  int64
	block   hash.Hash  // the block containing hashed
	blocks  [][]byte   // digest of every complete block, as first handed out
	reBlock hash.Hash  // a block being handed out again
	reAt    int64      // next offset reBlock expects (-1: none)
	scratch [4096]byte // for reading bytes that are hashed but not handed out

	// With the plan's fingerprints: the block being handed out, hashed
	// from its start up to at.
	planned *content.Blocks
	cur     *maphash.Hash
	at      int64 // -1: no block in progress
}

// openSource opens d's file; fp holds the fingerprints this process took
// while planning (nil: none).
func openSource(d *plan.Desired, fp *content.Fingerprints) (*source, error) {
	f, err := os.Open(d.Source)
	if err != nil {
		return nil, err
	}
	if b, ok := fp.Blocks(d.Source, d.SHA256, d.Bytes); ok {
		return &source{f: f, path: d.DisplayPath, size: d.Bytes, want: d.SHA256, planned: b, cur: b.NewHash(), at: -1}, nil
	}
	seed := maphash.MakeSeed()
	block, reBlock := &maphash.Hash{}, &maphash.Hash{}
	block.SetSeed(seed)
	reBlock.SetSeed(seed)
	return &source{f: f, path: d.DisplayPath, size: d.Bytes, want: d.SHA256,
		whole: sha256.New(), block: block, reBlock: reBlock, reAt: -1}, nil
}

func (s *source) Close() error { return s.f.Close() }

// ReadAt implements io.ReaderAt over [0, size).
func (s *source) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off > s.size {
		return 0, fmt.Errorf("read at %d outside %s's %d bytes", off, s.path, s.size)
	}
	if rest := s.size - off; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := s.f.ReadAt(p, off)
	if n < len(p) {
		if err == nil || errors.Is(err, io.EOF) {
			err = fmt.Errorf("%s: %w: it is shorter than the %d bytes planned", s.path, ErrSourceChanged, s.size)
		}
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(p, off); err != nil {
		return 0, err
	}
	if off+int64(n) < s.size {
		return n, nil
	}
	return n, io.EOF
}

// check hashes p (the bytes at off) before they are handed out.
func (s *source) check(p []byte, off int64) error {
	if s.planned != nil {
		return s.checkPlanned(p, off)
	}
	if off > s.hashed {
		// A resumed upload starts where an earlier run stopped: what it
		// sent is the file's prefix, hashed here without sending it.
		if err := s.catchUp(off); err != nil {
			return err
		}
	}
	end := off + int64(len(p))
	if off < s.hashed {
		k := min(end, s.hashed) - off
		if err := s.recheck(p[:k], off); err != nil {
			return err
		}
		p = p[k:] // the rest starts at s.hashed
	}
	if len(p) > 0 {
		s.first(p)
	}
	if end == s.size && s.hashed == s.size {
		if got := hex.EncodeToString(s.whole.Sum(nil)); got != s.want {
			return fmt.Errorf("%s: %w (sha256 %s, planned %s)", s.path, ErrSourceChanged, got[:12], s.want[:min(12, len(s.want))])
		}
	}
	return nil
}

// first hashes bytes handed out for the first time, at s.hashed.
func (s *source) first(p []byte) {
	for len(p) > 0 {
		room := blockSize - s.hashed%blockSize
		k := min(int64(len(p)), room)
		s.whole.Write(p[:k])
		s.block.Write(p[:k])
		s.hashed += k
		p = p[k:]
		if k == room {
			s.blocks = append(s.blocks, s.block.Sum(nil))
			s.block.Reset()
		}
	}
}

// catchUp hashes the file's bytes [s.hashed, to) without handing them out.
func (s *source) catchUp(to int64) error {
	for s.hashed < to {
		buf := s.scratch[:min(int64(len(s.scratch)), to-s.hashed)]
		if _, err := s.f.ReadAt(buf, s.hashed); err != nil {
			return fmt.Errorf("%s: %w", s.path, err)
		}
		s.first(buf)
	}
	return nil
}

// blockPrefix writes to h the file's bytes from the start of off's block up
// to off, read privately: a block entered part-way is checked whole.
func (s *source) blockPrefix(h io.Writer, off int64) error {
	for at := off - off%blockSize; at < off; {
		buf := s.scratch[:min(int64(len(s.scratch)), off-at)]
		if _, err := s.f.ReadAt(buf, at); err != nil {
			return fmt.Errorf("%s: %w", s.path, err)
		}
		h.Write(buf)
		at += int64(len(buf))
	}
	return nil
}

// recheck compares bytes handed out again with what was handed out first,
// a block at a time (and up to s.hashed within the block in progress).
func (s *source) recheck(p []byte, off int64) error {
	if s.reAt != off {
		// Start the block over from its beginning, from the file.
		s.reBlock.Reset()
		if err := s.blockPrefix(s.reBlock, off); err != nil {
			return err
		}
	}
	for len(p) > 0 {
		room := blockSize - off%blockSize
		k := min(int64(len(p)), room)
		s.reBlock.Write(p[:k])
		off += k
		p = p[k:]
		var firstSum []byte
		switch {
		case k == room:
			firstSum = s.blocks[(off-1)/blockSize]
		case off == s.hashed:
			firstSum = s.block.Sum(nil)
		}
		if firstSum != nil {
			if !bytes.Equal(s.reBlock.Sum(nil), firstSum) {
				return fmt.Errorf("%s: %w while it was being uploaded", s.path, ErrSourceChanged)
			}
			if k == room {
				s.reBlock.Reset()
			}
		}
	}
	s.reAt = off
	return nil
}

// checkPlanned checks p (the bytes at off) against the plan's block
// fingerprints: every block that p completes must be the planned one. A
// block entered anywhere but where the last read stopped (a resent range,
// a resumed upload) is hashed from its start, reading the file for what
// comes before off.
func (s *source) checkPlanned(p []byte, off int64) error {
	for len(p) > 0 {
		if s.at != off {
			s.cur.Reset()
			if err := s.blockPrefix(s.cur, off); err != nil {
				return err
			}
		}
		end := min(off-off%blockSize+blockSize, s.size)
		k := min(int64(len(p)), end-off)
		s.cur.Write(p[:k])
		off, p = off+k, p[k:]
		s.at = off
		if off == end {
			if i := (off - 1) / blockSize; s.cur.Sum64() != s.planned.Sum(i) {
				s.at = -1
				return fmt.Errorf("%s: %w (bytes %d to %d differ from what the plan hashed)", s.path, ErrSourceChanged, i*blockSize, end-1)
			}
			s.cur.Reset()
		}
	}
	return nil
}
