package spec

import (
	"context"
	"os"
	"sync"

	"github.com/attachform/attachform/internal/backendconf"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/json"
)

// Manifests is a configuration directory as one command reads it: each
// manifest, variables file and -backend-config file is read and parsed
// the first time a load asks for it, and kept. A command that loads its
// configuration more than once — offline, to learn the graph block and
// whether the manifests hold a mistake, then with the data sources looked
// up through the client that block configures — so reads and parses every
// file once, and each load sees the same bytes. Every load still reports
// each problem of the files it reads, as Load does.
//
// A Manifests belongs to one command: it does not notice a file changed
// after it read it. It is safe for concurrent use.
type Manifests struct {
	dir string

	mu       sync.Mutex
	listings map[string]*listing
	files    map[fileKey]*parsedFile
}

// listing is a directory's entries, or why they could not be listed.
type listing struct {
	entries []os.DirEntry
	err     error
}

// fileKey is one file as a load asks for it: where it is, the name
// diagnostics give it, and whether it is JSON.
type fileKey struct {
	path, display string
	json          bool
}

// parsedFile is a file as the first load that asked for it found it:
// unreadable (failed), or parsed, with the parser's diagnostics.
type parsedFile struct {
	failed *hcl.Diagnostic
	file   *hcl.File
	diags  hcl.Diagnostics
}

// NewManifests is dir's configuration, nothing read yet.
func NewManifests(dir string) *Manifests {
	return &Manifests{dir: dir, listings: map[string]*listing{}, files: map[fileKey]*parsedFile{}}
}

// Load is spec.Load of m's directory; it reads only the files no earlier
// load of m read.
func (m *Manifests) Load(ctx context.Context, opts LoadOptions) (*Config, hcl.Diagnostics) {
	return m.load(ctx, opts, nil)
}

// LoadWithBackends is spec.LoadWithBackends of m's directory; it reads
// only the files no earlier load of m read.
func (m *Manifests) LoadWithBackends(ctx context.Context, opts LoadOptions, backends []backendconf.Type) (*Config, hcl.Diagnostics) {
	return m.load(ctx, opts, backends)
}

func (m *Manifests) load(ctx context.Context, opts LoadOptions, backends []backendconf.Type) (*Config, hcl.Diagnostics) {
	l := newLoader(ctx, m, opts)
	l.backends = backends
	l.load()
	l.redactSensitive()
	sortDiagnostics(l.diags)
	return l.cfg, l.diags
}

// Relisted is m with the directory to be listed again, each file read
// already kept: for a command that wrote a manifest beside those it read
// (plan -generate-config-out), and never changes them.
func (m *Manifests) Relisted() *Manifests {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := NewManifests(m.dir)
	for k, p := range m.files {
		r.files[k] = p
	}
	return r
}

// BackendType is the Config.Backend.Type a load of m gives with these
// backends, found without evaluating anything: the backend block's type,
// or with none the first of backends; "" when the manifests cannot be
// read or parsed. (-backend-config options set a type's settings, never
// the type.) A caller choosing options by the type asks this first, and
// loads once.
func (m *Manifests) BackendType(ctx context.Context, backends []backendconf.Type) string {
	l := newLoader(ctx, m, LoadOptions{})
	switch {
	case !l.declareAll():
		return ""
	case l.backendBlock != nil:
		return l.backendBlock.Labels[0]
	case len(backends) > 0:
		return backends[0].Name
	}
	return ""
}

// readDir lists dir (sorted by name, as os.ReadDir), once.
func (m *Manifests) readDir(dir string) ([]os.DirEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ls := m.listings[dir]
	if ls == nil {
		ls = &listing{}
		ls.entries, ls.err = os.ReadDir(dir)
		m.listings[dir] = ls
	}
	return ls.entries, ls.err
}

// parse is the file k, read (by read) and parsed the first time it is
// asked for.
func (m *Manifests) parse(k fileKey, read func() ([]byte, *hcl.Diagnostic)) *parsedFile {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p := m.files[k]; p != nil {
		return p
	}
	p := &parsedFile{}
	if src, failed := read(); failed != nil {
		p.failed = failed
	} else if k.json {
		p.file, p.diags = json.Parse(src, k.display)
	} else {
		p.file, p.diags = hclsyntax.ParseConfig(src, k.display, hcl.InitialPos)
	}
	m.files[k] = p
	return p
}

// copyDiagnostics copies each diagnostic, so that a load that changes
// its own (redactSensitive does) leaves the kept ones as parsed.
func copyDiagnostics(diags hcl.Diagnostics) hcl.Diagnostics {
	if diags == nil {
		return nil
	}
	out := make(hcl.Diagnostics, len(diags))
	for i, d := range diags {
		c := *d
		out[i] = &c
	}
	return out
}
