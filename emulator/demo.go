package emulator

import (
	"encoding/json"
	"time"
)

// The demo mailbox seeded by Options.Demo on a fresh store. Manifests find
// its items by these names ($filter=subject eq '…', displayName, title),
// never by pasting ids; the ids stay stable because they are persisted.
const (
	DemoMailbox        = "demo@contoso.example"
	DemoMessageSubject = "Welcome to attachform"
	DemoEventSubject   = "Quarterly all hands"
	DemoListName       = "Onboarding"
	DemoTaskTitle      = "Read the handbook"
)

// demoRecord remembers the demo items' ids.
type demoRecord struct {
	MessageID string `json:"messageId"`
	EventID   string `json:"eventId"`
	ListID    string `json:"listId"`
	TaskID    string `json:"taskId"`
}

func seedDemo(st *store, now time.Time) {
	mb := st.findMailbox(DemoMailbox)
	if mb == nil {
		mb = st.addMailbox(DemoMailbox)
	}
	raw := func(v any) json.RawMessage { b, _ := json.Marshal(v); return b }

	msg := st.newItem(kindMessage, DemoMessageSubject, map[string]json.RawMessage{
		"body":       raw(map[string]string{"contentType": "text", "content": "A draft to try attachform on."}),
		"importance": raw("normal"),
	}, now)
	msg.FolderID = mb.findFolder("drafts").ID
	mb.Messages = append(mb.Messages, msg)

	start := now.Truncate(24 * time.Hour).Add(7*24*time.Hour + 15*time.Hour)
	ev := st.newItem(kindEvent, DemoEventSubject, map[string]json.RawMessage{
		"start": raw(map[string]string{"dateTime": start.Format("2006-01-02T15:04:05.0000000"), "timeZone": "UTC"}),
		"end":   raw(map[string]string{"dateTime": start.Add(time.Hour).Format("2006-01-02T15:04:05.0000000"), "timeZone": "UTC"}),
	}, now)
	mb.Events = append(mb.Events, ev)

	l := &todoList{ID: st.newID(prefixREST), DisplayName: DemoListName, WellKnown: "none"}
	task := st.newItem(kindTask, DemoTaskTitle, nil, now)
	task.ListID = l.ID
	l.Tasks = append(l.Tasks, task)
	mb.Lists = append(mb.Lists, l)

	st.meta.Demo = &demoRecord{MessageID: msg.ID, EventID: ev.ID, ListID: l.ID, TaskID: task.ID}
}
