package item

import (
	"strings"
	"testing"
)

// Every kind's traits against the documented limits (graph-protocol.md,
// "Targets" and "Large files"; seeds/000–004).
func TestTraitsFollowTheDocumentation(t *testing.T) {
	tests := []struct {
		kind Kind
		want Traits
		doc  string
	}{
		{Message, Traits{SmallMax: 3 * MiB, SessionMin: 3 * MiB, MaxBytes: 150 * MiB, PreAuthenticatedUploadURL: true, Inline: true, AppOnlyWrites: true, SessionParameter: "AttachmentItem", Permission: "Mail.ReadWrite"},
			"Outlook: under 3 MB one POST, 3–150 MB a session, pre-authenticated upload URL"},
		{Event, Traits{SmallMax: 3 * MiB, SessionMin: 3 * MiB, MaxBytes: 150 * MiB, PreAuthenticatedUploadURL: true, Inline: true, AppOnlyWrites: true, SessionParameter: "AttachmentItem", Permission: "Calendars.ReadWrite"},
			"events are Outlook items: same limits as messages"},
		{TodoTask, Traits{SmallMax: 3 * MiB, SessionMin: 1, MaxBytes: 25 * MiB, PreAuthenticatedUploadURL: false, Inline: false, AppOnlyWrites: false, SessionParameter: "attachmentInfo", Permission: "Tasks.ReadWrite"},
			"To Do: up to 25 MB, a session for any size, the upload URL needs the bearer token, no app-only writes"},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			got := tt.kind.Traits()
			w := tt.want
			if got.SmallMax != w.SmallMax || got.SessionMin != w.SessionMin || got.MaxBytes != w.MaxBytes ||
				got.PreAuthenticatedUploadURL != w.PreAuthenticatedUploadURL || got.Inline != w.Inline ||
				got.AppOnlyWrites != w.AppOnlyWrites || got.SessionParameter != w.SessionParameter || got.Permission != w.Permission {
				t.Errorf("%s: traits %+v; documented: %s", tt.kind, got, tt.doc)
			}
			if got.MaxRange <= 0 || got.MaxRange > 4*MiB {
				t.Errorf("%s: a range of %d bytes; Graph takes at most 4 MB per PUT", tt.kind, got.MaxRange)
			}
			if got.Service == Outlook && got.MaxRange >= 4*MiB {
				t.Errorf("%s: Outlook ranges must stay under 4 MB", tt.kind)
			}
			if got.SmallMax > 4*MiB*3/4 {
				t.Errorf("%s: a POST of %d bytes would pass Graph's 4 MB request cap once base64-encoded", tt.kind, got.SmallMax)
			}
		})
	}
	for _, k := range Kinds() {
		if !k.Valid() || k.Traits().Label == "" || k.Traits().ODataType == "" {
			t.Errorf("%s: incomplete traits", k)
		}
	}
	if (Kind("onedrive_file")).Traits().MaxBytes != 0 {
		t.Error("an unknown kind must allow nothing")
	}
}

func TestParseKindAndRefs(t *testing.T) {
	for _, k := range Kinds() {
		if got, err := ParseKind(string(k)); err != nil || got != k {
			t.Errorf("ParseKind(%q) = %q, %v", k, got, err)
		}
	}
	if _, err := ParseKind("todo"); err == nil || !strings.Contains(err.Error(), "todo_task") {
		t.Errorf("ParseKind(todo) = %v; want an error listing the kinds", err)
	}
	for _, tc := range []struct {
		ref Ref
		ok  bool
	}{
		{Ref{Mailbox: "a@b", Kind: Message, ID: "M="}, true},
		{Ref{Mailbox: "a@b", Kind: TodoTask, ID: "T", ListID: "L"}, true},
		{Ref{Mailbox: "a@b", Kind: TodoTask, ID: "T"}, false},
		{Ref{Mailbox: "a@b", Kind: Event, ID: "E", ListID: "L"}, false},
		{Ref{Kind: Message, ID: "M="}, false},
		{Ref{Mailbox: "a@b", Kind: "group_post", ID: "P"}, false},
	} {
		if err := tc.ref.Check(); (err == nil) != tc.ok {
			t.Errorf("%v.Check() = %v, want ok=%v", tc.ref, err, tc.ok)
		}
	}
	a := Ref{Mailbox: "Ops@Contoso.com", Kind: Message, ID: "AbC="}
	b := Ref{Mailbox: "ops@contoso.com", Kind: Message, ID: "AbC="}
	if a.Key() != b.Key() || (Ref{Mailbox: "x", Kind: Message, ID: "abc="}).Key() == (Ref{Mailbox: "x", Kind: Message, ID: "ABC="}).Key() {
		t.Error("Key: mailboxes compare without case, ids with")
	}
}

