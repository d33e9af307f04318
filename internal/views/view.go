package views

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/internal/arguments"
	"github.com/hashicorp/hcl/v2"
)

// View is the base of every command's view: the streams, their colours,
// the environment and the configuration directory.
type View struct {
	out, err       io.Writer
	outPal, errPal palette // colour of stdout and of stderr
	// getenv reads the command's environment (GITHUB_ACTIONS for
	// annotations); nil reads nothing.
	getenv func(string) string
	dir    string // the configuration directory, for annotation paths
}

// Streams are what a view writes to, and what it reads of the command's
// setting.
type Streams struct {
	Out, Err io.Writer
	// Getenv reads the command's environment; nil reads nothing.
	Getenv func(string) string
	Dir    string // the configuration directory (-chdir), absolute
}

// NewView is the base view on s; noColor is -no-color.
func NewView(s Streams, noColor bool) *View {
	return &View{
		out: s.Out, err: s.Err,
		outPal: palette{colorFor(s.Out, noColor, s.Getenv)},
		errPal: palette{colorFor(s.Err, noColor, s.Getenv)},
		getenv: s.Getenv, dir: s.Dir,
	}
}

func (v *View) env(key string) string {
	if v.getenv == nil {
		return ""
	}
	return v.getenv(key)
}

// Set is one command's views, by kind of output: human (text for a
// person at a terminal or in a CI log) is required; json (a document for
// a program, -json) and markdown (a pull request comment, -markdown) are
// nil until the command has them, and their flags exist only then.
// jsonHelp and markdownHelp say what the flag writes, for the help.
type Set[V any] struct {
	human, json, markdown  func(*View) V
	jsonHelp, markdownHelp string
}

// Register adds -no-color, and -json and -markdown where the set has them.
func (s Set[V]) Register(fs *flag.FlagSet, f *arguments.View) {
	if s.json != nil {
		fs.BoolVar(&f.JSON, "json", false, "")
	}
	if s.markdown != nil {
		fs.BoolVar(&f.Markdown, "markdown", false, "")
	}
	fs.BoolVar(&f.NoColor, "no-color", false, "")
}

// Help is the flags' part of a command's help: each flag, then its text
// from column col (HelpColumn in most commands).
func (s Set[V]) Help(col int) string {
	var b strings.Builder
	if s.json != nil {
		b.WriteString(FlagHelp(col, "-json", s.jsonHelp))
	}
	if s.markdown != nil {
		b.WriteString(FlagHelp(col, "-markdown", s.markdownHelp))
	}
	b.WriteString(FlagHelp(col, "-no-color", "No colour in the output (NO_COLOR in the environment too)."))
	return strings.TrimSuffix(b.String(), "\n")
}

// HelpColumn is where flags' texts start in commands' help.
const HelpColumn = 26

// FlagHelp is one flag's entry, its text from column col, continued
// lines indented alike.
func FlagHelp(col int, flag, text string) string {
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

// Open builds the command's view on st for the flags given. Asking for two
// kinds at once is reported (on a plain view) and ok is false.
func (s Set[V]) Open(st Streams, f arguments.View) (v V, ok bool) {
	base := NewView(st, f.NoColor)
	switch {
	case f.JSON && f.Markdown:
		base.UsageError(errors.New("-json and -markdown cannot be used together"), "")
		return v, false
	case f.JSON:
		return s.json(base), true
	case f.Markdown:
		return s.markdown(base), true
	}
	return s.human(base), true
}

// Diagnostics shows diagnostics; every view does.
type Diagnostics interface {
	// Diagnostics shows diags; files (spec.Config's Files) give the
	// snippets, nil shows none. No diagnostics show nothing.
	Diagnostics(files map[string]*hcl.File, diags hcl.Diagnostics)
}

// Common is what every command's view shows, whatever its kind.
type Common interface {
	Diagnostics
	// Fail reports a problem with no place in a manifest, on one line.
	Fail(msg string)
	// UsageError reports a mistake on the command line, then the help
	// when there is one.
	UsageError(err error, help string)
}

// Errorf reports a problem that has no place in a manifest as a
// diagnostic, redacted: its detail may quote Graph.
func Errorf(v Diagnostics, summary, format string, args ...any) {
	v.Diagnostics(nil, hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   graph.Redact(fmt.Sprintf(format, args...)),
	}})
}

// Fail writes "Error: msg".
func (v *View) Fail(msg string) {
	fmt.Fprintf(v.err, "Error: %s\n", msg)
}

// UsageError writes the mistake, and the help after a blank line.
func (v *View) UsageError(err error, help string) {
	if help == "" {
		v.Fail(err.Error())
		return
	}
	fmt.Fprintf(v.err, "Error: %v\n\n%s\n", err, help)
}

// InternalError reports a bug (a panic), redacted.
func (v *View) InternalError(what any) {
	v.Fail("internal error: " + graph.Redact(fmt.Sprint(what)) + "\nPlease report this as a bug.")
}

// Help writes a command's help, asked for with -h.
func (v *View) Help(text string) {
	fmt.Fprintln(v.out, text)
}

// CompletionChanged names the startup files -install-autocomplete or
// -uninstall-autocomplete changed.
func (v *View) CompletionChanged(installed bool, files []string) {
	switch {
	case len(files) == 0:
	case installed:
		fmt.Fprintf(v.out, "Completion installed in %s. Open a new shell to use it.\n", strings.Join(files, ", "))
	default:
		fmt.Fprintf(v.out, "Completion removed from %s.\n", strings.Join(files, ", "))
	}
}

// DeviceCode shows the device-code sign-in instructions Azure gives.
func (v *View) DeviceCode(message string) error {
	_, err := fmt.Fprintln(v.err, message)
	return err
}

// Interrupt tells the user what an interrupt does (the command catches
// the signals).
type Interrupt interface {
	// Interrupted: outside apply's work, the command stops at once.
	Interrupted()
	// StoppingGracefully: nothing new starts; requests in flight get grace.
	StoppingGracefully(grace time.Duration)
	// StoppingAtOnce: a second interrupt.
	StoppingAtOnce()
	// GraceOver: requests in flight outlived the grace.
	GraceOver(grace time.Duration)
}

func (v *View) Interrupted() {
	fmt.Fprintln(v.err, "\nInterrupt received: stopping.")
}

func (v *View) StoppingGracefully(grace time.Duration) {
	fmt.Fprintf(v.err, "\nInterrupt received: stopping gracefully. Nothing new starts; requests in flight\n"+
		"get up to %s to finish, and what finished is saved in the state.\n"+
		"Interrupt again to stop at once; the state is saved either way.\n", grace)
}

func (v *View) StoppingAtOnce() {
	fmt.Fprintln(v.err, "\nSecond interrupt received: stopping at once. What finished is saved in the state.")
}

func (v *View) GraceOver(grace time.Duration) {
	fmt.Fprintf(v.err, "\nStill not stopped after %s: stopping at once. What finished is saved in the state.\n", grace)
}
