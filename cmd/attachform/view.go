package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// The view layer. Commands decide what happened; views decide how it
// reads. Every byte attachform writes for a person or a program goes
// through a view (log lines go through go-hclog, and --help through the
// command framework, both onto the view's streams). The rules:
//
//   - stdout carries what a command produces: the plan, apply's progress
//     and outcome, validate's verdict, fmt's file list, diffs and output,
//     the emulator's URL, the version, and JSON documents. A program may
//     read it.
//   - stderr carries what is about the run: diagnostics, interrupt
//     notices, the emulator's status line, the sign-in prompt, GitHub
//     annotations.
//   - Colour comes from the palette (palette.go) and nowhere else, per
//     stream: only on a terminal, never with -no-color or NO_COLOR.
//   - Byte counts are written with internal/bytesize.
//   - Text that may quote an error from Graph is redacted (errorf does it).
//   - No command writes to a stream itself.
//
// Each command's output is an interface (planView, applyView, ...) with
// one implementation per kind of output: human text for every command,
// JSON where it exists, Markdown next. The command's viewSet lists them;
// a kind's flag (-json, -markdown) exists for a command exactly when its
// set has that kind, so a new kind is a new implementation and one entry
// in a set, and the command's code stays as it is.
type view struct {
	out, err       io.Writer
	outPal, errPal palette // colour of stdout and of stderr
	// getenv reads the command's environment (GITHUB_ACTIONS for
	// annotations); nil reads nothing.
	getenv func(string) string
	dir    string // the configuration directory, for annotation paths
}

// newView is the base view on g's streams; noColor is -no-color.
func newView(g *globals, noColor bool) *view {
	return &view{
		out: g.std.out, err: g.std.err,
		outPal: palette{colorFor(g.std.out, noColor, g.getenv)},
		errPal: palette{colorFor(g.std.err, noColor, g.getenv)},
		getenv: g.getenv, dir: g.dir,
	}
}

func (v *view) env(key string) string {
	if v.getenv == nil {
		return ""
	}
	return v.getenv(key)
}

// viewSet is one command's views, by kind of output: human (text for a
// person at a terminal or in a CI log) is required; json (a document for
// a program, -json) and markdown (a pull request comment, -markdown) are
// nil until the command has them, and their flags exist only then.
// jsonHelp and markdownHelp say what the flag writes, for the help.
type viewSet[V any] struct {
	human, json, markdown  func(*view) V
	jsonHelp, markdownHelp string
}

// viewFlags are the output flags a viewSet registers.
type viewFlags struct {
	noColor, json, markdown bool
}

// register adds -no-color, and -json and -markdown where the set has them.
func (s viewSet[V]) register(fs *flag.FlagSet, f *viewFlags) {
	if s.json != nil {
		fs.BoolVar(&f.json, "json", false, "")
	}
	if s.markdown != nil {
		fs.BoolVar(&f.markdown, "markdown", false, "")
	}
	fs.BoolVar(&f.noColor, "no-color", false, "")
}

// help is the flags' part of a command's help: each flag, then its text
// from column col (helpColumn in most commands).
func (s viewSet[V]) help(col int) string {
	var b strings.Builder
	if s.json != nil {
		b.WriteString(flagHelp(col, "-json", s.jsonHelp))
	}
	if s.markdown != nil {
		b.WriteString(flagHelp(col, "-markdown", s.markdownHelp))
	}
	b.WriteString(flagHelp(col, "-no-color", "No colour in the output (NO_COLOR in the environment too)."))
	return strings.TrimSuffix(b.String(), "\n")
}

// helpColumn is where flags' texts start in commands' help.
const helpColumn = 26

// flagHelp is one flag's entry, its text from column col, continued
// lines indented alike.
func flagHelp(col int, flag, text string) string {
	var b strings.Builder
	for i, line := range strings.Split(text, "\n") {
		if i == 0 {
			fmt.Fprintf(&b, "  %-*s%s\n", col-2, flag, line)
		} else {
			fmt.Fprintf(&b, "%*s%s\n", col, "", line)
		}
	}
	return b.String()
}