// The table's entries agree with themselves: a kind's manifest spelling
// is its data source's, InList follows Parent, and every data source is
// found by its name.
func TestDefinitionsAgree(t *testing.T) {
	for _, d := range Definitions() {
		if d.Data != string(d.Kind) || d.Plural == "" || d.Path == "" || d.LabelProperty == "" || d.By == "" {
			t.Errorf("%s: incomplete entry %+v", d.Kind, d)
		}
		if got, ok := d.Kind.Definition(); !ok || got.InList != (d.Parent != nil) || d.Kind.Traits().InList != (d.Parent != nil) {
			t.Errorf("%s: InList %v with parent %v", d.Kind, got.InList, d.Parent)
		}
	}
	var names []string
	for _, s := range DataSources() {
		names = append(names, s.Name)
		if got, ok := FindDataSource(s.Name); !ok || got.Name != s.Name || got.Plural != s.Plural {
			t.Errorf("FindDataSource(%q) = %+v, %v", s.Name, got, ok)
		}
	}
	want := "message messages event events todo_list todo_lists todo_task todo_tasks"
	if strings.Join(names, " ") != want {
		t.Errorf("data sources %v, want %s", names, want)
	}
	task, _ := FindDataSource("todo_tasks")
	if strings.Join(task.Arguments(), ",") != "mailbox,list_id,title" || task.Label() != "To Do task" {
		t.Errorf("todo_tasks: arguments %v, label %q", task.Arguments(), task.Label())
	}
	list, _ := FindDataSource("todo_list")
	if strings.Join(list.Arguments(), ",") != "mailbox,name" || list.Label() != "To Do list" || list.Kind != "" {
		t.Errorf("todo_list: arguments %v, label %q", list.Arguments(), list.Label())
	}
	if _, ok := FindDataSource("group"); ok {
		t.Error("group is spec's data source, not a kind's")
	}
	if len(Parents()) != 1 || Parents()[0].Argument != "todo_list" {
		t.Errorf("parents %v", Parents())
	}
	if User.Argument() != "mailbox" || Group.Argument() != "group" {
		t.Error("owner arguments")
	}
}

// Every kind names its permissions for the 403 hints, and every owner
// says what its argument takes; the zero owner is a user's.
func TestAccessAndOwnersNamed(t *testing.T) {
	for _, d := range Definitions() {
		if d.Items == "" || d.ReadPermission == "" || d.Permission == "" || d.Noun == "" {
			t.Errorf("%s: permissions unnamed: %+v", d.Kind, d.Traits)
		}
		if d.Owner.NamedBy() == "" || d.Owner.Argument() == "" {
			t.Errorf("%s: owner %q unnamed", d.Kind, d.Owner)
		}
	}
	if Group.Argument() != "group" || Group.NamedBy() != "the group's object id" || Owner("").Argument() != "mailbox" {
		t.Errorf("owners: group %q, %q; zero %q", Group.Argument(), Group.NamedBy(), Owner("").Argument())
	}
	if !Message.Traits().Sessions() || (Traits{SmallMax: 3 * MiB, MaxBytes: 3*MiB - 1}).Sessions() {
		t.Error("Sessions: a kind takes upload sessions when some file it takes is too large for one POST")
	}
}
