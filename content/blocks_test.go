package content

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

// File hashes once: its SHA-256 and length are FileSHA256's, and the block
// fingerprints it remembers match the same bytes hashed in any pieces,
// and nothing else.
func TestFingerprints(t *testing.T) {
	data := make([]byte, 3*BlockSize+777)
	for i := range data {
		data[i] = byte(i * 31)
	}
	path := filepath.Join(t.TempDir(), "f.bin")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	fp := NewFingerprints()
	digest, n, err := fp.File(path)
	sum := sha256.Sum256(data)
	if err != nil || digest != hex.EncodeToString(sum[:]) || n != int64(len(data)) {
		t.Fatalf("File = %s, %d, %v", digest, n, err)
	}
	b, ok := fp.Blocks(path, digest, n)
	if !ok || b.Size() != n {
		t.Fatal("no fingerprints for the file just hashed")
	}
	for i := int64(0); i*BlockSize < n; i++ {
		block := data[i*BlockSize : min((i+1)*BlockSize, n)]
		h := b.NewHash()
		for len(block) > 0 { // in odd pieces, as an HTTP body is read
			k := min(len(block), 1000)
			h.Write(block[:k])
			block = block[k:]
		}
		if h.Sum64() != b.Sum(i) {
			t.Errorf("block %d: pieces hash to another fingerprint", i)
		}
		h.Reset()
		h.Write([]byte("other bytes"))
		if h.Sum64() == b.Sum(i) {
			t.Errorf("block %d: other bytes match", i)
		}
	}
	if _, ok := fp.Blocks(path, "0000", n); ok {
		t.Error("fingerprints for another digest")
	}
	var none *Fingerprints
	if d, m, err := none.File(path); err != nil || d != digest || m != n {
		t.Errorf("a nil memory hashes like FileSHA256: %s %d %v", d, m, err)
	}
	if _, ok := none.Blocks(path, digest, n); ok {
		t.Error("a nil memory remembers")
	}
}
