package completion

import (
	"context"
	"flag"
	"path/filepath"
	"slices"
	"strings"

	"github.com/attachform/attachform/internal/addrs"
	"github.com/attachform/attachform/internal/arguments"
	"github.com/attachform/attachform/spec"
	"github.com/hashicorp/cli"
	"github.com/posener/complete"
)

// Answering the shell. Once installed, the shell runs attachform with
// COMP_LINE set, and the command framework (through posener/complete)
// prints the words that fit. Commands and subcommands come from the
// framework's table, their flags from the definitions they parse with
// (arguments.Flags), flag values and positional arguments from the
// tables below.

// Env is where the line is completed.
type Env struct {
	Ctx     context.Context
	Dir     string              // the shell's working directory
	Environ []string            // the environment, which the manifests may read
	Getenv  func(string) string // reads COMP_LINE
}

// Commands wraps each command so that it tells the framework its flags and
// what its arguments are; for the framework only while completing.
func Commands(cmds map[string]cli.CommandFactory, env Env) map[string]cli.CommandFactory {
	out := make(map[string]cli.CommandFactory, len(cmds))
	for name, factory := range cmds {
		out[name] = func() (cli.Command, error) {
			c, err := factory()
			if err != nil {
				return nil, err
			}
			return &completingCommand{Command: c, env: env, name: name}, nil
		}
	}
	return out
}

// completingCommand is a command with what completion needs to know.
type completingCommand struct {
	cli.Command
	env  Env
	name string
}

var _ cli.CommandAutocomplete = (*completingCommand)(nil)

func (c *completingCommand) AutocompleteFlags() complete.Flags {
	fs := arguments.Flags(c.name)
	if fs == nil {
		return nil
	}
	flags := complete.Flags{}
	fs.VisitAll(func(f *flag.Flag) {
		flags["-"+f.Name] = predictFlagValue(c.env, f)
	})
	return flags
}

func (c *completingCommand) AutocompleteArgs() complete.Predictor {
	switch c.name {
	case "apply", "show", "state push":
		return complete.PredictFiles("*") // a saved plan, a state file
	case "fmt":
		return complete.PredictOr(complete.PredictDirs("*"), complete.PredictFiles("*.attach.hcl"))
	case "state show", "state rm", "state mv", "import":
		return predictAddresses(c.env, false)
	}
	return complete.PredictNothing
}

// predictFlagValue is what may follow a flag.
func predictFlagValue(env Env, f *flag.Flag) complete.Predictor {
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return complete.PredictNothing
	}
	switch f.Name {
	case "var-file", "out", "fixtures", "users", "faults", "limits":
		return complete.PredictFiles("*")
	case "data":
		return complete.PredictDirs("*")
	case "target":
		return predictAddresses(env, true)
	case "replace":
		return predictAddresses(env, false)
	}
	return complete.PredictAnything
}

// predictAddresses offers the attachment addresses the manifests declare,
// read offline as validate reads them, in the directory -chdir names on
// the line being completed; with targets (for -target), also the blocks
// of repeated attachments and every target and target instance.
func predictAddresses(env Env, targets bool) complete.Predictor {
	return complete.PredictFunc(func(complete.Args) []string {
		// The words given to a predictor start after the command: -chdir
		// is read from the whole line.
		words := strings.Fields(env.Getenv("COMP_LINE"))
		dir := env.Dir
		for i, w := range words {
			name, value, ok := strings.Cut(strings.TrimLeft(w, "-"), "=")
			switch {
			case !strings.HasPrefix(w, "-") || name != "chdir":
			case ok:
				dir = value
			case i+1 < len(words):
				dir = words[i+1]
			}
		}
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(env.Dir, dir)
		}
		cfg, _ := spec.Load(env.Ctx, dir, spec.LoadOptions{Environ: env.Environ})
		var out []string
		add := func(a addrs.Address) {
			if s := a.String(); !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		for _, at := range cfg.Attachments {
			a, err := addrs.Parse(at.Address)
			if err != nil {
				continue
			}
			if targets && !a.Key.IsNone() {
				add(a.Block())
			}
			add(a)
		}
		if targets {
			for _, t := range cfg.Targets {
				if a := t.Address(); !a.Key.IsNone() {
					add(a.Block())
				}
				add(t.Address())
			}
		}
		return out
	})
}
