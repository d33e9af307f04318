package main

import (
	"strings"

	"github.com/attachform/attachform/internal/hclfmt"
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
` + fmtViews.Help(helpColumn))
}

func (c *fmtCommand) Run(args []string) int {
	var o hclfmt.Options
	var vf viewFlags
	fs := newFlagSet("fmt")
	fs.BoolVar(&o.Check, "check", false, "")
	fs.BoolVar(&o.Diff, "diff", false, "")
	fs.BoolVar(&o.List, "list", true, "")
	fs.BoolVar(&o.Write, "write", true, "")
	fs.BoolVar(&o.Recursive, "recursive", false, "")
	fmtViews.Register(fs, &vf)
	if code, done := parseFlags(c.g, fs, args, c.Help()); done {
		return code
	}
	v, ok := fmtViews.Open(c.g.viewStreams(), vf)
	if !ok {
		return exitError
	}
	res := hclfmt.Run(c.g.dir, c.g.std.in, fs.Args(), o, v)
	switch {
	case res.Failed:
		return exitError
	case o.Check && res.Unformatted:
		return exitUnformatted
	}
	return exitOK
}
