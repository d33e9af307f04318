package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"github.com/attachform/attachform/internal/arguments"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/attachform/attachform/state"
)

// runArgs runs attachform in this process with args, nothing on stdin and
// an empty environment.
func runArgs(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, streams{in: strings.NewReader(""), out: &out, err: &errb}, nil)
	return code, out.String(), errb.String()
}

// The command line before any command runs: help, version, and the
// mistakes, each with its exit code and each stream's content.
func TestDispatch(t *testing.T) {
	top := topHelp(commands(&globals{}))
	for _, tc := range []struct {
		args       []string
		code       int
		out, err   string // exact, unless a pattern is given
		outRE      string
		errPattern string
	}{
		{args: nil, code: 1, err: top + "\n"},
		{args: []string{"-help"}, code: 0, out: top + "\n"},
		{args: []string{"--help"}, code: 0, out: top + "\n"},
		{args: []string{"-h"}, code: 0, out: top + "\n"},
		{args: []string{"help"}, code: 0, out: top + "\n"},
		{args: []string{"-chdir=.", "help"}, code: 0, out: top + "\n"},
		{args: []string{"help", "plan"}, code: 0, outRE: `^Usage: attachform (\[-chdir=DIR\]|\[global options\]) plan \[options\]\n`},
		{args: []string{"-help", "plan"}, code: 0, outRE: `^Usage: attachform (\[-chdir=DIR\]|\[global options\]) plan \[options\]\n`},
		{args: []string{"plan", "-help"}, code: 0, outRE: `^Usage: attachform (\[-chdir=DIR\]|\[global options\]) plan \[options\]\n`},
		{args: []string{"version"}, code: 0, outRE: `^attachform \S+ \(go\d+\.\d+, [a-z0-9]+/[a-z0-9]+\)\n$`},
		{args: []string{"-version"}, code: 0, outRE: `^attachform \S+ \(go\d+\.\d+, [a-z0-9]+/[a-z0-9]+\)\n$`},
		{args: []string{"--version"}, code: 0, outRE: `^attachform \S+ \(go\d+\.\d+, [a-z0-9]+/[a-z0-9]+\)\n$`},
		{args: []string{"-v"}, code: 0, outRE: `^attachform \S+ \(go\d+\.\d+, [a-z0-9]+/[a-z0-9]+\)\n$`},
		{args: []string{"version", "extra"}, code: 1, err: "Error: version takes no arguments\n"},
		{args: []string{"pla"}, code: 1, err: "Error: attachform has no command named \"pla\". Did you mean \"plan\"?\n\nTo see them all, run:\n  attachform -help\n"},
		{args: []string{"aply", "-auto-approve"}, code: 1, err: "Error: attachform has no command named \"aply\". Did you mean \"apply\"?\n\nTo see them all, run:\n  attachform -help\n"},
		{args: []string{"frobnicate"}, code: 1, err: "Error: attachform has no command named \"frobnicate\".\n\nTo see them all, run:\n  attachform -help\n"},
		{args: []string{"help", "pla"}, code: 1, err: "Error: attachform has no command named \"pla\". Did you mean \"plan\"?\n\nTo see them all, run:\n  attachform -help\n"},
		{args: []string{"-foo", "plan"}, code: 1, errPattern: `^Error: -foo is not a global option\.\n`},
		{args: []string{"-chdir"}, code: 1, err: "Error: -chdir needs a directory, as in -chdir=DIR\n"},
		{args: []string{"plan", "-no-such-flag"}, code: 1, errPattern: `^Error: flag provided but not defined: -no-such-flag\n\nUsage: attachform`},
	} {
		code, out, errb := runArgs(t, tc.args...)
		name := strings.Join(tc.args, " ")
		if code != tc.code {
			t.Errorf("attachform %s: exit %d, want %d (stderr %q)", name, code, tc.code, errb)
		}
		switch {
		case tc.outRE != "":
			if !regexp.MustCompile(tc.outRE).MatchString(out) {
				t.Errorf("attachform %s: stdout %q, want it to match %s", name, out, tc.outRE)
			}
		case out != tc.out:
			t.Errorf("attachform %s: stdout\n%s\nwant\n%s", name, out, tc.out)
		}
		switch {
		case tc.errPattern != "":
			if !regexp.MustCompile(tc.errPattern).MatchString(errb) {
				t.Errorf("attachform %s: stderr %q, want it to match %s", name, errb, tc.errPattern)
			}
		case errb != tc.err:
			t.Errorf("attachform %s: stderr\n%q\nwant\n%q", name, errb, tc.err)
		}
	}
}

