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
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strconv"
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
	Address string   `json:"address"`
	Target  item.Ref `json:"target"`
	// TargetLabel is what people called the target item when this
	// attachment was uploaded or adopted (its subject or title), so that
	// show names it; for display only, absent in states written before it
	// was kept.
	TargetLabel item.Label `json:"target_label,omitzero"`
	ID          string     `json:"id"` // Graph attachment id
	// Descriptor is what was uploaded (or adopted): its digest and byte
	// count are of the uploaded content.
	Descriptor
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
	UploadURL  string    `json:"upload_url"`
	ExpiresAt  time.Time `json:"expires_at"`
	Confirmed  int64     `json:"confirmed"` // bytes the server acknowledged
	Descriptor           // what is being uploaded
	StartedAt  time.Time `json:"started_at"`
}

// Intent is a request about to create an attachment (a small POST, or the
// creation of an upload session), recorded durably before it is sent. The
// write that records the outcome removes it, so an intent that survives
// means Graph may hold an attachment nobody recorded: with this name and
// exactly these bytes, on this item.
type Intent struct {
	ID         string    `json:"id"`
	Address    string    `json:"address"`
	Target     item.Ref  `json:"target"`
	Descriptor           // what the request creates
	CreatedAt  time.Time `json:"created_at"`
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

// Records yields the address and item of everything the state records:
// attachments, deposed ones, interrupted uploads and announced creations.
func (s *State) Records() iter.Seq2[string, item.Ref] {
	return func(yield func(string, item.Ref) bool) {
		for _, a := range s.Attachments {
			if !yield(a.Address, a.Target) {
				return
			}
		}
		for _, a := range s.Deposed {
			if !yield(a.Address, a.Target) {
				return
			}
		}
		for _, x := range s.Sessions {
			if !yield(x.Address, x.Target) {
				return
			}
		}
		for _, x := range s.Intents {
			if !yield(x.Address, x.Target) {
				return
			}
		}
	}
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

// ErroredFile is where an apply whose last state write failed keeps the
// state it could not write, beside the manifests, as Terraform keeps
// errored.tfstate; .gitignore's *.state.json covers it. The workspace
// writes it and the views name it.
const ErroredFile = "errored.state.json"

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

// Encode writes s as indented JSON, its attachments in address order (as
// Decode requires).
func Encode(w io.Writer, s *State) error {
	sorted := slices.IsSortedFunc(s.Attachments, func(a, b Attachment) int { return strings.Compare(a.Address, b.Address) })
	if s.Attachments == nil || s.Sessions == nil || !sorted {
		s = s.Clone()
		slices.SortStableFunc(s.Attachments, func(a, b Attachment) int { return strings.Compare(a.Address, b.Address) })
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
		return nil, fmt.Errorf("decode state: %w", &jsonError{err})
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	return &s, nil
}

// check refuses a state a later run could not rely on: one from no known
// format version, without a lineage, or whose entries contradict each
// other (an address or a Graph id twice, entries out of order, an upload
// session or intent named twice). attachform never writes such a file: it
// was edited by hand, merged, or written by something else, and acting on
// it could delete the wrong attachment or lose track of one.
// jsonError describes a JSON decoding error without quoting the file: a
// state path can name any file, and its bytes must not reach a message.
// The cause stays reachable for errors.Is and errors.As.
type jsonError struct{ err error }

func (e *jsonError) Unwrap() error { return e.err }

func (e *jsonError) Error() string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(e.err, &syn):
		return fmt.Sprintf("not valid JSON (at byte %d): this is not an attachform state file", syn.Offset)
	case errors.As(e.err, &typ):
		kind, _, _ := strings.Cut(typ.Value, " ") // "number 5" names its value
		return fmt.Sprintf("%s holds a JSON %s where %s belongs (at byte %d)", fieldName(typ.Field), kind, typ.Type, typ.Offset)
	case errors.Is(e.err, io.EOF), errors.Is(e.err, io.ErrUnexpectedEOF):
		return "the file is empty or ends early"
	}
	msg := e.err.Error()
	if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return fmt.Sprintf("unknown field %s: this attachform does not know it", fieldName(strings.Trim(name, `"`)))
	}
	return "not an attachform state file"
}

// fieldName quotes a JSON field name when it looks like one, and stays
// silent otherwise (the name is the file's text).
func fieldName(name string) string {
	if name == "" {
		return "the file"
	}
	if len(name) > 40 || strings.ContainsFunc(name, func(r rune) bool {
		return !(r == '_' || r == '.' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) {
		return "a field"
	}
	return strconv.Quote(name)
}

func (s *State) check() error {
	switch {
	case s.Version == 0:
		return fmt.Errorf("decode state: no version: this is not an attachform state file")
	case s.Version < 0:
		return fmt.Errorf("decode state: format version %d is not one attachform ever wrote (1 to %d)", s.Version, FormatVersion)
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
	const fix = "the file was edited by hand, merged, or written by another program; restore it from its .backup, or correct it"
	ids := map[string]string{} // Graph id → the address that owns it
	owns := func(kind string, a Attachment) error {
		switch {
		case a.Address == "":
			return fmt.Errorf("decode state: %s attachment without an address: %s", kind, fix)
		case a.ID == "":
			return fmt.Errorf("decode state: %s has no Graph attachment id: %s", a.Address, fix)
		case a.Bytes < 0 || a.ReportedSize < 0:
			return fmt.Errorf("decode state: %s has a negative size: %s", a.Address, fix)
		}
		if prev, dup := ids[a.ID]; dup {
			return fmt.Errorf("decode state: %s and %s (%s) are the same Graph attachment (one id for both): %s", prev, a.Address, kind, fix)
		}
		ids[a.ID] = a.Address
		return nil
	}
	for i, a := range s.Attachments {
		if i > 0 {
			switch prev := s.Attachments[i-1].Address; {
			case a.Address == prev:
				return fmt.Errorf("decode state: %s appears twice", a.Address)
			case a.Address < prev:
				return fmt.Errorf("decode state: the attachments are not in address order (%s after %s): %s", a.Address, prev, fix)
			}
		}
		if err := owns("managed", a); err != nil {
			return err
		}
	}
	for _, a := range s.Deposed {
		if err := owns("deposed", a); err != nil {
			return err
		}
	}
	sessions := map[string]bool{}
	for _, x := range s.Sessions {
		switch {
		case sessions[x.ID]:
			return fmt.Errorf("decode state: the upload session %s of %s appears twice: %s", x.ID, x.Address, fix)
		case x.UploadURL == "":
			return fmt.Errorf("decode state: the upload session %s of %s has no upload URL: %s", x.ID, x.Address, fix)
		case x.Bytes < 0 || x.Confirmed < 0 || x.Confirmed > x.Bytes:
			return fmt.Errorf("decode state: the upload session %s of %s confirms %d of %d bytes: %s", x.ID, x.Address, x.Confirmed, x.Bytes, fix)
		}
		sessions[x.ID] = true
	}
	intents := map[string]bool{}
	for _, x := range s.Intents {
		switch {
		case x.ID == "":
			return fmt.Errorf("decode state: an intent for %s has no id", x.Address)
		case intents[x.ID]:
			return fmt.Errorf("decode state: the intent %s for %s appears twice: %s", x.ID, x.Address, fix)
		}
		intents[x.ID] = true
	}
	return nil
}
