// Package buildinfo says which attachform this is: the version a release
// stamped, else what the Go toolchain recorded in the binary, with the Go
// release and the platform, as the version command and every state and
// plan written name them.
package buildinfo

import (
	"regexp"
	"runtime"
	"runtime/debug"
)

// Stamped is the version a release stamped into the binary. The linker
// sets cmd/attachform's main.buildVersion (the -ldflags spelling releases
// and docs use), and the command copies it here before anything runs.
var Stamped = ""

// Version is attachform's version: the one a release stamped, else what
// the Go toolchain recorded in the binary (see From).
func Version() string {
	if Stamped != "" {
		return Stamped
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	return From(bi)
}

// From reads the version the toolchain stamped:
//
//   - the module's version, for go install github.com/…@v1.2.3, and for a
//     go build or go install in a git clone, which since Go 1.24 stamps a
//     pseudo-version from the commit (v0.0.0-20260102150405-abcdef123456,
//     +dirty with uncommitted changes);
//   - else the commit alone, when only the VCS settings are there
//     (dev-abcdef123456, -dirty likewise);
//   - else "dev": go run, go test, or a build with -buildvcs=false.
func From(bi *debug.BuildInfo) string {
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

// GoRelease is the Go release the binary was built with, as goX.Y
// ("go1.26" from "go1.26.8"); a toolchain of another spelling as it is.
func GoRelease(v string) string {
	if m := goReleaseRE.FindString(v); m != "" {
		return m
	}
	return v
}

var goReleaseRE = regexp.MustCompile(`go[0-9]+\.[0-9]+`)

// Info is what the version command prints.
type Info struct {
	Version  string // attachform's
	Go       string // goX.Y
	Platform string // GOOS/GOARCH
}

// Current describes this binary.
func Current() Info {
	return Info{Version: Version(), Go: GoRelease(runtime.Version()), Platform: runtime.GOOS + "/" + runtime.GOARCH}
}
