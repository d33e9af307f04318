package spec

// Graph's limits, as documented for attachments. Files are checked against
// them before any request, so that an upload cannot fail half-way for a
// reason known in advance.
const (
	// OutlookMaxBytes is the largest file an Outlook message or event takes.
	OutlookMaxBytes = 150 * MiB
	// OutlookSmallMax: files strictly smaller go in one POST; files from
	// this size up to OutlookMaxBytes need an upload session.
	OutlookSmallMax = 3 * MiB
	// TodoMaxBytes is the largest file a To Do task takes.
	TodoMaxBytes = 25 * MiB
	// DefaultMaxMessageSize is Exchange Online's default maximum message
	// size; graph { max_message_size } overrides it.
	DefaultMaxMessageSize = 35 * MiB
	// MaxNameLength is the longest attachment name, in UTF-16 code units,
	// that Outlook and Windows keep intact.
	MaxNameLength = 255
	// MaxContentIDLength bounds a content_id.
	MaxContentIDLength = 255
)

// MaxBytes is the largest file an item of kind takes.
func (k Kind) MaxBytes() int64 {
	if k == KindTodoTask {
		return TodoMaxBytes
	}
	return OutlookMaxBytes
}

// String names the kind for people: "message", "event", "To Do task".
func (k Kind) String() string {
	if k == KindTodoTask {
		return "To Do task"
	}
	return string(k)
}

// EffectiveMaxMessageSize is the largest total of attachment bytes one
// Outlook item may hold: graph { max_message_size }, or Exchange Online's
// default.
func (g Graph) EffectiveMaxMessageSize() int64 {
	if g.MaxMessageSize > 0 {
		return g.MaxMessageSize
	}
	return DefaultMaxMessageSize
}
