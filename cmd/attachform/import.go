package main

import (
	"github.com/attachform/attachform/internal/arguments"
	"github.com/attachform/attachform/internal/views"
)

// importCommand is import.
type importCommand struct{ g *globals }

func (c *importCommand) Synopsis() string { return "Record an existing attachment under an address" }

func (c *importCommand) Help() string {
	return `Usage: attachform [-chdir=DIR] import [options] ADDRESS ID

  Records the attachment with Graph id ID, already on an item, in the state
  as ADDRESS, so that attachform manages it from now on instead of uploading
  a second copy. ADDRESS must be declared in the manifests; the attachment
  must be on the item its target names (it is looked up there, and its bytes
  are read to record their digest). Nothing is changed in Graph.

  The next plan compares it with the source like any other: when its bytes
  (or its name) differ from the manifest's, the plan replaces it.

  An import block in the manifests does the same through plan and apply,
  where a pull request shows it.

Options:

  -input=false            Accepted, as pipelines written for Terraform pass it:
                          import asks nothing.
` + arguments.LockHelp + `
` + arguments.ManifestsHelp + "\n" + views.StateViews.Help(views.HelpColumn)
}

func (c *importCommand) Run(args []string) int {
	g := c.g
	flags, err := arguments.ParseImport(args)
	if code, done := parsed(g, err, c.Help()); done {
		return code
	}
	v, ok := views.StateViews.Open(g.viewStreams(), flags.View)
	if !ok {
		return exitError
	}
	if err := flags.Misuse(); err != nil {
		v.UsageError(err, c.Help())
		return exitError
	}
	addrs, diags := flags.Addresses()
	if !checked(v, diags) {
		return exitError
	}
	addr, id := addrs[0], flags.Args[1]
	f := operation{Operation: arguments.Operation{Manifests: flags.Manifests, Lock: flags.Lock, Parallelism: 1, Refresh: true}}
	w, ok := openWorkspace(g, v, &f, "import")
	if !ok {
		return exitError
	}
	defer w.Close()
	a, differs, ok := w.Import(v, addr, id)
	if !ok {
		return exitError
	}
	v.Imported(a, differs)
	return exitOK
}
