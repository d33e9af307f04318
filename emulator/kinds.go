package emulator

import (
	"encoding/json"
	"time"
)

// The emulator's kinds. Like the rest of the emulator they are written
// from Graph's documentation and share nothing with the client's table
// (item/kinds.go): a Graph of its own. Each kind's entry says where a
// mailbox keeps its items, how Graph serves them and what their JSON has
// of its own; the handlers read it instead of deciding by a kind's name.

// kind is the kind of item attachments live on.
type kind string

const (
	kindMessage kind = "message"
	kindEvent   kind = "event"
	kindTask    kind = "task"
)

// kindDef is one kind's entry.
type kindDef struct {
	// outlook: Outlook serves the items (fileAttachment with isInline
	// and contentId, item and reference attachments, immutable ids,
	// upload sessions on Outlook's REST origin); otherwise To Do does.
	outlook bool
	// collection is the items' segment in Graph's paths and in their
	// @odata.context: "messages".
	collection string
	// paths are the mailbox's paths that serve the collection, as
	// lower-case segments: {"messages"}, {"calendar", "events"}. A kind
	// with none is served within its parent (a task within its list).
	paths [][]string
	// files is what its file attachments are.
	files fileAttachments
	// label is the property the items are named by: "subject", "title".
	label string
	// uploadSet is the item's entity set in an Outlook upload URL (REST
	// v2.0, seeds/002): "Messages".
	uploadSet string
	// items is where a mailbox keeps the kind's items; nil for a kind
	// kept in its parent (a To Do task in its list).
	items func(mb *mailbox) *[]*item
	// inFolders: the items live in mail folders (a new one in drafts),
	// and move between them.
	inFolders bool
	// render sets the properties the kind's JSON has of its own.
	render func(it *item, v map[string]any)
	// appWritesDenied: Graph supports no application permission for
	// writing the kind's attachments; the words say so in the 403.
	appWritesDenied string
	// fixtures are a fixtures mailbox's items of the kind, declared in
	// blocks named as the kind ("message"); nil for a kind kept in its
	// parent (a task, declared in its list).
	fixtures func(fm *FixtureMailbox) *[]FixtureItem
	// fixtureProps are the properties an item made by fixtures starts with.
	fixtureProps func(now time.Time) map[string]json.RawMessage
}

// kinds is the table.
var kinds = map[kind]kindDef{
	// message resource: a draft (isDraft) in a mail folder
	// (parentFolderId); /users/{id}/messages and
	// /users/{id}/mailFolders/{id}/messages.
	kindMessage: {
		outlook: true, collection: "messages", paths: [][]string{{"messages"}}, label: "subject", uploadSet: "Messages",
		files:     outlookFiles,
		items:     func(mb *mailbox) *[]*item { return &mb.Messages },
		fixtures:  func(fm *FixtureMailbox) *[]FixtureItem { return &fm.Messages },
		inFolders: true,
		render: func(it *item, v map[string]any) {
			v["isDraft"] = true
			v["parentFolderId"] = it.FolderID
		},
		fixtureProps: func(time.Time) map[string]json.RawMessage {
			return map[string]json.RawMessage{
				"body":       rawJSON(map[string]string{"contentType": "text", "content": "Created by the emulator's fixtures."}),
				"importance": rawJSON("normal"),
			}
		},
	},
	// event resource: /users/{id}/events and /users/{id}/calendar/events.
	kindEvent: {
		outlook: true, collection: "events", paths: [][]string{{"events"}, {"calendar", "events"}}, label: "subject", uploadSet: "Events",
		files:    outlookFiles,
		items:    func(mb *mailbox) *[]*item { return &mb.Events },
		fixtures: func(fm *FixtureMailbox) *[]FixtureItem { return &fm.Events },
		fixtureProps: func(now time.Time) map[string]json.RawMessage {
			start := now.Truncate(24 * time.Hour).Add(7*24*time.Hour + 15*time.Hour)
			return map[string]json.RawMessage{
				"start": rawJSON(map[string]string{"dateTime": start.Format("2006-01-02T15:04:05.0000000"), "timeZone": "UTC"}),
				"end":   rawJSON(map[string]string{"dateTime": start.Add(time.Hour).Format("2006-01-02T15:04:05.0000000"), "timeZone": "UTC"}),
			}
		},
	},
	// todoTask resource: /users/{id}/todo/lists/{id}/tasks (todo.go);
	// status defaults to notStarted.
	kindTask: {
		collection: "tasks", label: "title", files: todoFiles,
		appWritesDenied: "To Do attachments cannot be written with application permissions: sign in as a user with Tasks.ReadWrite.",
		render: func(_ *item, v map[string]any) {
			if _, ok := v["status"]; !ok {
				v["status"] = "notStarted"
			}
		},
		fixtureProps: func(time.Time) map[string]json.RawMessage { return nil },
	},
}

// kindOrder is the table's order, for what walks it: routes, fixtures.
var kindOrder = []kind{kindMessage, kindEvent, kindTask}

func (k kind) def() kindDef { return kinds[k] }

func (k kind) outlook() bool { return kinds[k].outlook }

// label is the property a kind's items are named by: an Outlook item's
// subject (message, event resources), a To Do task's title (todoTask).
func (k kind) label() string { return kinds[k].label }

// collection is the segment of a kind's items in Graph's paths, and of
// their @odata.context.
func (k kind) collection() string { return kinds[k].collection }

func rawJSON(v any) json.RawMessage { b, _ := json.Marshal(v); return b }
