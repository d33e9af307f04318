package main

import (
	"errors"
	"flag"
	"io"
	"strings"

	"github.com/attachform/attachform/plan"

	"github.com/attachform/attachform/internal/arguments"
	"github.com/attachform/attachform/spec"
	"github.com/hashicorp/hcl/v2"
)

// listFlag collects a repeatable flag (-target, -backend-config, …) in order.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// varArgsFlag records -var and -var-file in one list, in command-line order,
// so a later option wins over an earlier one as in Terraform.
type varArgsFlag struct {
	args *[]spec.VarArg
	file bool
}

func (v varArgsFlag) String() string { return "" }
func (v varArgsFlag) Set(s string) error {
	*v.args = append(*v.args, spec.VarArg{File: v.file, Value: s})
	return nil
}

// newFlagSet returns a flag set that reports errors instead of exiting and
// prints its usage only through the command's Help.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseFlags parses a command's flags. done says the command is over: -h
// showed the help (exit 0), or a mistake was reported with it (exit 1).
//
// Before the flags are read there is no -no-color to obey: the help and
// the mistake are shown on a plain view, whose text is never coloured.
func parseFlags(g *globals, fs *flag.FlagSet, args []string, help string) (code int, done bool) {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		newView(g, true).Help(help)
		return exitOK, true
	case err != nil:
		newView(g, true).UsageError(err, help)
		return exitError, true
	}
	return exitOK, false
}

// manifestFlags are the manifest options as loading takes them
// (arguments.Manifests).
type manifestFlags struct {
	varArgs       []spec.VarArg
	backendConfig listFlag
	allowOutside  bool
	// generateConfig is set by plan -generate-config-out, not a flag of
	// its own: import blocks may then name undeclared attachments.
	generateConfig bool
}

// manifestFlagsOf are the manifest options the flags give.
func manifestFlagsOf(m arguments.Manifests) manifestFlags {
	return manifestFlags{varArgs: m.VarArgs, backendConfig: m.BackendConfig, allowOutside: m.AllowOutsideSources}
}

func (m *manifestFlags) register(fs *flag.FlagSet) {
	fs.Var(varArgsFlag{args: &m.varArgs}, "var", "")
	fs.Var(varArgsFlag{args: &m.varArgs, file: true}, "var-file", "")
	fs.Var(&m.backendConfig, "backend-config", "")
	fs.BoolVar(&m.allowOutside, "allow-outside-sources", false, "")
}

// loadOptions are the manifest flags as loadManifests takes them.
func (m *manifestFlags) loadOptions(g *globals) spec.LoadOptions {
	return spec.LoadOptions{
		VarArgs: m.varArgs, Environ: g.environ,
		BackendConfig: m.backendConfig, AllowOutsideSources: m.allowOutside,
		GenerateConfig: m.generateConfig,
	}
}

const manifestFlagsHelp = arguments.ManifestsHelp

// configFlags are the flags of the commands that plan: plan, apply.
type configFlags struct {
	manifestFlags
	lock        bool
	lockTimeout durationFlag
	parallelism int
	targets     listFlag // -target: plan only these addresses
	replaces    listFlag // -replace: force these replacements
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
		lock:          o.Lock.Lock, lockTimeout: durationFlag(o.LockTimeout),
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

const configFlagsHelp = arguments.OperationHelp

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

// viewFlagsOf are the output flags as the view sets take them.
func viewFlagsOf(a arguments.View) viewFlags {
	return a
}
