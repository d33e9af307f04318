package views

import "fmt"

// What attachform itself says before any command runs: its help, and the
// mistakes of a command line that names no command it knows. Always plain
// (there is no -no-color yet to obey, so the command makes a plain view).

// TopHelp writes attachform's help on stdout: it was asked for.
func (v *View) TopHelp(help string) {
	fmt.Fprintln(v.out, help)
}

// MissingCommand writes the help on stderr: a command line without a
// command is a mistake, but the help is what the user needs.
func (v *View) MissingCommand(help string) {
	fmt.Fprintln(v.err, help)
}

// UnknownCommand reports a command (parent "") or a subcommand of parent
// that does not exist, with the closest known one when there is one.
func (v *View) UnknownCommand(parent, name, closest string) {
	what, list := "attachform has no command named", "attachform -help"
	if parent != "" {
		what, list = "attachform "+parent+" has no subcommand named", "attachform "+parent+" -help"
	}
	hint := ""
	if closest != "" {
		hint = fmt.Sprintf(" Did you mean %q?", closest)
	}
	fmt.Fprintf(v.err, "Error: %s %q.%s\n\nTo see them all, run:\n  %s\n", what, name, hint, list)
}

// UnknownGlobalOption reports an option before the command that is not a
// global one: usually a command's option put in the wrong place.
func (v *View) UnknownGlobalOption(opt string) {
	fmt.Fprintf(v.err, "Error: %s is not a global option.\n\n"+
		"Global options come before the command: -chdir=DIR, -help, -version.\n"+
		"A command's own options come after it, as in: attachform plan -out=review.plan\n", opt)
}
