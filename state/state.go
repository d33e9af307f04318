// Package state is what attachform knows it created: the Graph ids of managed
// attachments, the digests of the bytes it uploaded and the upload sessions an
// interrupted run may have left open. It knows nothing of HCL or Graph.
//
// A State is plain data and carries no lock: concurrent writers go through
// one synchronised sink (see apply), and backends persist whole snapshots.
package state

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/attachform/attachform/item"
	"github.com/google/uuid"
)

// FormatVersion is the version of the JSON format this package writes.
// Version 2 added write-ahead intents; version 1 files read as having none.
const FormatVersion = 2

// State is a snapshot of managed attachments and pending upload sessions.
type State struct {
	Version int    `json:"version"`
	Lineage string `json:"lineage"` // fixed when the state is first created
	Serial  uint64 `json:"serial"`  // incremented on every write
	// Writer names the attachform version that wrote the state last.
	Writer string `json:"attachform_version,omitempty"`

	Attachments []Attachment `json:"attachments"` // sorted by Address
	// Deposed are replaced attachments whose deletion has not been
	// confirmed: a create-before-destroy interrupted between its two steps.
	Deposed  []Attachment `json:"deposed,omitempty"`
	Sessions []Session    `json:"upload_sessions"`
	// Intents are creations announced before their request was sent and
	// not yet settled: a run killed in between leaves them for the next
	// plan, which looks on the item for what the request may have created.
	Intents []Intent `json:"intents,omitempty"`
}

// Attachment is one attachment attachform created (or adopted).
type Attachment struct {
	Address     string   `json:"address"`
	Target      item.Ref `json:"target"`
	ID          string   `json:"id"` // Graph attachment id
	Name        string   `json:"name"`
	ContentType string   `json:"content_type"`
	Inline      bool     `json:"inline,omitempty"`
	ContentID   string   `json:"content_id,omitempty"`
	SHA256      string   `json:"sha256"` // hex digest of the uploaded bytes
	Bytes       int64    `json:"bytes"`  // byte count of the uploaded content
	// ReportedSize is Graph's size when created; it is not the byte count
	// and is only ever compared with what Graph reports later.
	ReportedSize int64     `json:"reported_size"`
	CreatedAt    time.Time `json:"created_at"`
}

// Session is an upload that started and did not finish.
type Session struct {
	// ID names the session without its upload URL, so a plan can refer to
	// it and stay free of credentials.
	ID      string   `json:"id"`
	Address string   `json:"address"`
	Target  item.Ref `json:"target"`
	// UploadURL is a credential (Outlook's are pre-authenticated). It is
	// stored so a later run can resume or cancel, and never shown.
	UploadURL   string    `json:"upload_url"`
	ExpiresAt   time.Time `json:"expires_at"`
	Confirmed   int64     `json:"confirmed"` // bytes the server acknowledged
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Inline      bool      `json:"inline,omitempty"`
	ContentID   string    `json:"content_id,omitempty"`
	SHA256      string    `json:"sha256"`
	Bytes       int64     `json:"bytes"`
	StartedAt   time.Time `json:"started_at"`
}

