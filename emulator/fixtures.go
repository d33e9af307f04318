package emulator

import (
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"
	"github.com/zclconf/go-cty/cty"
)

// Fixtures are mailboxes and the items in them, created when a Server
// starts (Options.Fixtures), so that a dry run of real manifests finds by
// subject, name and title what their data sources look for. The file
// format is in the package doc ("Fixtures"); LoadFixtures reads one.
type Fixtures struct {
	Mailboxes []FixtureMailbox
	Groups    []FixtureGroup
}

// FixtureMailbox is one mailbox, named by its UPN, and what it holds.
type FixtureMailbox struct {
	UPN         string
	DisplayName string // "" = the UPN
	Department  string
	// PolicyDenied: an application access policy leaves the mailbox out
	// (its messages and events answer 403 to application tokens).
	PolicyDenied bool
	Messages     []FixtureItem // drafts unless Folder says otherwise
	Events       []FixtureItem
	Lists        []FixtureList
}

// FixtureList is a To Do list, found by its display name; the mailbox's
// default list "Tasks" is reused when named.
type FixtureList struct {
	Name  string
	Tasks []FixtureItem
}

// FixtureItem is a message, an event or a To Do task.
type FixtureItem struct {
	Subject     string // a task's title
	Folder      string // messages only: a well-known folder; "" = drafts
	Attachments []FixtureAttachment

	decl hcl.Range // where the file declares it; zero when built in Go
}

// FixtureAttachment is a file already attached to an item at start, or,
// with Kind, an attachment of another type that Outlook users create and
// Graph v1.0 cannot: a link to a cloud file.
type FixtureAttachment struct {
	// Kind is "" (a file), "item" (an Outlook item; Content is unused) or
	// "reference" (a link to a cloud file; Content is unused).
	Kind        string
	Name        string
	ContentType string // "" = from the name, else sniffed, as Graph does
	Content     []byte
}

// FixturesSuffixJSON: a fixtures file whose name ends in it is read in
// HCL's JSON syntax; any other name in HCL's native syntax.
const FixturesSuffixJSON = ".json"

// maxFixtureFile refuses source files larger than any attachment Graph
// takes before reading them.
const maxFixtureFile = outlookMaxAttachment

// LoadFixtures reads a fixtures file and the attachment sources it names
// (relative to the file's directory). Files maps file names to the parsed
// file, for rendering diagnostics with snippets; it is non-nil whenever the
// file could be read. Any error diagnostic means the fixtures must not be
// used.
func LoadFixtures(path string) (*Fixtures, map[string]*hcl.File, hcl.Diagnostics) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read the fixtures file",
			Detail:   err.Error(),
		}}
	}
	dir := filepath.Dir(path)
	readFile := func(name string) ([]byte, error) {
		if !filepath.IsAbs(name) {
			name = filepath.Join(dir, name)
		}
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return nil, err
		}
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("%s is not a regular file", name)
		}
		if fi.Size() > maxFixtureFile {
			return nil, fmt.Errorf("%s has %d bytes, more than any attachment Graph takes (150 MB)", name, fi.Size())
		}
		return io.ReadAll(io.LimitReader(f, maxFixtureFile+1))
	}
	fx, file, diags := ParseFixtures(path, src, readFile)
	files := map[string]*hcl.File{}
	if file != nil {
		files[path] = file
	}
	return fx, files, diags
}

// Schemas of the fixtures file, block by block.
var (
	fixturesRootSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "mailbox", LabelNames: []string{"user principal name"}},
		{Type: "group", LabelNames: []string{"display name"}},
	}}
	fixturesMailboxSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "display_name"}, {Name: "department"}, {Name: "blocked_by_access_policy"}},
		Blocks:     append(fixtureItemBlocks(), hcl.BlockHeaderSchema{Type: "todo_list", LabelNames: []string{"name"}}),
	}
	fixturesMessageSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "folder"}},
		Blocks:     []hcl.BlockHeaderSchema{{Type: "attachment", LabelNames: []string{"name"}}},
	}
	fixturesItemSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "attachment", LabelNames: []string{"name"}},
	}}
	fixturesListSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "todo_task", LabelNames: []string{"title"}},
	}}
	fixturesAttachmentSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "source"},
		{Name: "content_type"},
		{Name: "kind"},
	}}
)