// open builds the command's view for the flags given. Asking for two kinds
// at once is reported (on a plain view) and ok is false.
func (s viewSet[V]) open(g *globals, f viewFlags) (v V, ok bool) {
	base := newView(g, f.noColor)
	switch {
	case f.json && f.markdown:
		base.UsageError(errors.New("-json and -markdown cannot be used together"), "")
		return v, false
	case f.json:
		return s.json(base), true
	case f.markdown:
		return s.markdown(base), true
	}
	return s.human(base), true
}

// diagnosticsView shows diagnostics; every view does.
type diagnosticsView interface {
	// Diagnostics shows diags; files (spec.Config's Files) give the
	// snippets, nil shows none. No diagnostics show nothing.
	Diagnostics(files map[string]*hcl.File, diags hcl.Diagnostics)
}

// commonView is what every command's view shows, whatever its kind.
type commonView interface {
	diagnosticsView
	// Fail reports a problem with no place in a manifest, on one line.
	Fail(msg string)
	// UsageError reports a mistake on the command line, then the help
	// when there is one.
	UsageError(err error, help string)
}

// errorf reports a problem that has no place in a manifest as a
// diagnostic, redacted: its detail may quote Graph.
func errorf(v diagnosticsView, summary, format string, args ...any) {
	v.Diagnostics(nil, hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   redactText(fmt.Sprintf(format, args...)),
	}})
}

// Fail writes "Error: msg".
func (v *view) Fail(msg string) {
	fmt.Fprintf(v.err, "Error: %s\n", msg)
}

// UsageError writes the mistake, and the help after a blank line.
func (v *view) UsageError(err error, help string) {
	if help == "" {
		v.Fail(err.Error())
		return
	}
	fmt.Fprintf(v.err, "Error: %v\n\n%s\n", err, help)
}

// InternalError reports a bug (a panic), redacted.
func (v *view) InternalError(what any) {
	v.Fail("internal error: " + redactText(fmt.Sprint(what)) + "\nPlease report this as a bug.")
}

// Help writes a command's help, asked for with -h.
func (v *view) Help(text string) {
	fmt.Fprintln(v.out, text)
}

// CompletionChanged names the startup files -install-autocomplete or
// -uninstall-autocomplete changed.
func (v *view) CompletionChanged(installed bool, files []string) {
	switch {
	case len(files) == 0:
	case installed:
		fmt.Fprintf(v.out, "Completion installed in %s. Open a new shell to use it.\n", strings.Join(files, ", "))
	default:
		fmt.Fprintf(v.out, "Completion removed from %s.\n", strings.Join(files, ", "))
	}
}

// DeviceCode shows the device-code sign-in instructions Azure gives.
func (v *view) DeviceCode(message string) error {
	_, err := fmt.Fprintln(v.err, message)
	return err
}

// interruptView tells the user what an interrupt does; see interrupts.
type interruptView interface {
	// Interrupted: outside apply's work, the command stops at once.
	Interrupted()
	// StoppingGracefully: nothing new starts; requests in flight get grace.
	StoppingGracefully(grace time.Duration)
	// StoppingAtOnce: a second interrupt.
	StoppingAtOnce()
	// GraceOver: requests in flight outlived the grace.
	GraceOver(grace time.Duration)
}

func (v *view) Interrupted() {
	fmt.Fprintln(v.err, "\nInterrupt received: stopping.")
}

func (v *view) StoppingGracefully(grace time.Duration) {
	fmt.Fprintf(v.err, "\nInterrupt received: stopping gracefully. Nothing new starts; requests in flight\n"+
		"get up to %s to finish, and what finished is saved in the state.\n"+
		"Interrupt again to stop at once; the state is saved either way.\n", grace)
}

func (v *view) StoppingAtOnce() {
	fmt.Fprintln(v.err, "\nSecond interrupt received: stopping at once. What finished is saved in the state.")
}

func (v *view) GraceOver(grace time.Duration) {
	fmt.Fprintf(v.err, "\nStill not stopped after %s: stopping at once. What finished is saved in the state.\n", grace)
}
