package main

import (
	"strings"

	"github.com/attachform/attachform/internal/arguments"
	"github.com/attachform/attachform/internal/views"
	"github.com/attachform/attachform/internal/workspace"
)

// validateCommand checks the manifests offline: no state, no Graph.
type validateCommand struct{ g *globals }

func (c *validateCommand) Synopsis() string {
	return "Check the manifests without touching Graph or the state"
}

func (c *validateCommand) Help() string {
	return strings.TrimSpace(`
Usage: attachform [global options] validate [options]

  Checks the *.attach.hcl manifests in the configuration directory: syntax,
  references, types, variable values and validation rules, backend settings,
  source files (existence, location, size limits, empty files), attachment
  names, inline rules and duplicate names. It reads no state and sends no
  request to Graph: data sources are left unknown, and the checks that need
  their values are left to plan.

  Variable values are read as plan reads them (-var, -var-file,
  *.auto.attachvars, ATTACHFORM_VAR_name), so a missing required variable
  fails here as it would fail there.

  Exits 0 when the configuration is valid, 1 when it is not.

Options:

` + arguments.ManifestsHelp + "\n" + views.ValidateViews.Help(views.HelpColumn))
}

func (c *validateCommand) Run(args []string) int {
	a, err := arguments.ParseValidate(args)
	if code, done := parsed(c.g, err, c.Help()); done {
		return code
	}
	v, ok := views.ValidateViews.Open(c.g.viewStreams(), a.View)
	if !ok {
		return exitError
	}
	if err := a.Misuse(); err != nil {
		v.UsageError(err, c.Help())
		return exitError
	}
	cfg, diags := workspace.LoadManifests(c.g.env(), manifestOptions(c.g, a.Manifests))
	v.Results(cfg.Files, diags)
	if diags.HasErrors() {
		return exitError
	}
	return exitOK
}
