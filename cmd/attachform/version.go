package main

import (
	"fmt"
	"runtime/debug"
)

// buildVersion is set by -ldflags "-X main.buildVersion=v1.2.3" in releases.
var buildVersion = ""

func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

type versionCommand struct{ g *globals }

func (c *versionCommand) Synopsis() string { return "Show the attachform version" }
func (c *versionCommand) Help() string {
	return "Usage: attachform version\n\n  Prints the version of attachform and of Go it was built with."
}

func (c *versionCommand) Run(args []string) int {
	if len(args) > 0 {
		fmt.Fprintln(c.g.std.err, "Error: version takes no arguments")
		return exitError
	}
	fmt.Fprintf(c.g.std.out, "attachform %s\n", version())
	return exitOK
}
