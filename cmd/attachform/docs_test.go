package main

import (
	"flag"
	"github.com/attachform/attachform/internal/arguments"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/attachform/attachform/emulator"
	"github.com/attachform/attachform/state"
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
	fs := arguments.Flags("emulator")
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

// mdLink is a Markdown link's target; mdLinkDef a reference-style link's
// definition ("[name]: target").
var (
	mdLink    = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	mdLinkDef = regexp.MustCompile(`(?m)^ {0,3}\[[^\]]+\]:\s*<?([^>\s]+)>?`)
	// readmeSectionName is a section of the README named in prose, as in
	// the README's "Interrupted applies", which no link checks.
	readmeSectionName = regexp.MustCompile(`README(?:\.md)?'s (?:section )?"([^"]+)"`)
)

// Every relative link in the README, the docs and the examples (inline or
// reference-style) leads to a file that exists, and to a heading it has;
// a README section named in prose exists too.
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
		for _, m := range readmeSectionName.FindAllStringSubmatch(string(b), -1) {
			if !hasHeading(t, filepath.Join(repoRoot, "README.md"), anchor(m[1])) {
				t.Errorf("%s: names the README's section %q, which the README does not have", page, m[1])
			}
		}
		links := append(mdLink.FindAllStringSubmatch(string(b), -1), mdLinkDef.FindAllStringSubmatch(string(b), -1)...)
		for _, m := range links {
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

// planOut is a saved plan's file name in a documented command.
// (-generate-config-out names a manifest, not a plan.)
var planOut = regexp.MustCompile(`(?:^|[\s'"])-out(?:=| +)"?([^\s"]+\.[A-Za-z0-9]+)"?`)

// Every saved plan the docs and the examples write has a name
// .gitignore keeps out of git.
func TestSavedPlanNamesAreIgnored(t *testing.T) {
	var patterns []string
	for _, line := range strings.Split(readDoc(t, ".gitignore"), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, line)
		}
	}
	seen := 0
	err := filepath.WalkDir(repoRoot, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != repoRoot && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !(strings.HasSuffix(path, ".md") || strings.HasSuffix(path, ".yml")) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(b), "\n") {
			if !strings.Contains(line, "attachform") || !strings.Contains(line, " plan") {
				continue
			}
			for _, m := range planOut.FindAllStringSubmatch(line, -1) {
				name := filepath.Base(m[1])
				if name == "FILE" || name == "PLANFILE" || strings.HasPrefix(name, "FILE") {
					continue
				}
				seen++
				if !ignored(patterns, name) {
					t.Errorf("%s: the saved plan %q is not in .gitignore (%q)", path, name, patterns)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen == 0 {
		t.Fatal("no saved plan found in the docs: the test checks nothing")
	}
}

func ignored(patterns []string, name string) bool {
	for _, p := range patterns {
		if ok, _ := filepath.Match(p, name); ok {
			return true
		}
	}
	return false
}

// azureLoginWith are the keys given to azure/login in a snippet, in
// either YAML form ("with: { a: …, b: … }" or one key a line).
func azureLoginWith(t *testing.T, text string) map[string]bool {
	t.Helper()
	keys := map[string]bool{}
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		if !strings.Contains(line, "uses: azure/login@") {
			continue
		}
		for _, next := range lines[i+1:] {
			trimmed := strings.TrimSpace(next)
			if inline, ok := strings.CutPrefix(trimmed, "with: {"); ok {
				for _, kv := range strings.Split(strings.TrimSuffix(inline, "}"), ",") {
					if k, _, ok := strings.Cut(kv, ":"); ok {
						keys[strings.TrimSpace(k)] = true
					}
				}
				break
			}
			if trimmed == "with:" {
				continue
			}
			k, _, ok := strings.Cut(trimmed, ":")
			if !ok || strings.HasPrefix(trimmed, "-") || strings.Contains(k, " ") {
				break
			}
			keys[k] = true
		}
	}
	return keys
}

// state.md's GitHub Actions snippet signs in as the example workflow does.
func TestStateDocsSignInAsTheExample(t *testing.T) {
	doc := azureLoginWith(t, readDoc(t, "docs/state.md"))
	example := azureLoginWith(t, readDoc(t, "examples/github-actions/attachform.yml"))
	if len(doc) == 0 || len(example) == 0 {
		t.Fatalf("azure/login not found: docs %v, example %v", doc, example)
	}
	for k := range doc {
		if !example[k] {
			t.Errorf("docs/state.md gives azure/login %q, which the example does not (it gives %v)", k, example)
		}
	}
}

// troubleshooting's entry for a state that cannot be read gives the way
// out the serial error gives.
func TestTroubleshootingGivesTheSerialErrorsWayOut(t *testing.T) {
	msg := (&state.SerialError{Where: "w", Lineage: "l", Serial: 1, Last: 2, Source: "s"}).Error()
	if !strings.Contains(msg, "-force") {
		t.Fatalf("the serial error no longer names -force: %s", msg)
	}
	doc := readDoc(t, "docs/troubleshooting.md")
	_, entry, ok := strings.Cut(doc, "**`Cannot read the state`**")
	if !ok {
		t.Fatal("troubleshooting has no entry for Cannot read the state")
	}
	entry, _, _ = strings.Cut(entry, "\n\n")
	if !strings.Contains(entry, "-force") {
		t.Errorf("troubleshooting's Cannot read the state entry leaves out -force, which the message gives:\n%s", entry)
	}
}
