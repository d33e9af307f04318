package main

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/attachform/attachform/emulator"
)

// repoRoot is the repository, from this package's directory.
var repoRoot = filepath.Join("..", "..")

func readDoc(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// docs/emulator.md lists every flag of the emulator command, and no flag
// it does not have.
func TestEmulatorDocsFlags(t *testing.T) {
	doc := readDoc(t, "docs/emulator.md")
	fs := describeFlags(&globals{}, "emulator")
	if fs == nil {
		t.Fatal("the emulator command defines no flags")
	}
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `(-[a-z-]+)").FindAllStringSubmatch(doc, -1) {
		documented[m[1]] = true
	}
	fs.VisitAll(func(f *flag.Flag) {
		if !documented["-"+f.Name] {
			t.Errorf("docs/emulator.md does not document -%s", f.Name)
		}
		delete(documented, "-"+f.Name)
	})
	for name := range documented {
		t.Errorf("docs/emulator.md documents %s, which the emulator command does not have", name)
	}
}

// Every -faults and -limits key docs/emulator.md shows is one the
// emulator reads, with the value it shows.
func TestEmulatorDocsKeysParse(t *testing.T) {
	doc := readDoc(t, "docs/emulator.md")
	section := func(title string) string {
		_, after, _ := strings.Cut(doc, "\n## "+title+"\n")
		before, _, _ := strings.Cut(after, "\n## ")
		return before
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z0-9]+)=([A-Z/]+)` \\| (`([^`]+)`)?")
	for title, parse := range map[string]func(string) error{
		"Faults": func(s string) error { _, err := emulator.ParseFaults(s); return err },
		"Limits": func(s string) error { _, err := emulator.ParseLimits(s); return err },
	} {
		rows := row.FindAllStringSubmatch(section(title), -1)
		if len(rows) < 3 {
			t.Errorf("docs/emulator.md, %s: found %d keys", title, len(rows))
		}
		for _, m := range rows {
			key, value := m[1], m[4]
			switch {
			case m[2] == "SHARE":
				value = "0.1"
			case m[2] == "D":
				value = "20ms"
			}
			if err := parse(key + "=" + value); err != nil {
				t.Errorf("docs/emulator.md, %s: %s=%s: %v", title, key, value, err)
			}
		}
	}
}

// mdLink is a Markdown link's target.
var mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// Every relative link in the README and the docs leads to a file that
// exists, and to a heading it has.
func TestDocLinks(t *testing.T) {
	var pages []string
	err := filepath.WalkDir(repoRoot, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != repoRoot && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".md") {
			pages = append(pages, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, page := range pages {
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mdLink.FindAllStringSubmatch(string(b), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			file, frag, _ := strings.Cut(target, "#")
			path := page
			if file != "" {
				path = filepath.Join(filepath.Dir(page), file)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Errorf("%s: link to %s: %v", page, target, err)
				continue
			}
			if frag == "" || fi.IsDir() || !strings.HasSuffix(path, ".md") {
				continue
			}
			if !hasHeading(t, path, frag) {
				t.Errorf("%s: link to %s: %s has no heading #%s", page, target, path, frag)
			}
		}
	}
}

// hasHeading says whether the Markdown file has a heading whose GitHub
// anchor is frag.
func hasHeading(t *testing.T, path, frag string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "#") && anchor(strings.TrimLeft(line, "# ")) == frag {
			return true
		}
	}
	return false
}