// Intent is a request about to create an attachment (a small POST, or the
// creation of an upload session), recorded durably before it is sent. The
// write that records the outcome removes it, so an intent that survives
// means Graph may hold an attachment nobody recorded: with this name and
// exactly these bytes, on this item.
type Intent struct {
	ID          string    `json:"id"`
	Address     string    `json:"address"`
	Target      item.Ref  `json:"target"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Inline      bool      `json:"inline,omitempty"`
	ContentID   string    `json:"content_id,omitempty"`
	SHA256      string    `json:"sha256"`
	Bytes       int64     `json:"bytes"`
	CreatedAt   time.Time `json:"created_at"`
}

// New returns an empty state with a fresh lineage.
func New() *State {
	return &State{Version: FormatVersion, Lineage: uuid.NewString()}
}

// Attachment returns the managed attachment at addr.
func (s *State) Attachment(addr string) (Attachment, bool) {
	i, ok := s.find(addr)
	if !ok {
		return Attachment{}, false
	}
	return s.Attachments[i], true
}

func (s *State) find(addr string) (int, bool) {
	return slices.BinarySearchFunc(s.Attachments, addr, func(a Attachment, addr string) int {
		return strings.Compare(a.Address, addr)
	})
}

// SetAttachment adds or replaces the attachment at a.Address.
func (s *State) SetAttachment(a Attachment) {
	i, ok := s.find(a.Address)
	if ok {
		s.Attachments[i] = a
		return
	}
	s.Attachments = slices.Insert(s.Attachments, i, a)
}

// RemoveAttachment forgets the attachment at addr if it is the one with id
// (an empty id matches any), so a late delete cannot drop its replacement.
func (s *State) RemoveAttachment(addr, id string) {
	if i, ok := s.find(addr); ok && (id == "" || s.Attachments[i].ID == id) {
		s.Attachments = slices.Delete(s.Attachments, i, i+1)
	}
}

// Depose moves the attachment at a.Address with a.ID to Deposed.
func (s *State) Depose(a Attachment) {
	s.RemoveAttachment(a.Address, a.ID)
	s.Deposed = append(s.Deposed, a)
}

// RemoveDeposed forgets the deposed attachment with this Graph id.
func (s *State) RemoveDeposed(id string) {
	s.Deposed = slices.DeleteFunc(s.Deposed, func(a Attachment) bool { return a.ID == id })
}

// SetSession records or updates the pending session with x.ID (a new
// session without an ID gets one).
func (s *State) SetSession(x Session) {
	if x.ID == "" {
		x.ID = SessionID(x.UploadURL)
	}
	for i := range s.Sessions {
		if s.Sessions[i].ID == x.ID {
			s.Sessions[i] = x
			return
		}
	}
	s.Sessions = append(s.Sessions, x)
}

// Session returns the pending session with this ID.
func (s *State) Session(id string) (Session, bool) {
	i := slices.IndexFunc(s.Sessions, func(x Session) bool { return x.ID == id })
	if i < 0 {
		return Session{}, false
	}
	return s.Sessions[i], true
}

// RemoveSession forgets the session with this ID.
func (s *State) RemoveSession(id string) {
	s.Sessions = slices.DeleteFunc(s.Sessions, func(x Session) bool { return x.ID == id })
}

// SessionID derives a session's ID from its upload URL: stable, so states
// written before sessions had IDs read the same every time, and one-way,
// so the ID reveals nothing of the credential.
func SessionID(uploadURL string) string {
	sum := sha256.Sum256([]byte("attachform upload session\x00" + uploadURL))
	return hex.EncodeToString(sum[:12])
}

// AddIntent records x; an intent with the same id is replaced.
func (s *State) AddIntent(x Intent) {
	s.RemoveIntent(x.ID)
	s.Intents = append(s.Intents, x)
}

// RemoveIntent forgets the intent with this id.
func (s *State) RemoveIntent(id string) {
	s.Intents = slices.DeleteFunc(s.Intents, func(x Intent) bool { return x.ID == id })
}

// OwnedIDs are the Graph ids the state accounts for, deposed ones
// included: none of them may be adopted as something else.
func (s *State) OwnedIDs() map[string]bool {
	owned := map[string]bool{}
	for _, a := range s.Attachments {
		owned[a.ID] = true
	}
	for _, a := range s.Deposed {
		owned[a.ID] = true
	}
	return owned
}

// Rename moves everything recorded at from (the attachment, deposed
// objects, sessions, intents) to to, as a moved block says.
func (s *State) Rename(from, to string) {
	for i := range s.Attachments {
		if s.Attachments[i].Address == from {
			s.Attachments[i].Address = to
		}
	}
	slices.SortFunc(s.Attachments, func(a, b Attachment) int { return strings.Compare(a.Address, b.Address) })
	for i := range s.Deposed {
		if s.Deposed[i].Address == from {
			s.Deposed[i].Address = to
		}
	}
	for i := range s.Sessions {
		if s.Sessions[i].Address == from {
			s.Sessions[i].Address = to
		}
	}
	for i := range s.Intents {
		if s.Intents[i].Address == from {
			s.Intents[i].Address = to
		}
	}
}

// Clone returns a deep copy; writers persist clones so the live state can
// change while a write is in flight.
func (s *State) Clone() *State {
	c := *s
	c.Attachments = slices.Clone(s.Attachments)
	c.Deposed = slices.Clone(s.Deposed)
	c.Sessions = slices.Clone(s.Sessions)
	c.Intents = slices.Clone(s.Intents)
	return &c
}

// Redacted is what stands in a state shown to people for an upload URL.
const Redacted = "(redacted)"

// Redacted returns a copy of s in which every upload URL reads Redacted:
// the URLs are credentials, and a state that is shown or printed (state
// pull, state show) must not carry them. Sessions keep their IDs, which are
// derived from the URL and reveal nothing of it, so a redacted state can be
// matched to the stored one (state push restores the URLs by ID).
func (s *State) Redacted() *State {
	c := s.Clone()
	for i := range c.Sessions {
		if c.Sessions[i].UploadURL != "" {
			c.Sessions[i].UploadURL = Redacted
		}
	}
	return c
}

// Encode writes s as indented JSON.
func Encode(w io.Writer, s *State) error {
	if s.Attachments == nil || s.Sessions == nil {
		s = s.Clone()
		if s.Attachments == nil {
			s.Attachments = []Attachment{}
		}
		if s.Sessions == nil {
			s.Sessions = []Session{}
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

// Decode reads a state and checks what a later run relies on.
func Decode(r io.Reader) (*State, error) {
	var s State
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("decode state: %w", err)
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	return &s, nil
}

func (s *State) check() error {
	switch {
	case s.Version == 0:
		return fmt.Errorf("decode state: no version: this is not an attachform state file")
	case s.Version > FormatVersion:
		return fmt.Errorf("decode state: format version %d is newer than this attachform understands (%d): upgrade attachform", s.Version, FormatVersion)
	case s.Lineage == "":
		return fmt.Errorf("decode state: no lineage")
	}
	// Version 1 differs only by lacking intents and session IDs: read it
	// as the current one.
	s.Version = FormatVersion
	for i := range s.Sessions {
		if s.Sessions[i].ID == "" {
			s.Sessions[i].ID = SessionID(s.Sessions[i].UploadURL)
		}
	}
	for _, x := range s.Intents {
		if x.ID == "" {
			return fmt.Errorf("decode state: an intent for %s has no id", x.Address)
		}
	}
	if !slices.IsSortedFunc(s.Attachments, func(a, b Attachment) int { return strings.Compare(a.Address, b.Address) }) {
		slices.SortFunc(s.Attachments, func(a, b Attachment) int { return strings.Compare(a.Address, b.Address) })
	}
	for i := 1; i < len(s.Attachments); i++ {
		if s.Attachments[i].Address == s.Attachments[i-1].Address {
			return fmt.Errorf("decode state: %s appears twice", s.Attachments[i].Address)
		}
	}
	return nil
}
