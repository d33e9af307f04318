package main

import (
	"errors"
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
	return "Usage: attachform version [options]\n\n  Prints the version of attachform.\n\nOptions:\n\n" + versionViews.help(helpColumn)
}

func (c *versionCommand) Run(args []string) int {
	var vf viewFlags
	fs := newFlagSet("version")
	versionViews.register(fs, &vf)
	if code, done := parseFlags(c.g, fs, args, c.Help()); done {
		return code
	}
	v, ok := versionViews.open(c.g, vf)
	if !ok {
		return exitError
	}
	if fs.NArg() > 0 {
		v.UsageError(errors.New("version takes no arguments"), "")
		return exitError
	}
	v.Version(version())
	return exitOK
}
