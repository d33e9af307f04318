package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/attachform/attachform/spec"
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
  -no-color               No colour in the output (NO_COLOR in the
                          environment too).
  -var 'name=value'       Set a variable. Repeatable.
  -var-file=FILE          Read variable values from FILE. Repeatable.
  -backend-config=K=V     Backend setting kept out of the manifest. Repeatable.
  -allow-outside-sources  Allow source files outside the configuration
                          directory, as plan -allow-outside-sources does.
`)
}

// repeated collects a repeatable string flag in order.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

func (c *validateCommand) Run(args []string) int {
	var (
		asJSON, noColor, allowOutside bool
		vars, varFiles, backendConfig repeated
	)
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&asJSON, "json", false, "")
	fs.BoolVar(&noColor, "no-color", false, "")
	fs.BoolVar(&allowOutside, "allow-outside-sources", false, "")
	fs.Var(&vars, "var", "")
	fs.Var(&varFiles, "var-file", "")
	fs.Var(&backendConfig, "backend-config", "")
	if code, done := parseCommandFlags(c.g, fs, args, c.Help()); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(c.g.std.err, "Error: validate takes no arguments; to check another directory use attachform -chdir=DIR validate\n\n%s\n", c.Help())
		return exitError
	}
	cfg, diags := spec.Load(c.g.ctx, c.g.dir, spec.LoadOptions{
		Vars:                vars,
		VarFiles:            varFiles,
		Environ:             c.g.environ,
		BackendConfig:       backendConfig,
		AllowOutsideSources: allowOutside,
	})
	color := diagnosticColor(c.g, noColor)
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

// parseCommandFlags parses a command's flags. done says the command is
// over (help was asked for, or a flag was wrong) and code is its exit code.
func parseCommandFlags(g *globals, fs *flag.FlagSet, args []string, help string) (code int, done bool) {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprintln(g.std.out, help)
		return exitOK, true
	case err != nil:
		fmt.Fprintf(g.std.err, "Error: %v\n\n%s\n", err, help)
		return exitError, true
	}
	return exitOK, false
}