// fixtureItemBlocks are a mailbox's blocks of the kinds it keeps itself,
// named as the kind and labelled with its label property: message
// "subject", event "subject".
func fixtureItemBlocks() []hcl.BlockHeaderSchema {
	var out []hcl.BlockHeaderSchema
	for _, k := range kindOrder {
		if k.def().fixtures != nil {
			out = append(out, hcl.BlockHeaderSchema{Type: string(k), LabelNames: []string{k.label()}})
		}
	}
	return out
}

// ParseFixtures reads fixtures from src, named filename in diagnostics
// (HCL's JSON syntax when it ends in FixturesSuffixJSON). readFile returns
// an attachment's content given its source attribute as written. All
// problems are reported, not only the first; the returned Fixtures are nil
// when there is any error.
func ParseFixtures(filename string, src []byte, readFile func(source string) ([]byte, error)) (*Fixtures, *hcl.File, hcl.Diagnostics) {
	var file *hcl.File
	var diags hcl.Diagnostics
	if strings.HasSuffix(filename, FixturesSuffixJSON) {
		file, diags = hcljson.Parse(src, filename)
	} else {
		file, diags = hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	}
	if diags.HasErrors() || file == nil {
		return nil, file, diags
	}
	p := &fixtureParser{readFile: readFile, diags: diags}
	fx := p.root(file.Body)
	if p.diags.HasErrors() {
		return nil, file, p.diags
	}
	return fx, file, p.diags
}

type fixtureParser struct {
	readFile func(string) ([]byte, error)
	diags    hcl.Diagnostics
}

func (p *fixtureParser) errorf(rng *hcl.Range, summary, format string, args ...any) {
	p.diags = append(p.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: rng})
}

// seen reports a name declared twice in one scope. Names compare as Graph's
// $filter eq compares them, ignoring case: a data source would find both.
type seen map[string]hcl.Range

