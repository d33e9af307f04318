package item

import "slices"

// The kinds' table. Everything the program knows about a kind is its
// entry in definitions: spec builds the target block's arguments and the
// data sources from it, graph the paths, lookups and labels, plan the
// data sources' lookups. No other package decides by a kind's name (the
// emulator, a Graph of its own, keeps its own table: emulator/kinds.go);
// "Adding an item kind" in docs/development.md lists what a new one
// touches.

// The kinds. The spelling is the manifest's (the target's argument and
// the data source) and the state's: it never changes once released.
const (
	Message  Kind = "message"
	Event    Kind = "event"
	TodoTask Kind = "todo_task"
)

// Owner is who the mailbox an item lives in belongs to. It says what
// Ref.Mailbox names and where the item's path starts.
type Owner string

const (
	// User: Ref.Mailbox is a user's id or userPrincipalName ("me" is the
	// signed-in user); the item is under /users/{mailbox} (or /me).
	User Owner = "user"
	// Group: Ref.Mailbox is a Microsoft 365 group's object id; the item is
	// in the group's mailbox, under /groups/{id}. Graph's Outlook limits
	// are per mailbox, so the group's id keys them as a user's does.
	Group Owner = "group"
)

// naming is how manifests name an owner: its argument, and what the
// argument takes.
type naming struct{ argument, namedBy string }

// owners says of each owner how manifests name it.
var owners = map[Owner]naming{
	User:  {"mailbox", "the user's principal name (ops@contoso.com) or object id"},
	Group: {"group", "the group's object id"},
}

// naming is o's entry in owners; the zero Owner (a target that names no
// kind yet) is named as a user's mailbox.
func (o Owner) naming() naming {
	if n, ok := owners[o]; ok {
		return n
	}
	return owners[User]
}

// Argument is the target's and the data sources' argument that names the
// owner: "mailbox" for a user's.
func (o Owner) Argument() string { return o.naming().argument }

// NamedBy says what the owner's argument takes, in a diagnostic about a
// value that is not one: "the user's principal name (ops@contoso.com) or
// object id".
func (o Owner) NamedBy() string { return o.naming().namedBy }

// Collection is where Graph keeps the items of one kind (or the parents
// of one kind, such as To Do lists), and how a data source finds them.
type Collection struct {
	// Path is the collection below its owner or parent, as Graph's
	// documentation spells it: "messages", "todo/lists", "tasks".
	Path string
	// LabelProperty is the property people know an item by: a lookup and
	// a refresh $select it ("subject", "title", "displayName").
	LabelProperty string
	// Data and Plural are the data source kinds that search the
	// collection: Data must find exactly one item, Plural any number.
	Data, Plural string
	// By is the data source's argument that chooses items: "filter" is an
	// OData $filter, passed as written; any other ("name", "title") is a
	// value LabelProperty must equal.
	By string
	// Top is the $top of a lookup's pages; 0 leaves Graph's default.
	Top int
}

// Parent is the container an item is addressed within, below its owner's
// mailbox: a To Do task's list. Ref.ListID holds its id, and the data
// sources that search the kind take it as list_id.
type Parent struct {
	Collection
	Argument string // the target's argument naming it: "todo_list"
	Label    string // for people: "To Do list"
	Noun     string // in a sentence about the item in it: "list"
	// Why says, in the diagnostic for a target that names the item without
	// it, why it is required: "Graph addresses a task within its list".
	Why string
}

// Definition is one kind's entry in the table.
type Definition struct {
	Kind Kind
	Traits
	Owner Owner
	// Collection is where the kind's items are, below the owner or the
	// parent; its Data is the kind's manifest spelling as a data source.
	Collection
	// Noun names the item in a sentence about its parent: "task".
	Noun string
	// Parent is the container the item is addressed within; nil when the
	// item is directly in its owner's mailbox.
	Parent *Parent
}

// todoList is the To Do list a task is in.
var todoList = &Parent{
	Collection: Collection{Path: "todo/lists", LabelProperty: "displayName", Data: "todo_list", Plural: "todo_lists", By: "name"},
	Argument:   "todo_list", Label: "To Do list", Noun: "list",
	Why: "Graph addresses a task within its list",
}

