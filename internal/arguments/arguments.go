// Package arguments parses each command's command line into a typed value,
// as Terraform's command/arguments does: ParsePlan(args) gives a *Plan
// whose fields are plan's flags. What the flag package cannot see is
// checked here too: Operation.Check (plan modes, -parallelism, -target and
// -replace addresses), each command's Misuse (positional arguments, flags
// that exclude each other), State.Addresses, Apply.RefuseShaping. The
// flags are defined here once: the commands parse with them, and
// completion, the help's consistency test and the docs' tests read them
// with Flags, without running a command.
//
// Nothing here reads a file, the environment or the network, and nothing
// is written: the command reports what Parse and Check return.
package arguments

import (
	"flag"
	"io"
	"strings"
)

// Command is what every command's arguments hold besides its flags.
type Command struct {
	// Args are the positional arguments, after the flags.
	Args []string
	// Given names the flags given on the command line, sorted (as
	// flag.FlagSet.Visit lists them): a command refuses some beside a
	// saved plan.
	Given []string
}

func (c *Command) command() *Command { return c }

// commandArgs is every command's arguments: parse fills its Command.
type commandArgs interface{ command() *Command }

// View is the output flags: -no-color for every command, -json and
// -markdown for those that have such a view (see viewKinds). Which one
// the command renders is the views' business.
type View struct {
	NoColor  bool
	JSON     bool
	Markdown bool
}

// viewKinds are the kinds of output besides human text a command has,
// each with its flag.
type viewKinds uint8

const (
	humanOnly    viewKinds = 0
	withJSON     viewKinds = 1 << 0
	withMarkdown viewKinds = 1 << 1
)

// register adds -json and -markdown where kinds has them, and -no-color.
func (v *View) register(fs *flag.FlagSet, kinds viewKinds) {
	if kinds&withJSON != 0 {
		fs.BoolVar(&v.JSON, "json", false, "")
	}
	if kinds&withMarkdown != 0 {
		fs.BoolVar(&v.Markdown, "markdown", false, "")
	}
	fs.BoolVar(&v.NoColor, "no-color", false, "")
}

// newFlagSet returns a flag set that reports errors instead of exiting and
// prints nothing: the command shows its help itself.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses args with fs into a's Command. The error is the flag
// package's: flag.ErrHelp for -h and -help, or a flag it does not know or
// a value it cannot take, worded for a user.
func parse[A commandArgs](a A, fs *flag.FlagSet, args []string) (A, error) {
	if err := fs.Parse(args); err != nil {
		return a, err
	}
	c := a.command()
	c.Args = fs.Args()
	fs.Visit(func(f *flag.Flag) { c.Given = append(c.Given, f.Name) })
	return a, nil
}

// stringList collects a repeatable flag (-target, -backend-config, …) in
// order.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }
