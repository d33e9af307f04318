package main

import (
	"errors"
	"flag"

	"github.com/attachform/attachform/internal/arguments"
	"github.com/attachform/attachform/internal/views"
	"github.com/attachform/attachform/internal/workspace"
	"github.com/attachform/attachform/spec"
	"github.com/hashicorp/hcl/v2"
)

// The commands parse their command lines with internal/arguments; what is
// here hands the parsed values to the work below, and ends a command whose
// command line is wrong.

// manifestOptions are the manifest flags as loading takes them.
func manifestOptions(g *globals, m arguments.Manifests) spec.LoadOptions {
	return spec.LoadOptions{
		VarArgs: m.VarArgs, Environ: g.environ,
		BackendConfig: m.BackendConfig, AllowOutsideSources: m.AllowOutsideSources,
	}
}

// operation is what a command that plans (plan, apply, destroy, and
// import, which sets its own) hands the workspace: its arguments, as the
// command may have changed them (a saved plan's variables and -target),
// and one thing no flag says directly.
type operation struct {
	arguments.Operation
	// generateConfig is set by plan -generate-config-out: import blocks
	// may then name undeclared attachments.
	generateConfig bool
}

// loadOptions are the operation's manifest options as loading takes them.
func (o *operation) loadOptions(g *globals) spec.LoadOptions {
	l := manifestOptions(g, o.Manifests)
	l.GenerateConfig = o.generateConfig
	return l
}

// planOptions are the options that shape the plan, as the workspace
// takes them.
func (o *operation) planOptions() workspace.PlanOptions {
	return workspace.PlanOptions{
		Refresh: o.Refresh, Mode: o.Mode(), Targets: o.Targets, Replace: o.Replaces,
		Parallelism: o.Parallelism, AllowMassDestroy: o.AllowMassDestroy,
	}
}

// checked shows diags on v and says whether there were no errors.
func checked(v views.Diagnostics, diags hcl.Diagnostics) bool {
	v.Diagnostics(nil, diags)
	return !diags.HasErrors()
}

// parsed ends a command whose flags could not be parsed: -h showed the
// help (exit 0), or a mistake was reported with it (exit 1). done says
// the command is over.
//
// Before the flags are read there is no -no-color to obey: the help and
// the mistake are shown on a plain view, whose text is never coloured.
func parsed(g *globals, err error, help string) (code int, done bool) {
	switch {
	case err == nil:
		return exitOK, false
	case errors.Is(err, flag.ErrHelp):
		newView(g, true).Help(help)
		return exitOK, true
	}
	newView(g, true).UsageError(err, help)
	return exitError, true
}