// definitions is the table, in the order people read the kinds.
var definitions = []Definition{
	{
		Kind:  Message,
		Owner: User,
		Traits: Traits{
			Label: "message", Service: Outlook, Permission: "Mail.ReadWrite",
			Items: "messages", ReadPermission: "Mail.Read or Mail.ReadWrite",
			SmallMax: 3 * MiB, SessionMin: 3 * MiB, MaxBytes: 150 * MiB, MaxRange: 4*MiB - 1, SharesMessageSize: true,
			PreAuthenticatedUploadURL: true, SessionParameter: "AttachmentItem",
			ODataType: "#microsoft.graph.fileAttachment", Inline: true, AppOnlyWrites: true,
		},
		Collection: Collection{Path: "messages", LabelProperty: "subject", Data: "message", Plural: "messages", By: "filter", Top: 100},
		Noun:       "message",
	},
	{
		Kind:  Event,
		Owner: User,
		Traits: Traits{
			Label: "event", Service: Outlook, Permission: "Calendars.ReadWrite",
			Items: "events", ReadPermission: "Calendars.Read or Calendars.ReadWrite",
			SmallMax: 3 * MiB, SessionMin: 3 * MiB, MaxBytes: 150 * MiB, MaxRange: 4*MiB - 1, SharesMessageSize: true,
			PreAuthenticatedUploadURL: true, SessionParameter: "AttachmentItem",
			ODataType: "#microsoft.graph.fileAttachment", Inline: true, AppOnlyWrites: true,
		},
		Collection: Collection{Path: "events", LabelProperty: "subject", Data: "event", Plural: "events", By: "filter", Top: 100},
		Noun:       "event",
	},
	{
		Kind:  TodoTask,
		Owner: User,
		Traits: Traits{
			Label: "To Do task", Service: Todo, Permission: "Tasks.ReadWrite",
			Items: "To Do tasks", ReadPermission: "Tasks.Read", ReadItems: "To Do",
			SmallMax: 3 * MiB, SessionMin: 1, MaxBytes: 25 * MiB, MaxRange: 4 * MiB,
			RangeSuffix: "/content", SessionParameter: "attachmentInfo",
			ODataType: "#microsoft.graph.taskFileAttachment",
		},
		Collection: Collection{Path: "tasks", LabelProperty: "title", Data: "todo_task", Plural: "todo_tasks", By: "title"},
		Noun:       "task",
		Parent:     todoList,
	},
}

// byKind indexes definitions; Traits.InList is set from Parent here, so
// the two cannot disagree.
var byKind = func() map[Kind]Definition {
	m := make(map[Kind]Definition, len(definitions))
	for i := range definitions {
		d := &definitions[i]
		d.InList = d.Parent != nil
		m[d.Kind] = *d
	}
	return m
}()

// Definitions returns the table, in the order people read the kinds.
func Definitions() []Definition { return append([]Definition(nil), definitions...) }

// Definition returns k's entry; false for a kind the table lacks.
func (k Kind) Definition() (Definition, bool) {
	d, ok := byKind[k]
	return d, ok
}

// Parents lists the kinds' parents, each once, in the kinds' order.
func Parents() []*Parent {
	var out []*Parent
	for _, d := range definitions {
		if d.Parent != nil && !containsParent(out, d.Parent) {
			out = append(out, d.Parent)
		}
	}
	return out
}

func containsParent(ps []*Parent, p *Parent) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}

// DataSource is one data source that searches a kind's collection or a
// parent's: "message", "messages", "todo_list", … (the people's data
// sources, group and users, are spec's: they find no item).
type DataSource struct {
	Name   string // its manifest spelling
	Plural bool   // finds any number of items, where the singular needs one
	Owner  Owner
	Collection
	// In is the parent whose id (list_id) the search is within; nil when
	// the collection is the owner's.
	In *Parent
	// Kind is the item kind found; "" when it finds parents.
	Kind Kind
	// Parent is the parent found; nil when it finds items.
	Parent *Parent
}

// Arguments are the data source's arguments, all required: the owner's,
// the parent's id, then the one that chooses.
func (s DataSource) Arguments() []string {
	args := []string{s.Owner.Argument()}
	if s.In != nil {
		args = append(args, "list_id")
	}
	return append(args, s.By)
}

// Label names what the data source finds for people: "message", "To Do list".
func (s DataSource) Label() string {
	if s.Parent != nil {
		return s.Parent.Label
	}
	return s.Kind.String()
}

// DataSources lists every data source of the table: each kind's parent's
// (before the kind's), then the kind's, singular before plural.
func DataSources() []DataSource { return slices.Clone(dataSources) }

// dataSources and dataSourceNamed are the table's data sources, worked
// out once: spec asks for one by name for every data block it evaluates,
// and a tenant's manifests have thousands.
var (
	dataSources     = DataSourcesOf(definitions)
	dataSourceNamed = indexDataSources(dataSources)
)

func indexDataSources(all []DataSource) map[string]DataSource {
	m := make(map[string]DataSource, len(all))
	for _, s := range all {
		if _, dup := m[s.Name]; !dup {
			m[s.Name] = s
		}
	}
	return m
}

// DataSourcesOf lists the data sources of the kinds defs, in the order
// DataSources lists the table's: for words built from a table handed in
// (item's in the program, a fixed one in a test).
func DataSourcesOf(defs []Definition) []DataSource {
	var out []DataSource
	seen := map[*Parent]bool{}
	add := func(s DataSource) {
		out = append(out, s)
		s.Name, s.Plural = s.Collection.Plural, true
		out = append(out, s)
	}
	for _, d := range defs {
		if p := d.Parent; p != nil && !seen[p] {
			seen[p] = true
			add(DataSource{Name: p.Data, Owner: d.Owner, Collection: p.Collection, Parent: p})
		}
		add(DataSource{Name: d.Data, Owner: d.Owner, Collection: d.Collection, In: d.Parent, Kind: d.Kind})
	}
	return out
}

// FindDataSource returns the data source spelled name; false when the
// table has none.
func FindDataSource(name string) (DataSource, bool) {
	s, ok := dataSourceNamed[name]
	return s, ok
}
