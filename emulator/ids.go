package emulator

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
)

// Exchange ids are URL-safe base64 of a binary structure whose first bytes
// say what kind of id it is; that is why real ids start with "AAMk" (REST
// ids) or "AAku" (immutable ids). The emulator mimics the shape so clients
// meet '=' padding, '-' and '_' and have to escape ids as path segments.
var (
	prefixREST      = []byte{0x00, 0x03, 0x24}
	prefixImmutable = []byte{0x00, 0x09, 0x2e}
)

// idLen is chosen so that encoded ids always end in "==" (28 % 3 == 1).
const idLen = 28

// newID derives the next id from the store's salt and counter, so a fresh
// store with the same seed hands out the same ids (reproducible tests) and
// a persistent store never repeats one. Caller holds the store lock.
func (st *store) newID(prefix []byte) string {
	st.meta.Counter++
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], st.meta.Counter)
	h := sha256.New()
	h.Write([]byte(st.meta.Salt))
	h.Write(n[:])
	sum := h.Sum(nil)
	b := make([]byte, 0, idLen)
	b = append(b, prefix...)
	b = append(b, sum[:idLen-len(prefix)]...)
	return base64.URLEncoding.EncodeToString(b)
}

// newGUID derives a GUID-shaped id (mailbox ids, tenant id) the same way.
func (st *store) newGUID() string {
	st.meta.Counter++
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], st.meta.Counter)
	h := sha256.Sum256(append([]byte(st.meta.Salt+"guid"), n[:]...))
	return formatGUID(h[:16])
}

func formatGUID(b []byte) string {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// secretID is an id that doubles as a credential (upload session ids on the
// Graph origin, authtokens on the upload origin): it comes from crypto/rand,
// never from the seed.
func secretID(prefix []byte) string {
	b := make([]byte, idLen)
	copy(b, prefix)
	if _, err := rand.Read(b[len(prefix):]); err != nil {
		panic(fmt.Sprintf("emulator: crypto/rand failed: %v", err))
	}
	return base64.URLEncoding.EncodeToString(b)
}

// newToken returns a fresh authtoken for an Outlook upload URL.
func newToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("emulator: crypto/rand failed: %v", err))
	}
	return "eyJ" + base64.RawURLEncoding.EncodeToString(b)
}

// wellFormedID reports whether s could be an id this emulator issued. A
// client that escapes an id twice ("%253D") or cuts it short gets
// ErrorInvalidIdMalformed, as from Exchange, instead of a silent 404.
func wellFormedID(s string) bool {
	b, err := base64.URLEncoding.DecodeString(s)
	return err == nil && len(b) == idLen
}
