package main

import (
	"flag"
	"io"
	"strings"
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
}

const configFlagsHelp = `  -var 'name=value'       Set a variable. Repeatable.
  -var-file=FILE          Read variable values from FILE. Repeatable.
  -backend-config=K=V     Backend setting kept out of the manifest. Repeatable.
  -allow-outside-sources  Allow source files outside the configuration directory.
                          A manifest can never grant itself this.
  -lock=false             Do not lock the state. Dangerous when others run too.
  -lock-timeout=DURATION  Wait this long for the state lock (default: fail at once).
  -parallelism=N          Changes carried out at once (default 10).
  -no-color               No colour in the output (NO_COLOR in the environment too).`