func (p *fixtureParser) duplicate(s seen, what, name string, b *hcl.Block) bool {
	key := strings.ToLower(name)
	if first, ok := s[key]; ok {
		p.errorf(b.LabelRanges[0].Ptr(), "Duplicate "+what,
			"%s %q is already declared at %s. Data sources must find exactly one item by name, so each name appears once in its scope (names compare ignoring case, as Graph's $filter does).",
			upperFirst(what), name, first.String())
		return true
	}
	s[key] = b.DefRange
	return false
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// label returns block b's label, refusing a blank one.
func (p *fixtureParser) label(b *hcl.Block, what string) (string, bool) {
	v := b.Labels[0]
	if strings.TrimSpace(v) == "" {
		p.errorf(b.LabelRanges[0].Ptr(), "Empty "+what, "A %s block needs a non-empty %s label.", b.Type, what)
		return "", false
	}
	return v, true
}

func (p *fixtureParser) content(body hcl.Body, schema *hcl.BodySchema) *hcl.BodyContent {
	c, diags := body.Content(schema)
	p.diags = append(p.diags, diags...)
	return c
}

func (p *fixtureParser) root(body hcl.Body) *Fixtures {
	fx := &Fixtures{}
	c := p.content(body, fixturesRootSchema)
	boxes := seen{}
	var groups []*hcl.Block
	for _, b := range c.Blocks {
		if b.Type == "group" {
			groups = append(groups, b)
			continue
		}
		upn, ok := p.label(b, "user principal name")
		if !ok {
			continue
		}
		if !validUPN(upn) {
			p.errorf(b.LabelRanges[0].Ptr(), "Invalid mailbox",
				"%q is not a user principal name. Name a mailbox as manifests do, like \"ops@contoso.com\": one @, no spaces, slashes or quotes.", upn)
			continue
		}
		if p.duplicate(boxes, "mailbox", upn, b) {
			continue
		}
		fx.Mailboxes = append(fx.Mailboxes, p.mailbox(upn, b.Body))
	}
	fx.Groups = p.groups(groups, boxes)
	return fx
}

func validUPN(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && domain != "" && !strings.ContainsAny(s, " \t\r\n/\\?#%'\"") && !strings.Contains(domain, "@")
}

func (p *fixtureParser) mailbox(upn string, body hcl.Body) FixtureMailbox {
	mb := FixtureMailbox{UPN: upn}
	c := p.content(body, fixturesMailboxSchema)
	if a := c.Attributes["display_name"]; a != nil {
		mb.DisplayName, _ = p.str(a)
	}
	if a := c.Attributes["department"]; a != nil {
		mb.Department, _ = p.str(a)
	}
	if a := c.Attributes["blocked_by_access_policy"]; a != nil {
		mb.PolicyDenied = p.boolean(a)
	}
	items, lists := map[kind]seen{}, seen{}
	for _, b := range c.Blocks {
		if k := kind(b.Type); k.def().fixtures != nil {
			if items[k] == nil {
				items[k] = seen{}
			}
			subject, ok := p.label(b, k.label())
			if ok && !p.duplicate(items[k], string(k), subject, b) {
				fixtures := k.def().fixtures(&mb)
				*fixtures = append(*fixtures, p.item(b, subject, k))
			}
			continue
		}
		if b.Type == "todo_list" {
			name, ok := p.label(b, "name")
			if ok && !p.duplicate(lists, "To Do list", name, b) {
				mb.Lists = append(mb.Lists, p.list(name, b.Body))
			}
		}
	}
	return mb
}

func (p *fixtureParser) list(name string, body hcl.Body) FixtureList {
	l := FixtureList{Name: name}
	c := p.content(body, fixturesListSchema)
	tasks := seen{}
	for _, b := range c.Blocks {
		title, ok := p.label(b, "title")
		if ok && !p.duplicate(tasks, "To Do task", title, b) {
			l.Tasks = append(l.Tasks, p.item(b, title, kindTask))
		}
	}
	return l
}

func (p *fixtureParser) item(b *hcl.Block, subject string, k kind) FixtureItem {
	it := FixtureItem{Subject: subject, decl: b.DefRange}
	schema := fixturesItemSchema
	if k.def().inFolders {
		schema = fixturesMessageSchema
	}
	c := p.content(b.Body, schema)
	if a := c.Attributes["folder"]; a != nil {
		if folder, ok := p.str(a); ok {
			if !wellKnownFolder(folder) {
				p.errorf(a.Expr.Range().Ptr(), "Unknown folder",
					"%q is not a well-known mail folder. Use one of %s; without folder, the message is a draft in drafts.", folder, strings.Join(wellKnownFolderNames(), ", "))
			} else {
				it.Folder = strings.ToLower(folder)
			}
		}
	}
	names := seen{}
	for _, ab := range c.Blocks {
		name, ok := p.label(ab, "name")
		if !ok || p.duplicate(names, "attachment", name, ab) {
			continue
		}
		if a, ok := p.attachment(name, ab, k); ok {
			it.Attachments = append(it.Attachments, a)
		}
	}
	return it
}

func (p *fixtureParser) attachment(name string, b *hcl.Block, k kind) (FixtureAttachment, bool) {
	a := FixtureAttachment{Name: name}
	c := p.content(b.Body, fixturesAttachmentSchema)
	if attr := c.Attributes["content_type"]; attr != nil {
		if ct, ok := p.str(attr); ok {
			if _, _, err := mime.ParseMediaType(ct); err != nil {
				p.errorf(attr.Expr.Range().Ptr(), "Invalid content type", "%q is not a media type like \"application/pdf\": %v.", ct, err)
			} else {
				a.ContentType = ct
			}
		}
	}
	attr := c.Attributes["source"]
	if kattr := c.Attributes["kind"]; kattr != nil {
		kindName, ok := p.str(kattr)
		switch {
		case !ok:
			return a, false
		case kindName == "file":
		case (kindName == attachItem || kindName == attachReference) && k.outlook() && attr == nil:
			a.Kind = kindName
			return a, true
		case kindName == attachItem || kindName == attachReference:
			p.errorf(kattr.Expr.Range().Ptr(), "Invalid attachment kind",
				"A %s attachment has no source, and only an Outlook message or event holds one (a To Do task holds files only).", kindName)
			return a, false
		default:
			p.errorf(kattr.Expr.Range().Ptr(), "Invalid attachment kind", "%q is not a kind of attachment: use \"file\" (the default), \"item\" or \"reference\".", kindName)
			return a, false
		}
	}
	if attr == nil {
		p.errorf(b.DefRange.Ptr(), "Missing required argument", "Attachment %q needs source = \"FILE\", the file it holds.", name)
		return a, false
	}
	source, ok := p.str(attr)
	if !ok {
		return a, false
	}
	data, err := p.readFile(source)
	if err != nil {
		p.errorf(attr.Expr.Range().Ptr(), "Cannot read attachment source",
			"The file for attachment %q cannot be read: %v. Paths are relative to the fixtures file's directory.", name, err)
		return a, false
	}
	limit, where := k.def().files.max, k.def().files.maxWords
	if int64(len(data)) > limit {
		p.errorf(attr.Expr.Range().Ptr(), "Attachment too large", "%s has %d bytes; %s.", source, len(data), where)
		return a, false
	}
	a.Content = data
	return a, true
}

// str evaluates attr as a literal string: fixtures have no variables or
// functions.
func (p *fixtureParser) str(attr *hcl.Attribute) (string, bool) {
	v, diags := attr.Expr.Value(nil)
	p.diags = append(p.diags, diags...)
	if diags.HasErrors() {
		return "", false
	}
	if v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
		p.errorf(attr.Expr.Range().Ptr(), "Invalid "+attr.Name, "%s must be a string, like \"%s\".", attr.Name, map[string]string{
			"source": "files/agenda.pdf", "content_type": "application/pdf", "folder": "drafts",
			"display_name": "Alice Smith", "department": "Sales",
		}[attr.Name])
		return "", false
	}
	return v.AsString(), true
}

