package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// Every command docs/adopt.md shows is run, in the guide's order, by the
// script adopt_guide.txtar (as a user would paste it, with -chdir and
// -no-color added), and every manifest it shows is one the script uses.
func TestAdoptGuideRunsEveryCommand(t *testing.T) {
	doc := readDoc(t, "docs/adopt.md")
	ar, err := txtar.ParseFile(filepath.Join("testdata", "scripts", "adopt_guide.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	var run []string
	for _, line := range strings.Split(string(ar.Comment), "\n") {
		line = regexp.MustCompile(`^(exec|exits \d+) `).ReplaceAllString(strings.TrimSpace(line), "")
		if strings.HasPrefix(line, "attachform ") {
			run = append(run, userCommand(line))
		}
	}
	blocks := regexp.MustCompile("(?s)```(sh|hcl)\n(.*?)```").FindAllStringSubmatch(doc, -1)
	next, commands := 0, 0
	for _, b := range blocks {
		if b[1] == "hcl" {
			if !scriptHasManifest(ar, b[2]) {
				t.Errorf("docs/adopt.md shows a manifest adopt_guide.txtar does not use:\n%s", b[2])
			}
			continue
		}
		for _, line := range strings.Split(strings.TrimSpace(b[2]), "\n") {
			commands++
			want := userCommand(line)
			i := next
			for i < len(run) && run[i] != want {
				i++
			}
			if i == len(run) {
				t.Errorf("docs/adopt.md shows %q, which adopt_guide.txtar does not run after %q", line, run[max(next-1, 0)])
				continue
			}
			next = i + 1
		}
	}
	if commands < 8 {
		t.Errorf("found %d commands in docs/adopt.md; the guide's code blocks moved?", commands)
	}
}

// userCommand is a command as the user types it: the script's -chdir and
// -no-color dropped.
func userCommand(line string) string {
	var out []string
	for _, f := range strings.Fields(line) {
		if strings.HasPrefix(f, "-chdir=") || f == "-no-color" {
			continue
		}
		out = append(out, f)
	}
	return strings.Join(out, " ")
}

func scriptHasManifest(ar *txtar.Archive, hcl string) bool {
	want := strings.TrimSpace(hcl)
	for _, f := range ar.Files {
		if strings.HasSuffix(f.Name, ".attach.hcl") && strings.Contains(string(f.Data), want) {
			return true
		}
	}
	return false
}
