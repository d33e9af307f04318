package emulator

import (
	"bytes"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

// DESIGN.md: the emulator "never imports graph/: it must not share the
// client's assumptions". It imports no package of attachform but a few
// leaf utilities under internal/ that know nothing of Graph (and import no
// package of attachform but each other), so that it shares no limit, kind
// or rule with the client. atomicfile's Windows rules bring winpath, and
// winpath the reserved-name rules of safename: strings in, strings out.
func TestNoClientImport(t *testing.T) {
	leaves := map[string]bool{
		"github.com/attachform/attachform/internal/atomicfile": true,
		"github.com/attachform/attachform/internal/bytesize":   true,
		"github.com/attachform/attachform/internal/winpath":    true,
		"github.com/attachform/attachform/internal/safename":   true,
	}
	check := func(pattern string, allowed map[string]bool) {
		files, _ := filepath.Glob(pattern)
		if len(files) == 0 {
			t.Fatalf("no files match %s", pattern)
		}
		for _, f := range files {
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range af.Imports {
				path := strings.Trim(imp.Path.Value, `"`)
				if strings.Contains(path, "attachform/attachform/") && !allowed[path] {
					t.Errorf("%s imports %s", f, path)
				}
			}
		}
	}
	check("*.go", leaves)
	for leaf := range leaves {
		check(filepath.Join("..", strings.TrimPrefix(leaf, "github.com/attachform/attachform/"), "*.go"), leaves)
	}
}

// Upload URLs are credentials: "never log authtokens", even at trace level.
func TestLogsCarryNoToken(t *testing.T) {
	var buf bytes.Buffer
	log := hclog.New(&hclog.LoggerOptions{Level: hclog.Trace, Output: &buf})
	s, _ := newTestServer(t, Options{Logger: log})
	_, u := openOutlook(t, s, 3*mb)
	data := testFile(3 * mb)
	wantStatus(t, putRange(t, u, data, 0, 99, 3*mb, nil), http.StatusOK)
	wantStatus(t, putRange(t, u, data, 0, 99, 3*mb, nil), http.StatusRequestedRangeNotSatisfiable)
	wantStatus(t, do(t, "GET", u, hdr{"Authorization": "Bearer x"}, nil), http.StatusUnauthorized)
	wantStatus(t, do(t, "DELETE", u, nil, nil), http.StatusNoContent)
	token := u[strings.Index(u, "authtoken=")+len("authtoken="):]
	if strings.Contains(buf.String(), token) || strings.Contains(buf.String(), "authtoken") {
		t.Errorf("the log shows the upload URL's token:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), "request") {
		t.Errorf("trace log is empty; the test proves nothing")
	}
}

// Persistent files are private to the user.
func TestDataFilesArePrivate(t *testing.T) {
	dir := t.TempDir()
	s, _ := newTestServer(t, Options{DataDir: dir})
	item := "/me/messages/" + createItem(t, s, testUser, "messages", "x")
	wantStatus(t, postSmall(t, s, item, "#microsoft.graph.fileAttachment", "a", []byte("x")), http.StatusCreated)
	_, u := openOutlook(t, s, 3*mb)
	wantStatus(t, putRange(t, u, testFile(3*mb), 0, 9, 3*mb, nil), http.StatusOK)
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v", p, fi.Mode().Perm())
		}
		return nil
	})
}
