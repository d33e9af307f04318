package main

import (
	"github.com/attachform/attachform/internal/arguments"
	"github.com/attachform/attachform/internal/buildinfo"
	"github.com/attachform/attachform/internal/views"
)

// buildVersion is set by -ldflags "-X main.buildVersion=v1.2.3" in releases.
var buildVersion = ""

// The stamp is the binary's, read by every package through buildinfo.
func init() { buildinfo.Stamped = buildVersion }

// version is attachform's version (see buildinfo.Version).
func version() string { return buildinfo.Version() }

type versionCommand struct{ g *globals }

func (c *versionCommand) Synopsis() string { return "Show the attachform version" }
func (c *versionCommand) Help() string {
	return `Usage: attachform [global options] version [options]

  Prints the version of attachform, the Go release it was built with and
  the platform it runs on:

    attachform v1.2.3 (go1.26, linux/amd64)

  The version is stamped at build time: a release's version, the module
  version for go install …@VERSION, the commit for a build from a git
  clone, else "dev" (go run, or a build without version control
  information). attachform -version prints the same.

Options:

` + views.VersionViews.Help(views.HelpColumn)
}

func (c *versionCommand) Run(args []string) int {
	a, err := arguments.ParseVersion(args)
	if code, done := parsed(c.g, err, c.Help()); done {
		return code
	}
	v, ok := views.VersionViews.Open(c.g.viewStreams(), a.View)
	if !ok {
		return exitError
	}
	if err := a.Misuse(); err != nil {
		v.UsageError(err, "")
		return exitError
	}
	v.Version(buildinfo.Current())
	return exitOK
}
