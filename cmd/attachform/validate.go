package main

import (
	"fmt"
	"strings"
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

  -json                   Write the result as JSON on stdout (the shape of
                          terraform validate -json).
` + manifestFlagsHelp)
}

func (c *validateCommand) Run(args []string) int {
	var asJSON bool
	var m manifestFlags
	fs := newFlagSet("validate")
	fs.BoolVar(&asJSON, "json", false, "")
	m.register(fs)
	if code, done := parseFlags(c.g, fs, args, c.Help()); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(c.g.std.err, "Error: validate takes no arguments; to check another directory use attachform -chdir=DIR validate\n\n%s\n", c.Help())
		return exitError
	}
	cfg, diags := loadManifests(c.g, m.loadOptions(c.g))
	color := diagnosticColor(c.g, m.noColor)
	writeDiagnostics(c.g, cfg.Files, diags, asJSON, color)
	if diags.HasErrors() {
		return exitError
	}
	if !asJSON {
		msg := "Success! The configuration is valid."
		if len(diags) > 0 {
			msg = "Success! The configuration is valid, but there were some validation warnings as shown above."
		}
		if color {
			msg = "\x1b[1m\x1b[32m" + msg + "\x1b[0m"
		}
		fmt.Fprintln(c.g.std.out, msg)
	}
	return exitOK
}
