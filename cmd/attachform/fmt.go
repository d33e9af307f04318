package main

import (
	"strings"

	"github.com/attachform/attachform/internal/arguments"
	"github.com/attachform/attachform/internal/hclfmt"
	"github.com/attachform/attachform/internal/views"
)

// exitUnformatted is fmt -check's answer when a file needs formatting, as
// terraform fmt -check answers: distinct from 1, a syntax error.
const exitUnformatted = 3

// fmtCommand rewrites manifests and variable files in the canonical layout.
type fmtCommand struct{ g *globals }

func (c *fmtCommand) Synopsis() string { return "Rewrite manifests in the canonical format" }

func (c *fmtCommand) Help() string {
	return strings.TrimSpace(`
Usage: attachform [global options] fmt [options] [TARGET ...]

  Rewrites *.attach.hcl and *.auto.attachvars files in the canonical layout:
  two-space indentation, aligned equals signs, one newline at the end.
  TARGET is a file or a directory; the default is the configuration
  directory. "-" formats standard input to standard output. Files with
  syntax errors are reported and left unchanged.

  Exits 0 when done, 1 on a syntax or file error, and with -check 3 when a
  file is not formatted.

Options:

  -check                  Change nothing; list the files that need formatting
                          and exit 3 if there are any.
  -diff                   Show the changes as a unified diff.
  -list=false             Do not list the files that changed.
  -write=false            Do not rewrite files (implied by -check and by "-").
  -recursive              Also format files in subdirectories (not hidden ones).
` + views.FmtViews.Help(views.HelpColumn))
}

func (c *fmtCommand) Run(args []string) int {
	a, err := arguments.ParseFmt(args)
	if code, done := parsed(c.g, err, c.Help()); done {
		return code
	}
	v, ok := views.FmtViews.Open(c.g.viewStreams(), a.View)
	if !ok {
		return exitError
	}
	o := hclfmt.Options{Check: a.Check, Diff: a.Diff, List: a.List, Write: a.Write, Recursive: a.Recursive}
	res := hclfmt.Run(c.g.dir, c.g.std.in, a.Args, o, v)
	switch {
	case res.Failed:
		return exitError
	case o.Check && res.Unformatted:
		return exitUnformatted
	}
	return exitOK
}
