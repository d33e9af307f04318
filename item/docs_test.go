package item

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// docs/permissions.md's table of least privilege has a row for every kind
// in the table: its permission as the delegated one, and as the
// application one unless Graph supports none for writes. A new kind fails
// here until its permission is documented.
func TestPermissionsDocumentEveryKind(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "permissions.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "## Least privilege per item kind")
	if !ok {
		t.Fatal("docs/permissions.md has no section Least privilege per item kind")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	rows := map[string][]string{} // first cell → cells
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| ") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		rows[cells[0]] = cells
	}
	for _, d := range Definitions() {
		var cells []string
		for first, c := range rows {
			if first == d.Label || strings.HasPrefix(first, d.Label+" (") {
				cells = c
			}
		}
		if len(cells) < 3 {
			t.Errorf("%s: no row in docs/permissions.md's table of least privilege", d.Label)
			continue
		}
		app, delegated := cells[1], cells[2]
		if !strings.HasPrefix(delegated, "`"+d.Permission+"`") {
			t.Errorf("%s: delegated permission %q; the table here says %s", d.Label, delegated, d.Permission)
		}
		if d.AppOnlyWrites != strings.HasPrefix(app, "`"+d.Permission+"`") || !d.AppOnlyWrites && !strings.Contains(app, "not supported") {
			t.Errorf("%s: application permission %q; writes by applications: %v", d.Label, app, d.AppOnlyWrites)
		}
	}
}
