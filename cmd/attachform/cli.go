package main

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/attachform/attachform/internal/completion"
	"github.com/attachform/attachform/internal/suggest"
	"github.com/attachform/attachform/internal/views"
	"github.com/hashicorp/cli"
	"github.com/posener/complete"
)

// mainCommands are the commands the help lists first, in the order of a
// day's work, as Terraform lists its own; every other command follows in
// alphabetical order. One absent from commands is left out.
var mainCommands = []string{"init", "validate", "plan", "apply", "destroy"}

// The global options' spellings, besides -chdir (splitGlobalFlags).
const (
	installAutocomplete   = "install-autocomplete"
	uninstallAutocomplete = "uninstall-autocomplete"
)

// dispatch runs the command args names (what is left after -chdir): it
// answers help, version and unknown commands itself, the way Terraform
// does, and hands everything else to the command framework.
//
//   - attachform, with no command: the help on stderr, exit 1.
//   - attachform -help, attachform help: the help on stdout, exit 0.
//   - attachform help CMD…: CMD's help, as attachform CMD -help.
//   - attachform -version (-v, --version): the version command.
//   - an unknown command or subcommand: an error naming it, with the
//     closest known name, exit 1.
func dispatch(g *globals, v *views.View, args []string) int {
	cmds := commands(g)
	if len(args) > 0 {
		switch strings.TrimLeft(args[0], "-") {
		case "v", "version":
			if strings.HasPrefix(args[0], "-") {
				args = append([]string{"version"}, args[1:]...)
			}
		case "h", "help":
			if len(args) == 1 {
				v.TopHelp(topHelp(cmds))
				return exitOK
			}
			// help CMD… and -help CMD… are CMD… -help, once CMD… is known.
			name, rest := resolveCommand(cmds, args[1:])
			if code, done := checkCommand(cmds, v, name, rest); done {
				return code
			}
			args = append(strings.Fields(name), "-help")
		case installAutocomplete, uninstallAutocomplete:
			if len(args) > 1 {
				v.UsageError(fmt.Errorf("%s takes nothing after it", args[0]), "")
				return exitError
			}
			install := strings.TrimLeft(args[0], "-") == installAutocomplete
			files, err := changeCompletion(g, install)
			v.CompletionChanged(install, files)
			if err != nil {
				v.Fail(err.Error())
				return exitError
			}
			return exitOK
		}
	}
	if len(args) == 0 {
		v.MissingCommand(topHelp(cmds))
		return exitError
	}
	if strings.HasPrefix(args[0], "-") {
		v.UnknownGlobalOption(args[0])
		return exitError
	}
	name, rest := resolveCommand(cmds, args)
	if code, done := checkCommand(cmds, v, name, rest); done {
		return code
	}
	return runFramework(g, v, cmds, args)
}

// runFramework hands args to hashicorp/cli, which runs the command (and
// shows a command's help for -h), or installs shell completion.
func runFramework(g *globals, v *views.View, cmds map[string]cli.CommandFactory, args []string) int {
	c := &cli.CLI{
		Name:                  "attachform",
		Args:                  args,
		Commands:              cmds,
		HelpFunc:              func(map[string]cli.CommandFactory) string { return topHelp(cmds) },
		HelpWriter:            g.std.out, // the framework writes a command's -help itself
		ErrorWriter:           g.std.err,
		Autocomplete:          true,
		AutocompleteInstall:   installAutocomplete,
		AutocompleteUninstall: uninstallAutocomplete,
		// -chdir is completed everywhere on the line: the completion
		// library has no place for options allowed only before the
		// command.
		AutocompleteGlobalFlags: complete.Flags{"-chdir": complete.PredictDirs("*")},
	}
	if g.getenv("COMP_LINE") != "" {
		c.Commands = completion.Commands(cmds, completion.Env{Ctx: g.ctx, Dir: g.dir, Environ: g.environ, Getenv: g.getenv})
	}
	code, err := c.Run()
	if err != nil {
		v.Fail(err.Error())
		return exitError
	}
	return code
}

