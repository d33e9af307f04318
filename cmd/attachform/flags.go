package main

import (
	"flag"
	"io"
	"strings"

	"github.com/attachform/attachform/spec"
	"github.com/hashicorp/hcl/v2"
)

// listFlag collects a repeatable flag (-var, -target, …) in order.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// newFlagSet returns a flag set that reports errors instead of exiting and
// prints its usage only through the command's Help.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// configFlags are the flags of every command that reads the manifests
// and talks to Graph: plan, apply.
type configFlags struct {
	vars          listFlag
	varFiles      listFlag
	backendConfig listFlag
	allowOutside  bool
	noColor       bool
	lock          bool
	lockTimeout   durationFlag
	parallelism   int
	targets       listFlag // -target: plan only these addresses
	replaces      listFlag // -replace: force these replacements
}

func (c *configFlags) register(fs *flag.FlagSet) {
	fs.Var(&c.vars, "var", "set a variable: -var 'name=value' (repeatable)")
	fs.Var(&c.varFiles, "var-file", "read variables from a file (repeatable)")
	fs.Var(&c.backendConfig, "backend-config", "backend setting key=value kept out of the manifest (repeatable)")
	fs.BoolVar(&c.allowOutside, "allow-outside-sources", false, "allow source files outside the configuration directory")
	fs.BoolVar(&c.noColor, "no-color", false, "no colour in the output")
	fs.BoolVar(&c.lock, "lock", true, "lock the state while running")
	fs.Var(&c.lockTimeout, "lock-timeout", "how long to wait for the state lock (e.g. 30s)")
	fs.IntVar(&c.parallelism, "parallelism", 10, "changes carried out at once")
	fs.Var(&c.targets, "target", "plan only this address (repeatable)")
	fs.Var(&c.replaces, "replace", "replace this address even if unchanged (repeatable)")
}

const configFlagsHelp = `  -target=ADDRESS         Only this attachment (repeatable).
  -replace=ADDRESS        Replace this attachment even if unchanged (repeatable).
  -var 'name=value'       Set a variable. Repeatable.
  -var-file=FILE          Read variable values from FILE. Repeatable.
  -backend-config=K=V     Backend setting kept out of the manifest. Repeatable.
  -allow-outside-sources  Allow source files outside the configuration directory.
                          A manifest can never grant itself this.
  -lock=false             Do not lock the state. Dangerous when others run too.
  -lock-timeout=DURATION  Wait this long for the state lock (default: fail at once).
  -parallelism=N          Changes carried out at once (default 10).
  -no-color               No colour in the output (NO_COLOR in the environment too).`

// normaliseAddresses checks -target and -replace before anything is read,
// and spells them as plans do (attachment.x["k"]).
func (c *configFlags) normaliseAddresses(g *globals) bool {
	var diags hcl.Diagnostics
	for _, list := range []*listFlag{&c.targets, &c.replaces} {
		for i, s := range *list {
			a, d := spec.ParseAddress(s)
			diags = append(diags, d...)
			if !d.HasErrors() {
				(*list)[i] = a.String()
			}
		}
	}
	writeDiagnostics(g, nil, diags, false, diagnosticColor(g, c.noColor))
	return !diags.HasErrors()
}
