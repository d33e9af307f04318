package main

import (
	"errors"
	"flag"
	"fmt"
	"github.com/attachform/attachform/plan"
	"io"
	"strings"

	"github.com/attachform/attachform/internal/addrs"
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
	if g.describe != nil {
		// Only the flags were asked for (describeFlags): nothing runs.
		g.describe(fs)
		return exitOK, true
	}
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

// manifestFlags are the flags of every command that loads the manifests.
type manifestFlags struct {
	varArgs       []spec.VarArg
	backendConfig listFlag
	allowOutside  bool
	// generateConfig is set by plan -generate-config-out, not a flag of
	// its own: import blocks may then name undeclared attachments.
	generateConfig bool
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

const manifestFlagsHelp = `  -var 'name=value'       Set a variable. Repeatable; later options win.
  -var-file=FILE          Read variable values from FILE. Repeatable.
  -backend-config=K=V     Backend setting kept out of the manifest. Repeatable.
  -allow-outside-sources  Allow source files outside the configuration directory.
                          A manifest can never grant itself this.`

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

func (c *configFlags) register(fs *flag.FlagSet) {
	c.manifestFlags.register(fs)
	fs.BoolVar(&c.lock, "lock", true, "")
	fs.Var(&c.lockTimeout, "lock-timeout", "")
	fs.IntVar(&c.parallelism, "parallelism", 10, "")
	fs.Var(&c.targets, "target", "")
	fs.Var(&c.replaces, "replace", "")
	fs.BoolVar(&c.destroy, "destroy", false, "")
	fs.BoolVar(&c.refreshOnly, "refresh-only", false, "")
	fs.BoolVar(&c.refresh, "refresh", true, "")
	fs.BoolVar(&c.allowMassDestroy, "allow-mass-destroy", false, "")
	fs.BoolVar(&c.force, "force", false, "")
	fs.BoolVar(&c.input, "input", true, "")
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

const configFlagsHelp = `  -target=ADDRESS         Only this attachment (repeatable): attachment.NAME
                          (every instance), one instance such as
                          'attachment.NAME["KEY"]' or attachment.NAME[0], or
                          the attachments on a target or one of its instances
                          ('target.NAME["KEY"]').
  -replace=ADDRESS        Replace this attachment even if unchanged (repeatable).
  -lock=false             Do not lock the state. Dangerous when others run too.
  -lock-timeout=DURATION  Wait this long for the state lock (default: fail at once).
  -parallelism=N          Graph requests in flight at once, across mailboxes
                          (default 10); each mailbox also keeps to its own
                          limits, and one waiting for its budget holds none.
  -destroy                Plan to delete every attachment attachform manages.
  -refresh-only           Change nothing in Graph; update the state to match it.
  -refresh=false          Plan from the state alone, without reading Graph.
  -allow-mass-destroy     Allow deleting or replacing more than 30 % of the
                          managed attachments (when 10 or more are managed;
                          the graph block's mass_destroy_threshold and
                          mass_destroy_minimum change both).
  -force                  Use a state whose serial went backwards (an older copy
                          restored over a newer one), and make it the latest.
  -input=false            Ask no question: where one would be asked, fail.
` + manifestFlagsHelp

// check validates what the flag package cannot: -parallelism's range, and
// -target and -replace addresses, spelled afterwards as plans spell them
// (attachment.x["k"]). Nothing is read before these are right.
func (c *configFlags) check(v diagnosticsView) bool {
	var diags hcl.Diagnostics
	if c.parallelism < 1 {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid -parallelism",
			Detail: fmt.Sprintf("-parallelism=%d: give at least 1 change at a time.", c.parallelism)})
	}
	if c.destroy && c.refreshOnly {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Incompatible plan modes",
			Detail: "-destroy and -refresh-only ask for different plans: choose one."})
	}
	if !c.refresh && c.refreshOnly {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Incompatible refresh options",
			Detail: "-refresh-only reads Graph to update the state, so -refresh=false leaves it nothing to do: choose one."})
	}
	for i, s := range c.targets {
		a, d := spec.ParseAnyAddress(s)
		if !d.HasErrors() && a.Kind != addrs.Attachment && a.Kind != addrs.Target {
			d = hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid -target",
				Detail: fmt.Sprintf("-target=%s: a plan changes attachments, so -target takes an attachment (attachment.NAME, attachment.NAME[\"KEY\"]) or a target, whose attachments it selects (target.NAME, target.NAME[\"KEY\"]).", a)}}
		}
		diags = append(diags, d...)
		if !d.HasErrors() {
			c.targets[i] = a.String()
		}
	}
	for i, s := range c.replaces {
		a, d := spec.ParseAddress(s)
		diags = append(diags, d...)
		if !d.HasErrors() {
			c.replaces[i] = a.String()
		}
	}
	v.Diagnostics(nil, diags)
	return !diags.HasErrors()
}