// A command with subcommands names a mistyped one, and lists them when
// given none.
func TestDispatchSubcommands(t *testing.T) {
	cmds := commands(&globals{})
	var parent string
	for name := range cmds {
		if p, _, ok := strings.Cut(name, " "); ok {
			parent = p
			break
		}
	}
	if parent == "" {
		t.Skip("no command has subcommands yet")
	}
	subs := subcommands(cmds, parent)
	typo := subs[0][:len(subs[0])-1] + "x"
	code, out, errb := runArgs(t, parent, typo)
	want := "Error: attachform " + parent + " has no subcommand named \"" + typo + "\". Did you mean \"" + subs[0] + "\"?\n\nTo see them all, run:\n  attachform " + parent + " -help\n"
	if code != exitError || out != "" || errb != want {
		t.Errorf("attachform %s %s: exit %d, stdout %q, stderr\n%q\nwant exit 1 and\n%q", parent, typo, code, out, errb, want)
	}
	code, _, errb = runArgs(t, parent)
	if code != exitError {
		t.Errorf("attachform %s: exit %d, want 1", parent, code)
	}
	for _, s := range subs {
		if !strings.Contains(errb, s) {
			t.Errorf("attachform %s: the help does not list %s:\n%s", parent, s, errb)
		}
	}
}

// The help lists every command and the global options.
func TestTopHelp(t *testing.T) {
	cmds := commands(&globals{})
	help := topHelp(cmds)
	for _, name := range subcommands(cmds, "") {
		if !regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(name) + `  +\S`).MatchString(help) {
			t.Errorf("the help does not list %s with its synopsis:\n%s", name, help)
		}
	}
	for _, opt := range []string{"-chdir=DIR", "-help", "-version", "-install-autocomplete", "-uninstall-autocomplete"} {
		if !strings.Contains(help, "\n  "+opt+" ") {
			t.Errorf("the help does not list the global option %s", opt)
		}
	}
	if !strings.HasPrefix(help, "Usage: attachform [global options] <command>") {
		t.Errorf("the help does not start with the usage:\n%s", help)
	}
}

// optionLine is an option in a help's list: two spaces, the flag.
var optionLine = regexp.MustCompile(`(?m)^  (-[a-z][a-z0-9-]*)`)

// Every flag a command defines is in its help, and its help lists no
// option it does not define: the help is the reference users read (and
// docs/cli.md is made of it).
func TestHelpListsEveryFlag(t *testing.T) {
	g := &globals{}
	cmds := commands(g)
	for name, factory := range cmds {
		c, err := factory()
		if err != nil {
			t.Fatal(err)
		}
		help := c.Help()
		fs := arguments.Flags(name)
		if fs == nil {
			if len(subcommands(cmds, name)) == 0 {
				t.Errorf("%s: the command defines no flags: is it in arguments.Flags?", name)
			}
			continue
		}
		listed := map[string]bool{}
		for _, m := range optionLine.FindAllStringSubmatch(help, -1) {
			listed[m[1]] = true
		}
		fs.VisitAll(func(f *flag.Flag) {
			if !listed["-"+f.Name] {
				t.Errorf("%s: -%s is a flag, but its help does not list it", name, f.Name)
			}
			delete(listed, "-"+f.Name)
		})
		for opt := range listed {
			t.Errorf("%s: the help lists %s, which is not a flag of the command", name, opt)
		}
		if !strings.HasPrefix(help, "Usage: attachform ") {
			t.Errorf("%s: the help does not start with Usage: attachform", name)
		}
	}
}

