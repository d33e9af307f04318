package emulator

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// Every fixtures example docs/emulator.md shows parses as the emulator
// reads a fixtures file, and the people example starts an emulator.
func TestDocsFixturesParse(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "emulator.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```hcl\n(.*?)```").FindAllSubmatch(doc, -1)
	if len(blocks) < 2 {
		t.Fatalf("found %d hcl blocks in docs/emulator.md", len(blocks))
	}
	for i, b := range blocks {
		fx, _, diags := ParseFixtures("emulator.md", b[1], func(string) ([]byte, error) { return []byte("content"), nil })
		if diags.HasErrors() {
			t.Errorf("block %d: %v", i, diags)
			continue
		}
		if len(fx.Groups) > 0 {
			s, _ := newTestServer(t, Options{Users: []string{}, Fixtures: fx})
			r := do(t, "GET", api(s, "/users/dana@contoso.com/messages"), nil, nil)
			wantStatus(t, r, 403)
		}
	}
}
