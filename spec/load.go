package spec

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/attachform/attachform/internal/backendconf"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty/function"
)

// Manifest file name suffixes. Only files directly in the config directory
// are read; subdirectories hold the files to attach, not manifests.
const (
	ManifestSuffix     = ".attach.hcl"
	ManifestJSONSuffix = ".attach.hcl.json"
	AutoVarsSuffix     = ".auto.attachvars"
	AutoVarsJSONSuffix = ".auto.attachvars.json"
	// VarEnvPrefix starts an environment variable that sets an input
	// variable: ATTACHFORM_VAR_mailbox=ops@contoso.com.
	VarEnvPrefix = "ATTACHFORM_VAR_"
)

// Load reads every manifest in dir and returns the desired configuration.
//
// It never returns a nil Config: even when the diagnostics hold errors,
// Config.Files holds every file read so the caller can render snippets, and
// Config holds whatever could be decoded. A Config that came with errors
// must not be acted on. Diagnostics are sorted by file and position; all
// problems found are reported, not only the first.
//
// Load reads files and nothing else, except that data blocks are resolved
// through opts.Data; with opts.Data nil (offline) their values are unknown
// and the checks that need them are skipped. Graph and Backend never depend
// on data sources, so a caller that builds its resolver from Config.Graph
// may load once offline, build its client, and load again with the
// resolver, through one Manifests, which reads and parses each file once.
//
// Load checks a backend block against no backend type; LoadWithBackends
// checks it against the types the caller can open.
func Load(ctx context.Context, dir string, opts LoadOptions) (*Config, hcl.Diagnostics) {
	return NewManifests(dir).load(ctx, opts, nil)
}

// loader holds one Load's work in progress.
type loader struct {
	ctx      context.Context
	opts     LoadOptions
	backends []backendconf.Type // nil: the backend block is not checked
	cfg      *Config
	realDir  string // cfg.Dir with symlinks resolved, for containment checks
	files    *Manifests
	// parsed are the files this load parsed, by the name diagnostics give
	// them: asked for again, a name is the file parsed first, with no
	// diagnostics again (as hclparse.Parser's cache).
	parsed map[string]*hcl.File
	diags  hcl.Diagnostics
	funcs  map[string]function.Function

	graphBlock   *hcl.Block
	backendBlock *hcl.Block
	variables    map[string]*variableDecl
	locals       map[string]*localDecl
	data         map[string]*dataDecl // by "kind.name"
	targets      map[string]*targetDecl
	targetByName map[string]*Target // by Target.Name: NAME or NAME["key"]
	attachments  []*attachmentDecl
	attachByName map[string]*attachmentDecl
	moved        []*hcl.Block
	imports      []*hcl.Block

	scope *scope // values evaluated so far

	realDirs map[string]resolvedDir // directories of sources, resolved (see realPath)
}

func newLoader(ctx context.Context, files *Manifests, opts LoadOptions) *loader {
	cfg := &Config{Dir: files.dir, Files: map[string]*hcl.File{}}
	l := &loader{
		ctx:          ctx,
		opts:         opts,
		cfg:          cfg,
		files:        files,
		parsed:       map[string]*hcl.File{},
		variables:    map[string]*variableDecl{},
		locals:       map[string]*localDecl{},
		data:         map[string]*dataDecl{},
		targets:      map[string]*targetDecl{},
		targetByName: map[string]*Target{},
		attachByName: map[string]*attachmentDecl{},
		realDirs:     map[string]resolvedDir{},
	}
	l.scope = newScope(l)
	return l
}

func (l *loader) add(diags ...*hcl.Diagnostic) { l.diags = append(l.diags, diags...) }

func (l *loader) load() {
	if !l.declareAll() {
		return
	}
	l.cfg.DataSources = len(l.data)
	l.decodeVariables()
	l.assignVariables()
	l.evaluateNodes()
	l.decodeGraph()
	l.decodeBackend()
	l.expandAttachments()
	l.checkAttachments()
	l.decodeMoved()
	l.decodeImports()
}

// declareAll parses every manifest and sorts their blocks into the
// loader's tables; false when nothing more can be loaded (the directory
// cannot be read, a manifest does not parse, ctx ended).
func (l *loader) declareAll() bool {
	abs, err := filepath.Abs(l.cfg.Dir)
	if err == nil {
		l.cfg.Dir = abs
		l.realDir, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		l.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Configuration directory not found",
			Detail:   fmt.Sprintf("Cannot read %s: %v. Run attachform in the directory that holds the *%s files, or pass -chdir=DIR.", l.cfg.Dir, err, ManifestSuffix),
		})
		return false
	}
	l.funcs = functions(l.cfg.Dir, l.realDir, l.opts.AllowOutsideSources)

	bodies := l.parseManifests()
	// As Terraform's: a manifest that does not parse is reported alone.
	// Decoding what the parser recovered would add errors that only follow
	// from the broken syntax (a missing argument, an undeclared target, a
	// source file named by half a string) and bury the one to fix.
	if l.ctx.Err() != nil || l.diags.HasErrors() {
		return false
	}
	for _, body := range bodies {
		l.declare(body)
	}
	return true
}