// resolveCommand splits args into the longest command name they start
// with ("state list") and the rest. name is "" when args[0] is no command.
func resolveCommand(cmds map[string]cli.CommandFactory, args []string) (name string, rest []string) {
	for i := 1; i <= len(args); i++ {
		candidate := strings.Join(args[:i], " ")
		if _, ok := cmds[candidate]; ok {
			name, rest = candidate, args[i:]
		}
	}
	if name == "" {
		return "", args
	}
	return name, rest
}

// checkCommand reports an unknown command, or an unknown subcommand of one
// that has subcommands (state), on v: done is true, with exit 1.
func checkCommand(cmds map[string]cli.CommandFactory, v *views.View, name string, rest []string) (code int, done bool) {
	if name == "" {
		if len(rest) == 0 {
			v.MissingCommand(topHelp(cmds))
			return exitError, true
		}
		v.UnknownCommand("", rest[0], suggest.Closest(rest[0], subcommands(cmds, "")))
		return exitError, true
	}
	subs := subcommands(cmds, name)
	if len(subs) > 0 && len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		v.UnknownCommand(name, rest[0], suggest.Closest(rest[0], subs))
		return exitError, true
	}
	return exitOK, false
}

// subcommands lists the immediate subcommands of parent ("" for the top
// level), sorted.
func subcommands(cmds map[string]cli.CommandFactory, parent string) []string {
	prefix := ""
	if parent != "" {
		prefix = parent + " "
	}
	var out []string
	for name := range cmds {
		rest, ok := strings.CutPrefix(name, prefix)
		if ok && rest != "" && !strings.Contains(rest, " ") {
			out = append(out, rest)
		}
	}
	sort.Strings(out)
	return out
}

// commandGroups splits the top-level commands into the main ones, in
// mainCommands' order, and the others, sorted.
func commandGroups(cmds map[string]cli.CommandFactory) (main, other []string) {
	for _, name := range subcommands(cmds, "") {
		if !slices.Contains(mainCommands, name) {
			other = append(other, name)
		}
	}
	for _, name := range mainCommands {
		if _, ok := cmds[name]; ok {
			main = append(main, name)
		}
	}
	return main, other
}

// synopsis is a command's one-line summary; "" if it cannot be built.
func synopsis(cmds map[string]cli.CommandFactory, name string) string {
	c, err := cmds[name]()
	if err != nil {
		return ""
	}
	return c.Synopsis()
}

// globalOptions are the options before the command, for the help and the
// reference.
var globalOptions = [][2]string{
	{"-chdir=DIR", "Switch to DIR before running the command: manifests,\nstate and plan files are read and written there."},
	{"-help", "Show this help. \"attachform help CMD\" shows a command's."},
	{"-version", "The same as the version command."},
	{"-" + installAutocomplete, "Install completion of commands and flags in the\nshells found (bash, zsh, fish)."},
	{"-" + uninstallAutocomplete, "Remove it."},
}

// globalColumn is where the global options' texts start.
const globalColumn = 28

// topHelp is the help of attachform itself.
func topHelp(cmds map[string]cli.CommandFactory) string {
	var b strings.Builder
	b.WriteString(`Usage: attachform [global options] <command> [options] [args]

Declarative file attachments for Microsoft 365: the manifests (*.attach.hcl)
say which files belong on which Outlook message, event or To Do task; plan
shows what would change in Microsoft Graph, apply makes it so.
`)
	main, other := commandGroups(cmds)
	width := 0
	for _, name := range append(slices.Clone(main), other...) {
		width = max(width, len(name))
	}
	list := func(title string, names []string) {
		if len(names) == 0 {
			return
		}
		b.WriteString("\n" + title + ":\n")
		for _, name := range names {
			b.WriteString("  " + name + strings.Repeat(" ", width-len(name)+2) + synopsis(cmds, name) + "\n")
		}
	}
	list("Main commands", main)
	list("All other commands", other)
	b.WriteString("\nGlobal options (use these before the command):\n")
	for _, o := range globalOptions {
		b.WriteString(views.FlagHelp(globalColumn, o[0], o[1]))
	}
	b.WriteString("\nRun \"attachform help CMD\" (or attachform CMD -help) for a command's options.\n" +
		"Exit codes: 0 success, 1 error, 2 changes present (plan -detailed-exitcode).")
	return b.String()
}
