package main

import (
	"flag"
	"fmt"
	"github.com/attachform/attachform/internal/addrs"
	"github.com/attachform/attachform/internal/arguments"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/attachform/attachform/internal/completion"
	"github.com/attachform/attachform/spec"
	"github.com/hashicorp/cli"
	"github.com/hashicorp/go-hclog"
	"github.com/posener/complete"
)

// Shell completion. attachform -install-autocomplete adds a line to
// ~/.bashrc and ~/.zshrc (complete -C /path/to/attachform attachform) and a
// file to fish's completions: the shell then runs attachform with COMP_LINE
// set, and the command framework (through posener/complete) prints the
// words that fit. Commands and subcommands come from the commands, their
// flags from the definitions they parse with (arguments.Flags); flag
// values and arguments from the table below.

// completeLine answers the shell: the framework completes the line in
// COMP_LINE and writes the candidates on stdout, one a line.
func completeLine(g *globals, v *view) int {
	dir, err := os.Getwd()
	if err != nil {
		return exitError
	}
	g.dir = dir
	g.log = hclog.NewNullLogger()
	return runFramework(g, v, commands(g), nil)
}

// completionCommands wraps each factory so that its command tells the
// framework its flags and arguments; used only while completing.
func completionCommands(g *globals, cmds map[string]cli.CommandFactory) map[string]cli.CommandFactory {
	out := make(map[string]cli.CommandFactory, len(cmds))
	for name, factory := range cmds {
		out[name] = func() (cli.Command, error) {
			c, err := factory()
			if err != nil {
				return nil, err
			}
			return &completingCommand{Command: c, g: g, name: name}, nil
		}
	}
	return out
}

// completingCommand is a command with what completion needs to know.
type completingCommand struct {
	cli.Command
	g    *globals
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
		flags["-"+f.Name] = predictFlagValue(c.g, f)
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
		return predictAddresses(c.g, false)
	}
	return complete.PredictNothing
}

// predictFlagValue is what may follow a flag.
func predictFlagValue(g *globals, f *flag.Flag) complete.Predictor {
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return complete.PredictNothing
	}
	switch f.Name {
	case "var-file", "out", "fixtures", "users", "faults", "limits":
		return complete.PredictFiles("*")
	case "data":
		return complete.PredictDirs("*")
	case "target":
		return predictAddresses(g, true)
	case "replace":
		return predictAddresses(g, false)
	}
	return complete.PredictAnything
}

// predictAddresses offers the attachment addresses the manifests declare,
// read offline as validate reads them, in the directory -chdir names on
// the line being completed; with targets (for -target), also the blocks
// of repeated attachments and every target and target instance.
func predictAddresses(g *globals, targets bool) complete.Predictor {
	return complete.PredictFunc(func(complete.Args) []string {
		// The words given to a predictor start after the command: -chdir
		// is read from the whole line.
		words := strings.Fields(g.getenv("COMP_LINE"))
		dir := g.dir
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
			dir = filepath.Join(g.dir, dir)
		}
		cfg, _ := spec.Load(g.ctx, dir, spec.LoadOptions{Environ: g.environ})
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

// changeCompletion installs or removes completion of this binary in every
// shell found in the command's home, returning the files it changed.
func changeCompletion(g *globals, install bool) ([]string, error) {
	bin, err := os.Executable()
	if err == nil {
		bin, err = filepath.Abs(bin)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot tell where attachform is: %v", err)
	}
	return completion.Change(g.getenv("HOME"), g.getenv("XDG_CONFIG_HOME"), bin, install)
}
