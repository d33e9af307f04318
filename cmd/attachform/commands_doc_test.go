package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every command is in the README's command table and has a synopsis (which
// attachform -h lists) and its own help, starting with its usage.
func TestEveryCommandIsDocumented(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for name, factory := range commands(&globals{}) {
		c, err := factory()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(readme), "| `"+name) {
			t.Errorf("README.md's command table has no row for %s", name)
		}
		if c.Synopsis() == "" {
			t.Errorf("%s has no synopsis", name)
		}
		if !strings.Contains(c.Help(), "Usage: attachform") || !strings.Contains(c.Help(), name) {
			t.Errorf("%s's help does not start with its usage:\n%s", name, c.Help())
		}
	}
}
