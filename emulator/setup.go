package emulator

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/attachform/attachform/internal/atomicfile"
	"github.com/hashicorp/hcl/v2"
)

// What the emulator command reads from its command line besides the
// specifications ParseFaults and ParseLimits read: the mailboxes, the
// fixtures file and the endpoint file scripts wait on.

// ParseUsers reads -users=A,B: the mailboxes, in order, blanks dropped.
func ParseUsers(list string) []string {
	var users []string
	for _, u := range strings.Split(list, ",") {
		if u = strings.TrimSpace(u); u != "" {
			users = append(users, u)
		}
	}
	return users
}

// LoadFixturesAs reads the -fixtures file at path (relative to dir unless
// absolute) and checks it against the mailbox limits. Files and
// diagnostics name it as the user did, as manifests' diagnostics do; the
// fixtures are nil when the diagnostics hold an error.
func LoadFixturesAs(dir, path string, limits Limits) (*Fixtures, map[string]*hcl.File, hcl.Diagnostics) {
	abs := path
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(dir, path)
	}
	fx, files, diags := LoadFixtures(abs)
	if !diags.HasErrors() {
		diags = append(diags, fx.Check(limits)...)
	}
	if f := files[abs]; f != nil {
		files = map[string]*hcl.File{path: f}
	}
	for _, d := range diags {
		d.Detail = strings.ReplaceAll(d.Detail, abs+":", path+":")
		for _, r := range []*hcl.Range{d.Subject, d.Context} {
			if r != nil && r.Filename == abs {
				r.Filename = path
			}
		}
	}
	if diags.HasErrors() {
		return nil, files, diags
	}
	return fx, files, diags
}

// RemoveEndpointFile removes the -endpoint-file at path, if set and
// there: at start, so a file an earlier run left is not taken for this
// one's, and on a clean stop.
func RemoveEndpointFile(path string) error {
	if path == "" {
		return nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// WriteEndpointFile writes the Graph base URL to path once the emulator
// listens: replaced atomically, mode 0600, so a script that sees the file
// sees all of it.
func WriteEndpointFile(path, url string) error {
	return atomicfile.Write(path, strings.NewReader(url+"\n"), 0o600)
}
