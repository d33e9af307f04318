package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/cli"
)

// updateDocs rewrites the generated documentation instead of checking it:
//
//	go test ./cmd/attachform -run TestCLIReference -update
var updateDocs = flag.Bool("update", false, "rewrite docs/cli.md from the commands")

// cliReferencePath is the generated command reference.
var cliReferencePath = filepath.Join("..", "..", "docs", "cli.md")

// docs/cli.md is the commands' own help, put together: it cannot say
// what the commands do not. CI fails when it and the commands disagree.
func TestCLIReference(t *testing.T) {
	want := cliReference(commands(&globals{}))
	if *updateDocs {
		if err := os.WriteFile(cliReferencePath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(cliReferencePath)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("docs/cli.md is not what the commands say; regenerate it with\n"+
			"  go test ./cmd/attachform -run TestCLIReference -update\nFirst difference:\n%s", firstDifference(string(got), want))
	}
}

// cliReference renders the reference: the usage and global options, then
// each command (main ones first, subcommands after their group) with its
// synopsis and its help exactly as -help prints it.
func cliReference(cmds map[string]cli.CommandFactory) string {
	var b strings.Builder
	b.WriteString(`# Command reference

<!-- Generated from the commands' own help by
     go test ./cmd/attachform -run TestCLIReference -update
     Do not edit: CI fails when this file and the commands disagree. -->

Every command below prints the same text with ` + "`attachform help COMMAND`" + ` (or
` + "`attachform COMMAND -help`" + `). Flags take one dash or two (` + "`-lock-timeout=5m`" + `,
` + "`--lock-timeout 5m`" + `); global options come before the command. Exit codes: 0
success, 1 error, 2 changes present (with ` + "`-detailed-exitcode`" + `); ` + "`fmt -check`" + `
exits 3 when a file would change.

`)
	main, other := commandGroups(cmds)
	var order []string
	for _, name := range append(main, other...) {
		order = append(order, name)
		for _, sub := range subcommands(cmds, name) {
			order = append(order, name+" "+sub)
		}
	}
	b.WriteString("| command | what it does |\n|---|---|\n")
	for _, name := range order {
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s |\n", name, anchor("attachform "+name), synopsis(cmds, name))
	}
	b.WriteString("\n## attachform\n\n```text\n" + topHelp(cmds) + "\n```\n")
	for _, name := range order {
		c, err := cmds[name]()
		if err != nil {
			continue
		}
		fmt.Fprintf(&b, "\n## attachform %s\n\n%s.\n\n```text\n%s\n```\n", name, c.Synopsis(), strings.TrimRight(c.Help(), "\n"))
	}
	b.WriteString(`
## Environment

| variable | effect |
|---|---|
| ` + "`ATTACHFORM_VAR_name`" + ` | The value of variable ` + "`name`" + `, below ` + "`-var`" + ` and ` + "`-var-file`" + `. |
| ` + "`ATTACHFORM_GRAPH_ENDPOINT`" + ` | Overrides the manifest's ` + "`graph.endpoint`" + `, for a dry run against ` + "`attachform emulator`" + `: ` + "`emulator`" + ` or an origin, https (plain http only to this machine). Set but empty or malformed, it is an error before anything is sent. |
| ` + "`ATTACHFORM_IN_AUTOMATION`" + ` | Any value: leave out the hints about which command to run next (as Terraform's ` + "`TF_IN_AUTOMATION`" + `). |
| ` + "`GITHUB_STEP_SUMMARY`" + ` | Set by GitHub Actions: ` + "`plan`" + ` appends the plan there as Markdown (the comment of ` + "`show -markdown`" + `). |
| ` + "`ATTACHFORM_LOG`" + ` | ` + "`trace`, `debug`, `info`, `warn` or `error`" + `: log lines (redacted) on stderr. Off by default. |
| ` + "`ATTACHFORM_LOG_PATH`" + ` | Write the log lines to this file instead. |
| ` + "`NO_COLOR`" + ` | No colour, as ` + "`-no-color`" + `. |
| ` + "`GITHUB_ACTIONS=true`" + ` | Diagnostics are also written as annotations on the pull request's diff. |
| ` + "`AZURE_*`" + `, ` + "`ARM_*`" + ` | Credentials: see [manifest.md](manifest.md#signing-in-auth) and [state.md](state.md). ` + "`ARM_ACCESS_KEY`" + ` or ` + "`ARM_SAS_TOKEN`" + ` set but empty is an error, not a reason to sign in another way. |

## Shell completion

` + "`attachform -install-autocomplete`" + ` adds completion of commands, flags,
files and attachment addresses to the shells it finds in ` + "`$HOME`" + `: a line
in ` + "`~/.bashrc`" + ` (or the first of ` + "`.bash_profile`" + `, ` + "`.bash_login`" + `, ` + "`.profile`" + `)
and ` + "`~/.zshrc`" + ` (` + "`complete -C /path/to/attachform attachform`" + `), and a file in
fish's ` + "`completions`" + ` directory (under ` + "`$XDG_CONFIG_HOME`" + `, else ` + "`~/.config`" + `).
A symlinked startup file is changed where it points. ` + "`-uninstall-autocomplete`" + `
removes them, whichever path the line names. Without the installer, the same line in any bash or zsh
(after ` + "`autoload -U +X bashcompinit && bashcompinit`" + `) does it.
`)
	return b.String()
}

// anchor is the fragment GitHub gives a heading.
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}

// firstDifference shows the first line where got and want part.
func firstDifference(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n  written: %q\n  actual:  %q", i+1, gl, wl)
		}
	}
	return "(none)"
}
