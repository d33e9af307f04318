// Package spec turns attachment manifests (*.attach.hcl and *.attach.hcl.json)
// into a Config: the desired attachments, pure data. It reads files and nothing
// else; data sources are resolved through a DataResolver the caller supplies.
// Every user mistake is an hcl.Diagnostic with a Subject range on the token at
// fault and a Detail that says how to fix it.
package spec

import (
	"context"
	"github.com/attachform/attachform/internal/addrs"
	"github.com/attachform/attachform/item"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// Config is a loaded manifest. Load always returns a non-nil Config whose
// Files hold every parsed file, so diagnostics can be rendered with snippets.
type Config struct {
	Dir         string               // absolute config directory
	Files       map[string]*hcl.File // by file name as it appears in diagnostics
	Graph       Graph
	Backend     Backend
	Targets     []*Target     // sorted by Name
	Attachments []*Attachment // sorted by Address
	Moved       []Moved
	Imports     []Import
	// DataSources is how many data blocks the manifests declare: a plan
	// loads them again with a DataResolver (offline, a for_each over a
	// data source has no instances yet, so no target says it is unknown).
	DataSources int
	// Unconfigured are import blocks into an attachment no block declares,
	// kept (instead of reported) when LoadOptions.GenerateConfig asks for
	// the blocks to be generated.
	Unconfigured []Import
	// Sensitive names the variables declared sensitive: their values stay
	// out of what is shown or kept (a saved plan keeps no -var of them).
	Sensitive map[string]bool
}

// Graph is the graph block: where and how to reach Microsoft Graph.
type Graph struct {
	Endpoint string // "" = the cloud's Graph endpoint; "emulator" = the embedded emulator
	Cloud    string // global (default), usgov, usgov_dod, china
	TenantID string
	ClientID string
	Auth     string // "" = the default credential chain

	MailboxConcurrency  int      // 0 = default
	MailboxRequestLimit Rate     // zero = default
	MailboxUploadLimit  ByteRate // zero = default
	MaxMessageSize      int64    // bytes; 0 = default

	// Bounds on a misbehaving Graph (see graph.Bounds); 0 = the client's
	// defaults.
	MaxRetryAfter time.Duration // a longer Retry-After ends the change instead of waiting
	IdleTimeout   time.Duration // an attempt in which nothing moved this long fails

	// The mass-destroy guard: a plan deleting or replacing more than this
	// share of the managed attachments (once at least the minimum are
	// managed) fails without -allow-mass-destroy; 0 = plan's defaults.
	MassDestroyThreshold float64
	MassDestroyMinimum   int
}

// Rate is N events per period.
type Rate struct {
	N   int
	Per time.Duration
}

// ByteRate is Bytes per period.
type ByteRate struct {
	Bytes int64
	Per   time.Duration
}

// Backend is the backend block, merged with -backend-config values.
type Backend struct {
	Type      string            // a type of the backend registry (state/backends); "" = none declared
	Attrs     map[string]string // e.g. path; container_name, key
	DeclRange hcl.Range
}

// Target names one Graph item that attachments go on.
type Target struct {
	Name string // NAME, or NAME["key"] / NAME[0] for an instance
	// Item is the item: its ids are "" when Unknown.
	Item      item.Ref
	Unknown   bool // the ids come from data sources not resolved (offline validate)
	Exclusive bool // undeclared attachments on the item are deleted
	DeclRange hcl.Range

	addr addrs.Address // set by Load; see Address
}

// Attachment is one desired file attachment.
type Attachment struct {
	Address     string // attachment.agenda or attachment.handbook["intro.pdf"]
	Target      *Target
	Source      string // absolute path, symlinks resolved
	Size        int64  // bytes of Source when loaded
	Name        string // default: base name of Source
	ContentType string // default: detected from the name, then the content
	Inline      bool
	ContentID   string

	PreventDestroy bool
	// CreateBeforeDestroy is nil when the manifest leaves the choice to the
	// planner (which defaults to create-before-destroy).
	CreateBeforeDestroy *bool

	DeclRange hcl.Range
}

// Moved renames an address without re-uploading.
type Moved struct {
	From, To  string
	DeclRange hcl.Range
}

// Import adopts an existing attachment (ID as understood by the planner) at To.
type Import struct {
	To, ID    string
	DeclRange hcl.Range
}

// LoadOptions carries what comes from outside the manifest.
type LoadOptions struct {
	Vars     []string // -var name=value, in command-line order
	VarFiles []string // -var-file paths, in order
	// VarArgs are -var and -var-file options in command-line order, applied
	// after Vars and VarFiles; the CLI uses this so a later option wins.
	VarArgs             []VarArg
	Environ             []string // os.Environ()-style; ATTACHFORM_VAR_name=value is read from it
	BackendConfig       []string // -backend-config key=value
	AllowOutsideSources bool     // -allow-outside-sources; a manifest can never grant this itself
	// GenerateConfig (plan -generate-config-out) keeps an import block into
	// an undeclared attachment, unkeyed, in Config.Unconfigured rather
	// than reporting it: its attachment block is what will be generated.
	GenerateConfig bool
	// Data resolves data sources. Nil means offline (validate): data source
	// attributes are unknown and checks that need them are skipped.
	Data DataResolver
}

// VarArg is one -var (NAME=VALUE) or -var-file (a path) option.
type VarArg struct {
	File  bool
	Value string
}

// DataResolver looks items up in Graph for data blocks.
type DataResolver interface {
	// Lookup returns every item matching q; spec requires exactly one and
	// reports zero or several as a diagnostic listing what was found.
	Lookup(ctx context.Context, q DataQuery) ([]DataItem, error)
}

// DataQuery is one data block's question.
type DataQuery struct {
	Kind    string // message, event, todo_list, todo_task, their plurals, group, users
	Mailbox string
	Filter  string // message(s), event(s): an OData $filter; users: a directory $filter
	Name    string // todo_list(s), group: display name
	Title   string // todo_task(s): title
	ListID  string // todo_task(s): the list to search
	ID      string // group: the group's object id (instead of Name)
}

// DataItem is one match: its id and a label a person recognises.
type DataItem struct {
	ID    string
	Label string // subject, display name, title; a user's userPrincipalName
	// Members are a group's transitive user members' userPrincipalNames
	// (kind group, when exactly one group matched).
	Members []string
}
