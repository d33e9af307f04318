package state

// Descriptor is what an attachment is, apart from where it is and what
// Graph calls it: its name and content type, whether it is inline and its
// content id, and the digest and byte count of its bytes. The state's
// attachments, sessions and intents, a plan's desired attachments and
// sessions, and the saved plan's JSON all embed it, so its fields read as
// each embedding type's own, in Go and in JSON (where they keep their
// place among the others'), and one assignment copies all six.
//
// It has no methods: an embedded type's methods would become those of
// every type embedding it.
type Descriptor struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Inline      bool   `json:"inline,omitempty"`
	ContentID   string `json:"content_id,omitempty"`
	SHA256      string `json:"sha256"` // hex digest of the bytes
	Bytes       int64  `json:"bytes"`  // their count
}
