package main

import (
	"context"
	"flag"
	"io"
	"strings"
)

// describeFlags returns the flags command name defines, by running it with
// describe set: every command builds its flag set and hands it to
// parseFlags before it does anything else, and parseFlags stops it there.
// Completion, the help's consistency test and docs/cli.md read the flags
// this way, from the commands themselves, so none can drift from them.
// nil: no such command, or one that defines no flags (a group: state).
func describeFlags(g *globals, name string) *flag.FlagSet {
	var fs *flag.FlagSet
	dg := *g
	dg.describe = func(f *flag.FlagSet) { fs = f }
	// Should a command ever run without asking parseFlags first, it
	// finds its context cancelled and nobody listening.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dg.ctx = ctx
	dg.std = streams{in: strings.NewReader(""), out: io.Discard, err: io.Discard}
	factory, ok := commands(&dg)[name]
	if !ok {
		return nil
	}
	c, err := factory()
	if err != nil {
		return nil
	}
	c.Run(nil)
	return fs
}