// The commands the help calls main exist, in the order it lists them.
func TestMainCommandsExist(t *testing.T) {
	main, other := commandGroups(commands(&globals{}))
	for _, name := range main {
		if slices.Contains(other, name) {
			t.Errorf("%s is listed twice", name)
		}
	}
	for _, name := range []string{"validate", "plan", "apply"} {
		if !slices.Contains(main, name) {
			t.Errorf("%s is not among the main commands %v", name, main)
		}
	}
}

// sampleArgs are well-formed arguments for the commands that need some,
// so that a test reaches what it means to test.
var sampleArgs = map[string][]string{
	"import":       {"attachment.agenda", "AAMkAGI2TAAA="},
	"force-unlock": {"01fd9cfc-1ad4-4a90-b598-7938e749d80f"},
	"state show":   {"attachment.agenda"},
	"state rm":     {"attachment.agenda"},
	"state mv":     {"attachment.agenda", "attachment.renamed"},
	"state push":   {"other.state.json"},
}

// noManifest are the commands that work without manifests.
var noManifest = []string{"version", "emulator", "fmt"}

// An unknown flag is an error naming it, followed by the command's help,
// on stderr, exit 1, for every command.
func TestUnknownFlagEveryCommand(t *testing.T) {
	dir := t.TempDir()
	cmds := commands(&globals{})
	for name, factory := range cmds {
		if len(subcommands(cmds, name)) > 0 {
			continue
		}
		c, _ := factory()
		args := append([]string{"-chdir=" + dir}, strings.Fields(name)...)
		code, out, errb := runArgs(t, append(args, "-no-such-flag")...)
		want := "Error: flag provided but not defined: -no-such-flag\n\n" + c.Help() + "\n"
		if code != exitError || out != "" || errb != want {
			t.Errorf("attachform %s -no-such-flag: exit %d, stdout %q, stderr\n%s\nwant exit 1, nothing on stdout, and on stderr\n%s", name, code, out, errb, want)
		}
	}
}

// Every command that reads manifests says, in a directory without any,
// that there are none and how to point it at them: exit 1, nothing on
// stdout, nothing created.
func TestMissingManifestEveryCommand(t *testing.T) {
	cmds := commands(&globals{})
	const want = "Error: No manifest files\n\nThe directory %s has no *.attach.hcl files. Write a manifest there, or point attachform at the directory that has them with -chdir=DIR.\n\n"
	for name := range cmds {
		if len(subcommands(cmds, name)) > 0 || slices.Contains(noManifest, name) {
			continue
		}
		dir := t.TempDir()
		args := append([]string{"-chdir=" + dir}, strings.Fields(name)...)
		extra := sampleArgs[name]
		if name == "state push" {
			// The file to push is read first: one that parses, elsewhere.
			path := filepath.Join(t.TempDir(), "other.state.json")
			var b bytes.Buffer
			if err := state.Encode(&b, state.New()); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			extra = []string{path}
		}
		code, out, errb := runArgs(t, append(args, extra...)...)
		if w := fmt.Sprintf(want, dir); code != exitError || out != "" || errb != w {
			t.Errorf("attachform %s in an empty directory: exit %d, stdout %q, stderr\n%q\nwant exit 1 and\n%q", name, code, out, errb, w)
		}
		if entries, _ := os.ReadDir(dir); len(entries) > 0 {
			t.Errorf("attachform %s in an empty directory left %s there", name, entries[0].Name())
		}
	}
}

// A build from a git clone says which commit it is: the toolchain stamps
// it (GOFLAGS may turn that off, as -buildvcs=false; the build here turns
// it back on), and version prints it.
func TestVersionStampedFromGit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds attachform")
	}
	rev, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("not in a git clone with git installed: %v", err)
	}
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(strings.TrimSpace(string(top)), ".git")); err != nil || !fi.IsDir() {
		t.Skip("a git worktree: the toolchain stamps builds in a clone only")
	}
	bin := filepath.Join(t.TempDir(), "attachform")
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -buildvcs=true: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if short := strings.TrimSpace(string(rev))[:12]; !strings.Contains(string(out), short) {
		t.Errorf("version of a build at %s: %q", short, out)
	}
}