// parseManifests parses every manifest file in the config directory, in
// name order, and returns their bodies.
func (l *loader) parseManifests() []hcl.Body {
	entries, err := l.files.readDir(l.cfg.Dir)
	if err != nil {
		l.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Cannot read the configuration directory",
			Detail:   fmt.Sprintf("Reading %s failed: %v.", l.cfg.Dir, err),
		})
		return nil
	}
	var bodies []hcl.Body
	for _, e := range entries { // ReadDir sorts by name
		name := e.Name()
		isHCL, isJSON := strings.HasSuffix(name, ManifestSuffix), strings.HasSuffix(name, ManifestJSONSuffix)
		if (!isHCL && !isJSON) || e.IsDir() || strings.HasPrefix(name, ".") {
			continue
		}
		f, diags := l.parseFile(filepath.Join(l.cfg.Dir, name), name, isJSON)
		l.add(diags...)
		if f != nil {
			bodies = append(bodies, f.Body)
		}
	}
	if len(bodies) == 0 && !l.diags.HasErrors() {
		l.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No manifest files",
			Detail: fmt.Sprintf("The directory %s has no *%s files. Write a manifest there, or point attachform at the directory that has them with -chdir=DIR.",
				l.cfg.Dir, ManifestSuffix),
		})
	}
	return bodies
}

// parseFile reads one HCL or JSON file, confined to the configuration
// directory (see readConfined), and records it under display, the name
// diagnostics use. A file refused is never recorded: no snippet can show
// it. The file is read and parsed once per Manifests: a later load is
// given what the first found, diagnostics and all.
func (l *loader) parseFile(path, display string, isJSON bool) (*hcl.File, hcl.Diagnostics) {
	p := l.files.parse(fileKey{path: path, display: display, json: isJSON}, func() ([]byte, *hcl.Diagnostic) {
		return l.readConfigFile(path, display)
	})
	if p.failed != nil {
		return nil, copyDiagnostics(hcl.Diagnostics{p.failed})
	}
	f, diags := p.file, copyDiagnostics(p.diags)
	if first := l.parsed[display]; first != nil {
		f, diags = first, nil
	} else {
		l.parsed[display] = f
	}
	if f != nil {
		l.cfg.Files[display] = f
	}
	return f, diags
}

// declare sorts one file's top-level blocks into the loader's tables,
// reporting duplicates with both locations.
func (l *loader) declare(body hcl.Body) {
	content, diags := body.Content(rootSchema)
	l.add(diags...)
	for _, b := range content.Blocks {
		switch b.Type {
		case "graph":
			if l.duplicate(b, l.graphBlock, "graph", "one graph block") {
				continue
			}
			l.graphBlock = b
		case "backend":
			if l.duplicate(b, l.backendBlock, "backend", "one backend block") {
				continue
			}
			l.backendBlock = b
		case "variable":
			l.declareVariable(b)
		case "locals":
			l.declareLocals(b)
		case "data":
			l.declareData(b)
		case "target":
			l.declareTarget(b)
		case "attachment":
			l.declareAttachment(b)
		case "moved":
			l.moved = append(l.moved, b)
		case "import":
			l.imports = append(l.imports, b)
		}
	}
}

// duplicate reports b when prev (a block of the same identity) exists.
func (l *loader) duplicate(b, prev *hcl.Block, what, rule string) bool {
	if prev == nil {
		return false
	}
	l.add(&hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("Duplicate %s block", what),
		Detail: fmt.Sprintf("A configuration has %s; another was declared at %s. Merge the two, or remove one.",
			rule, rangeString(prev.DefRange)),
		Subject: b.DefRange.Ptr(),
	})
	return true
}

// validName checks a block label against the identifier rules, so that
// every name can be referenced (target.NAME) and addressed.
func (l *loader) validName(b *hcl.Block, idx int, what string) bool {
	name := b.Labels[idx]
	if hclIdentifier(name) {
		return true
	}
	l.add(&hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("Invalid %s name", what),
		Detail: fmt.Sprintf("%q is not a valid name. A name starts with a letter or underscore and holds only letters, digits, underscores and dashes.",
			name),
		Subject: b.LabelRanges[idx].Ptr(),
	})
	return false
}

func hclIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && (r == '-' || r >= '0' && r <= '9'):
		default:
			return false
		}
	}
	return true
}

func rangeString(r hcl.Range) string {
	return fmt.Sprintf("%s:%d", r.Filename, r.Start.Line)
}

// sortDiagnostics orders diagnostics by file, line and column; those
// without a location come last, in the order found.
func sortDiagnostics(diags hcl.Diagnostics) {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Subject, diags[j].Subject
		switch {
		case a == nil || b == nil:
			return a != nil && b == nil
		case a.Filename != b.Filename:
			return a.Filename < b.Filename
		case a.Start.Line != b.Start.Line:
			return a.Start.Line < b.Start.Line
		default:
			return a.Start.Column < b.Start.Column
		}
	})
}
