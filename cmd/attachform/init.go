package main

import (
	"github.com/attachform/attachform/internal/arguments"
	"github.com/attachform/attachform/internal/views"
	"github.com/attachform/attachform/internal/workspace"
)

// initCommand is init.
type initCommand struct{ g *globals }

func (c *initCommand) Synopsis() string {
	return "Set up the state backend, moving the state if it changed"
}

func (c *initCommand) Help() string {
	return `Usage: attachform [-chdir=DIR] init [options]

  Sets up the backend the manifests' backend block names: checks that the
  state can be read there (credentials, container), and remembers it in
  .attachform/backend.json with the -backend-config options given, which
  later commands given none use.

  When the backend changed since the last init (or, the first time, when
  the state is still in attachform.state.json and the manifests now keep it
  elsewhere), the state must move, or the next plan would start from an
  empty state and upload everything again. -migrate-state copies it to the
  new backend, lineage and all, under both locks; it is refused when the new
  backend already holds another state (another lineage) unless -force-copy.
  The old copy stays where it was.

  plan and apply work without init; run it when you set up or change the
  backend.

Options:

  -migrate-state          Copy the state from the previous backend.
  -force-copy             With -migrate-state: replace a state of another
                          lineage in the new backend.
  -reconfigure            Use the new backend as it is, without copying.
  -input=false            Accepted, as pipelines written for Terraform pass it:
                          init asks nothing.
` + arguments.LockHelp + "\n" + arguments.ManifestsHelp + "\n" + views.StateViews.Help(views.HelpColumn)
}

func (c *initCommand) Run(args []string) int {
	g := c.g
	a, err := arguments.ParseInit(args)
	if code, done := parsed(g, err, c.Help()); done {
		return code
	}
	v, ok := views.StateViews.Open(g.viewStreams(), a.View)
	if !ok {
		return exitError
	}
	if err := a.Misuse(); err != nil {
		v.UsageError(err, c.Help())
		return exitError
	}
	rec, ok := workspace.Init(g.env(), v, workspace.InitOptions{
		Load:    manifestOptions(g, a.Manifests),
		Migrate: a.MigrateState, ForceCopy: a.ForceCopy, Reconfigure: a.Reconfigure,
		Lock: a.Lock.Lock, LockTimeout: a.LockTimeout,
	})
	if !ok {
		return exitError
	}
	v.BackendReady(rec.Type, workspace.DescribeSettings(rec.Settings))
	v.Initialized()
	return exitOK
}
