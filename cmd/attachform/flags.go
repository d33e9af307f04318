package main

import (
	"errors"
	"flag"
	"time"

	"github.com/attachform/attachform/internal/arguments"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/spec"
	"github.com/hashicorp/hcl/v2"
)

// The commands parse their command lines with internal/arguments; what is
// here turns the parsed values into the options the work below takes, and
// ends a command whose command line is wrong.

// manifestFlags are the manifest options (arguments.Manifests) as loading
// takes them.
type manifestFlags struct {
	varArgs       []spec.VarArg
	backendConfig []string
	allowOutside  bool
	// generateConfig is set by plan -generate-config-out, not a flag of
	// its own: import blocks may then name undeclared attachments.
	generateConfig bool
}

// manifestFlagsOf are the manifest options the flags give.
func manifestFlagsOf(m arguments.Manifests) manifestFlags {
	return manifestFlags{varArgs: m.VarArgs, backendConfig: m.BackendConfig, allowOutside: m.AllowOutsideSources}
}

// loadOptions are the manifest flags as loadManifests takes them.
func (m *manifestFlags) loadOptions(g *globals) spec.LoadOptions {
	return spec.LoadOptions{
		VarArgs: m.varArgs, Environ: g.environ,
		BackendConfig: m.backendConfig, AllowOutsideSources: m.allowOutside,
		GenerateConfig: m.generateConfig,
	}
}

// configFlags are the options of the commands that plan (plan, apply,
// destroy: arguments.Operation; import sets its own) as the workspace
// takes them.
type configFlags struct {
	manifestFlags
	lock        bool
	lockTimeout time.Duration
	parallelism int
	targets     []string // -target: plan only these addresses
	replaces    []string // -replace: force these replacements
	destroy     bool     // -destroy: plan to remove everything managed
	refreshOnly bool     // -refresh-only: bring the state in line with Graph
	refresh     bool     // -refresh=false: plan from the state alone
	// -allow-mass-destroy: let a plan delete or replace more than the
	// guard's share of the managed attachments.
	allowMassDestroy bool
	// -force: read a state whose serial went backwards (an older copy
	// restored over a newer one), and make it the latest.
	force bool
	// -input=false: ask nothing; where a question would be asked (apply's
	// approval), fail instead.
	input bool
}

// configFlagsOf are the options the plan flags give.
func configFlagsOf(o arguments.Operation) configFlags {
	return configFlags{
		manifestFlags: manifestFlagsOf(o.Manifests),
		lock:          o.Lock.Lock, lockTimeout: o.LockTimeout,
		parallelism: o.Parallelism, targets: o.Targets, replaces: o.Replaces,
		destroy: o.Destroy, refreshOnly: o.RefreshOnly, refresh: o.Refresh,
		allowMassDestroy: o.AllowMassDestroy, force: o.Force, input: o.Input,
	}
}

// mode is the plan mode the flags ask for.
func (c *configFlags) mode() plan.Mode {
	switch {
	case c.destroy:
		return plan.Destroy
	case c.refreshOnly:
		return plan.RefreshOnly
	}
	return plan.Normal
}

// checked shows diags on v and says whether there were no errors.
func checked(v diagnosticsView, diags hcl.Diagnostics) bool {
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
