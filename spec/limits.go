package spec

// Limits of the manifest language and of a mailbox; each kind's own size
// limits are its item.Traits. Files are checked against them before any
// request, so that an upload cannot fail half-way for a reason known in
// advance.
const (
	// DefaultMaxMessageSize is Exchange Online's default maximum message
	// size; graph { max_message_size } overrides it.
	DefaultMaxMessageSize = 35 * MiB
	// MaxMessageSizeCeiling is the most administrators can raise it to.
	MaxMessageSizeCeiling = 150 * MiB
	// MaxNameLength is the longest attachment name, in UTF-16 code units,
	// that Outlook and Windows keep intact.
	MaxNameLength = 255
	// MaxContentIDLength bounds a content_id.
	MaxContentIDLength = 255
)

// EffectiveMaxMessageSize is the largest total of attachment bytes one
// Outlook item may hold: graph { max_message_size }, or Exchange Online's
// default.
func (g Graph) EffectiveMaxMessageSize() int64 {
	if g.MaxMessageSize > 0 {
		return g.MaxMessageSize
	}
	return DefaultMaxMessageSize
}
