package main

import (
	"strings"

	"github.com/attachform/attachform/internal/arguments"
	"github.com/attachform/attachform/internal/views"
	"github.com/attachform/attachform/internal/workspace"
)

type showCommand struct{ g *globals }

func (c *showCommand) Synopsis() string { return "Show a saved plan, or the state" }

func (c *showCommand) Help() string {
	return strings.TrimSpace(`
Usage: attachform [-chdir=DIR] show [options] [PLANFILE]

  Shows a plan saved by "attachform plan -out=PLANFILE" as plan showed it,
  or, without PLANFILE, what the state records (upload URLs, which are
  credentials, never shown). It changes nothing and sends no request to
  Graph.

  -json writes Terraform's JSON format: a plan as "terraform show -json
  PLANFILE" does (format_version 1.2: resource_changes of type
  attachform_attachment, with Terraform's actions and action_reason), so
  tools written for Terraform plans (terraform-json, OPA, conftest) read it;
  the state as "terraform show -json" does. -markdown writes a saved plan
  as a pull request comment: the totals first, then the changes per item in
  collapsed sections, always under GitHub's 65,535 characters.

  The state is found through the manifests' backend block, so the options
  that load the manifests are taken when there is no PLANFILE.

Options:

` + arguments.ManifestsHelp + "\n" + views.ShowViews.Help(views.HelpColumn))
}

func (c *showCommand) Run(args []string) int {
	g := c.g
	a, err := arguments.ParseShow(args)
	if code, done := parsed(g, err, c.Help()); done {
		return code
	}
	v, ok := views.ShowViews.Open(g.viewStreams(), a.View)
	if !ok {
		return exitError
	}
	if err := a.Misuse(); err != nil {
		v.UsageError(err, c.Help())
		return exitError
	}
	if len(a.Args) == 1 {
		return c.showPlan(v, a.Args[0])
	}
	return c.showState(v, a.Manifests)
}

func (c *showCommand) showPlan(v views.Show, file string) int {
	saved, err := workspace.ReadSavedPlan(c.g.env(), file)
	if err != nil {
		views.Errorf(v, "Cannot read the saved plan", "Reading %s failed: %v.", file, err)
		return exitError
	}
	if err := v.SavedPlan(saved); err != nil {
		return exitError
	}
	return exitOK
}

// showState reads the state where the manifests keep it, without a lock
// (as Terraform's show): it only reads.
func (c *showCommand) showState(v views.Show, m arguments.Manifests) int {
	g := c.g
	cfg, diags := workspace.LoadManifests(g.env(), manifestOptions(g, m))
	if diags.HasErrors() {
		v.Diagnostics(cfg.Files, diags)
		return exitError
	}
	b, err := workspace.OpenBackend(g.env(), cfg, v.DeviceCode, false)
	if err != nil {
		views.Errorf(v, "Cannot open the state backend", "%v", err)
		return exitError
	}
	st, err := b.Read(g.ctx)
	if err != nil {
		views.Errorf(v, "Cannot read the state", "%v", err)
		return exitError
	}
	if err := v.State(st); err != nil {
		return exitError
	}
	return exitOK
}
