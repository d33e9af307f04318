package main

import (
	"errors"
	"regexp"
	"runtime"
	"runtime/debug"
)

// buildVersion is set by -ldflags "-X main.buildVersion=v1.2.3" in releases.
var buildVersion = ""

// version is attachform's version: the one a release stamped, else what
// the Go toolchain recorded in the binary (see versionFrom).
func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	return versionFrom(bi)
}

// versionFrom reads the version the toolchain stamped:
//
//   - the module's version, for go install github.com/…@v1.2.3, and for a
//     go build or go install in a git clone, which since Go 1.24 stamps a
//     pseudo-version from the commit (v0.0.0-20260102150405-abcdef123456,
//     +dirty with uncommitted changes);
//   - else the commit alone, when only the VCS settings are there
//     (dev-abcdef123456, -dirty likewise);
//   - else "dev": go run, go test, or a build with -buildvcs=false.
func versionFrom(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev string
	var modified bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev == "" {
		return "dev"
	}
	v := "dev-" + rev[:min(len(rev), 12)]
	if modified {
		v += "-dirty"
	}
	return v
}

// goRelease is the Go release the binary was built with, as goX.Y
// ("go1.26" from "go1.26.8"); a toolchain of another spelling as it is.
func goRelease(v string) string {
	if m := goReleaseRE.FindString(v); m != "" {
		return m
	}
	return v
}

var goReleaseRE = regexp.MustCompile(`go[0-9]+\.[0-9]+`)

// versionInfo is what version prints.
type versionInfo struct {
	Version  string // attachform's
	Go       string // goX.Y
	Platform string // GOOS/GOARCH
}

func currentVersion() versionInfo {
	return versionInfo{Version: version(), Go: goRelease(runtime.Version()), Platform: runtime.GOOS + "/" + runtime.GOARCH}
}

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

` + versionViews.help(helpColumn)
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
	v.Version(currentVersion())
	return exitOK
}
