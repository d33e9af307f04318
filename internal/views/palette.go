package views

import (
	"io"
	"os"

	"github.com/mattn/go-isatty"
)

// The palette is every colour attachform paints with, and these are the
// only ANSI codes in the program. A colour means one thing everywhere:
// green adds, red removes, yellow replaces, cyan adopts what is already
// there, bold marks a heading, and bold green headlines a success. Text
// never depends on colour to be understood: every coloured symbol is
// also a character (+, -, ~), every headline also a word.
//
// (HCL's diagnostic writer paints diagnostics with codes of its own; it is
// told whether to by the same decision, colorFor.)
type palette struct{ on bool }

// style is an ANSI SGR sequence.
type style string

const (
	ansiReset = "\x1b[0m"

	styleBold    style = "\x1b[1m"
	styleAdd     style = "\x1b[32m" // green: created, added
	styleRemove  style = "\x1b[31m" // red: destroyed, cancelled, forgotten
	styleReplace style = "\x1b[33m" // yellow: replaced, changed
	styleAdopt   style = "\x1b[36m" // cyan: recorded as it is
	styleSuccess       = styleBold + styleAdd
)

// paint wraps text in s and a reset; with the palette off, or no style, it
// returns text unchanged, byte for byte.
func (p palette) paint(s style, text string) string {
	if !p.on || s == "" {
		return text
	}
	return string(s) + text + ansiReset
}

// colorFor decides whether a stream is painted: only a terminal, and never
// with -no-color (noColor), NO_COLOR set to anything, or TERM=dumb.
func colorFor(w io.Writer, noColor bool, getenv func(string) string) bool {
	if noColor || getenv("NO_COLOR") != "" || getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}
