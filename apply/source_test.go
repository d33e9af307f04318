package apply

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/attachform/attachform/content"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/state"
)

// readRange reads [off, off+n) the way an HTTP body is read: in pieces.
func readRange(s *source, off, n int64, piece int) error {
	buf := make([]byte, piece)
	for n > 0 {
		k := min(int64(piece), n)
		got, err := s.ReadAt(buf[:k], off)
		if err != nil && !(errors.Is(err, io.EOF) && int64(got) == k) {
			return err
		}
		off, n = off+k, n-k
	}
	return nil
}

// The source hands out the planned bytes however the client reads them —
// in order, resent, resumed — and refuses the moment it would hand out
// bytes other than the ones the plan hashed.
func TestSourceHandsOutOnlyThePlannedBytes(t *testing.T) {
	const size = 5*blockSize + 1234
	original := make([]byte, size)
	for i := range original {
		original[i] = byte(i * 7)
	}
	tests := []struct {
		name string
		// run reads through s; change rewrites the file at a moment of its
		// choosing.
		run     func(s *source, change func(at int64)) error
		changed bool // whether the source must be refused
	}{
		{"in order, in pieces", func(s *source, _ func(int64)) error {
			return readRange(s, 0, size, 1000)
		}, false},
		{"a resent range", func(s *source, _ func(int64)) error {
			if err := readRange(s, 0, 2*blockSize, 4096); err != nil {
				return err
			}
			if err := readRange(s, blockSize, blockSize, 4096); err != nil { // resent
				return err
			}
			return readRange(s, 2*blockSize, size-2*blockSize, 4096)
		}, false},
		{"resent from inside a block (the block is checked whole)", func(s *source, _ func(int64)) error {
			if err := readRange(s, 0, 2*blockSize, 4096); err != nil {
				return err
			}
			if err := readRange(s, blockSize+1000, blockSize-1000, 4096); err != nil { // resent
				return err
			}
			return readRange(s, 2*blockSize, size-2*blockSize, 4096)
		}, false},
		{"resumed from inside a block", func(s *source, _ func(int64)) error {
			return readRange(s, 3*blockSize+777, size-3*blockSize-777, 8192)
		}, false},
		{"resumed after an earlier run sent the prefix", func(s *source, _ func(int64)) error {
			return readRange(s, 3*blockSize, size-3*blockSize, 8192)
		}, false},
		{"changed before the last range", func(s *source, change func(int64)) error {
			if err := readRange(s, 0, 3*blockSize, 4096); err != nil {
				return err
			}
			change(4*blockSize + 10)
			return readRange(s, 3*blockSize, size-3*blockSize, 4096)
		}, true},
		{"changed where it was sent: what was sent is what was planned", func(s *source, change func(int64)) error {
			if err := readRange(s, 0, 3*blockSize, 4096); err != nil {
				return err
			}
			change(blockSize + 10)
			return readRange(s, 3*blockSize, size-3*blockSize, 4096)
		}, false},
		{"changed, then a range resent", func(s *source, change func(int64)) error {
			if err := readRange(s, 0, 2*blockSize, 4096); err != nil {
				return err
			}
			change(blockSize + 10)
			return readRange(s, 0, 2*blockSize, 4096)
		}, true},
		{"changed mid-block, then resent over where it stopped", func(s *source, change func(int64)) error {
			if err := readRange(s, 0, blockSize+100, 50); err != nil {
				return err
			}
			change(blockSize + 10)
			return readRange(s, blockSize, blockSize, 50)
		}, true},
	}
	// Planned by this process, the source checks blocks against the
	// plan's fingerprints; planned by another, it hashes with SHA-256.
	for _, mode := range []string{"fingerprints", "sha256"} {
		for _, tt := range tests {
			t.Run(mode+"/"+tt.name, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "f.bin")
				if err := os.WriteFile(path, original, 0o600); err != nil {
					t.Fatal(err)
				}
				sum := sha256.Sum256(original)
				d := &plan.Desired{Source: path, DisplayPath: "f.bin", Descriptor: state.Descriptor{Bytes: size, SHA256: hex.EncodeToString(sum[:])}}
				var fp *content.Fingerprints
				if mode == "fingerprints" {
					fp = content.NewFingerprints()
					if digest, n, err := fp.File(path); err != nil || digest != d.SHA256 || n != size {
						t.Fatalf("fingerprints: %s %d %v", digest, n, err)
					}
				}
				s, err := openSource(d, fp)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				if (s.planned != nil) != (mode == "fingerprints") {
					t.Fatalf("mode %s: planned fingerprints used: %v", mode, s.planned != nil)
				}
				change := func(at int64) {
					edited := append([]byte(nil), original...)
					edited[at] ^= 0xff
					if err := os.WriteFile(path, edited, 0o600); err != nil {
						t.Fatal(err)
					}
				}
				err = tt.run(s, change)
				if tt.changed != errors.Is(err, ErrSourceChanged) {
					t.Fatalf("err = %v; want ErrSourceChanged: %v", err, tt.changed)
				}
			})
		}
	}
}

// A file shorter than planned is refused at once; one longer than planned
// hands out only the planned bytes.
func TestSourceOfAnotherLength(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.bin")
	data := []byte("0123456789")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data[:8])
	s, err := openSource(&plan.Desired{Source: path, DisplayPath: "f.bin",
		Descriptor: state.Descriptor{Bytes: 8, SHA256: hex.EncodeToString(sum[:])}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := readRange(s, 0, 8, 3); err != nil {
		t.Fatalf("a longer file's planned prefix: %v", err)
	}
	s.Close()
	s, err = openSource(&plan.Desired{Source: path, DisplayPath: "f.bin", Descriptor: state.Descriptor{Bytes: 12, SHA256: "00"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := readRange(s, 0, 12, 4); !errors.Is(err, ErrSourceChanged) {
		t.Fatalf("a shorter file: %v, want ErrSourceChanged", err)
	}
}
