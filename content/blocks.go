package content

import (
	"crypto/sha256"
	"encoding/hex"
	"hash/maphash"
	"io"
	"os"
	"sync"
)

// BlockSize is the unit a file's blocks are fingerprinted in. It divides
// the Graph client's upload ranges (3.75 MiB, and the 320 KiB units a range
// is shortened by), so every range ends on a block boundary or at the
// file's end.
const BlockSize = 64 << 10

// Fingerprints remembers what this process learnt hashing files: for each
// file, besides its SHA-256, a keyed 64-bit hash (hash/maphash, under a
// seed made for this process and never stored) of every BlockSize block,
// taken in the same pass. Apply checks the bytes it streams to Graph
// against those, block by block, instead of running SHA-256 over every
// byte a second time: a file that changed since it was hashed is refused
// before a block of it leaves. The seed stays in memory, so nobody can
// craft a change that keeps the fingerprints; they mean nothing to
// another process (a saved plan is applied with SHA-256 instead).
//
// A nil *Fingerprints remembers nothing. It is safe for concurrent use.
type Fingerprints struct {
	seed maphash.Seed
	mu   sync.Mutex
	m    map[fileKey][]uint64
}

type fileKey struct {
	path, sha256 string
	n            int64
}

// NewFingerprints returns an empty memory with a fresh seed.
func NewFingerprints() *Fingerprints {
	return &Fingerprints{seed: maphash.MakeSeed(), m: map[fileKey][]uint64{}}
}

// File hashes the file at path by streaming it once: its SHA-256, its
// length and, when f is not nil, its block fingerprints, remembered under
// the path and that digest.
func (f *Fingerprints) File(path string) (digest string, n int64, err error) {
	if f == nil {
		return FileSHA256(path)
	}
	file, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer file.Close()
	whole := sha256.New()
	var block maphash.Hash
	block.SetSeed(f.seed)
	var sums []uint64
	buf := make([]byte, BlockSize)
	for {
		k, err := io.ReadFull(file, buf)
		if k > 0 {
			whole.Write(buf[:k])
			block.Reset()
			block.Write(buf[:k])
			sums = append(sums, block.Sum64())
			n += int64(k)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return "", n, err
		}
	}
	digest = hex.EncodeToString(whole.Sum(nil))
	f.mu.Lock()
	f.m[fileKey{path, digest, n}] = sums
	f.mu.Unlock()
	return digest, n, nil
}

// Blocks returns the fingerprints of the file at path as it was when
// hashed to digest and n bytes, if f hashed it so.
func (f *Fingerprints) Blocks(path, digest string, n int64) (*Blocks, bool) {
	if f == nil {
		return nil, false
	}
	f.mu.Lock()
	sums, ok := f.m[fileKey{path, digest, n}]
	f.mu.Unlock()
	if !ok {
		return nil, false
	}
	return &Blocks{seed: f.seed, sums: sums, n: n}, true
}

// Blocks are one file's block fingerprints.
type Blocks struct {
	seed maphash.Seed
	sums []uint64
	n    int64
}

// NewHash returns a hash whose Sum64 over a whole block's bytes equals
// that block's fingerprint when the bytes are the same.
func (b *Blocks) NewHash() *maphash.Hash {
	h := &maphash.Hash{}
	h.SetSeed(b.seed)
	return h
}

// Sum is block i's fingerprint (the block at i*BlockSize).
func (b *Blocks) Sum(i int64) uint64 { return b.sums[i] }

// Size is the byte count the blocks cover.
func (b *Blocks) Size() int64 { return b.n }
