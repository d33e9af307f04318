package views

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/attachform/attachform/internal/buildinfo"
)

// Emulator is the emulator command's output.
type Emulator interface {
	Common
	// Serving: the emulator is up. The Graph base URL is the first line
	// of stdout, for scripts to read; the rest is for people.
	Serving(url, uploadOrigin string)
}

var EmulatorViews = Set[Emulator]{
	human: func(v *View) Emulator { return &emulatorHuman{v} },
}

type emulatorHuman struct{ *View }

func (v *emulatorHuman) Serving(url, uploadOrigin string) {
	fmt.Fprintln(v.out, url)
	fmt.Fprintf(v.err, "Graph emulator serving on %s (upload origin %s). Interrupt to stop.\n", url, uploadOrigin)
}

// Version is the version command's output.
type Version interface {
	Common
	Version(info buildinfo.Info)
}

var VersionViews = Set[Version]{
	human:    func(v *View) Version { return &versionHuman{v} },
	json:     func(v *View) Version { return &versionJSON{v} },
	jsonHelp: "Write the version as JSON on stdout.",
}

type versionHuman struct{ *View }

// Version writes "attachform v1.2.3 (go1.26, linux/amd64)".
func (v *versionHuman) Version(info buildinfo.Info) {
	fmt.Fprintf(v.out, "attachform %s (%s, %s)\n", info.Version, info.Go, info.Platform)
}

type versionJSON struct{ *View }

// Version writes {"attachform_version": …, "go_version": …, "platform": …},
// as terraform version -json names its fields.
func (v *versionJSON) Version(info buildinfo.Info) {
	b, _ := json.MarshalIndent(map[string]string{
		"attachform_version": info.Version,
		"go_version":         info.Go,
		"platform":           strings.ReplaceAll(info.Platform, "/", "_"),
	}, "", "  ")
	fmt.Fprintf(v.out, "%s\n", b)
}