func wellKnownFolder(name string) bool {
	for _, wk := range wellKnownFolders {
		if strings.EqualFold(wk.name, name) {
			return true
		}
	}
	return false
}

func wellKnownFolderNames() []string {
	names := make([]string, len(wellKnownFolders))
	for i, wk := range wellKnownFolders {
		names[i] = wk.name
	}
	return names
}

// Check reports what the mailbox limits l refuse: on an Outlook item, the
// attachments' bytes together over the maximum message size. New refuses
// such fixtures; the CLI calls Check first to show where.
func (f *Fixtures) Check(l Limits) hcl.Diagnostics {
	if f == nil {
		return nil
	}
	max := l.withDefaults().MessageBytes
	var diags hcl.Diagnostics
	for _, mb := range f.Mailboxes {
		for _, k := range kindOrder {
			if !k.outlook() || k.def().fixtures == nil {
				continue
			}
			for _, it := range *k.def().fixtures(&mb) {
				var total int64
				for _, a := range it.Attachments {
					total += int64(len(a.Content))
				}
				if total > max {
					d := &hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Attachments over the maximum message size",
						Detail: fmt.Sprintf("The attachments of %s %q in %s have %d bytes together, over the maximum message size of %d bytes. Attach less, or raise the limit with -limits message=SIZE (at most 150MB).",
							k, it.Subject, mb.UPN, total, max),
					}
					if it.decl != (hcl.Range{}) {
						d.Subject = it.decl.Ptr()
					}
					diags = append(diags, d)
				}
			}
		}
	}
	return diags
}
