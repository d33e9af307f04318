package main

import (
	"encoding/json"
	"fmt"
	"strings"
)

// emulatorView is the emulator command's output.
type emulatorView interface {
	commonView
	// Serving: the emulator is up. The Graph base URL is the first line
	// of stdout, for scripts to read; the rest is for people.
	Serving(url, uploadOrigin string)
}

var emulatorViews = viewSet[emulatorView]{
	human: func(v *view) emulatorView { return &emulatorHuman{v} },
}

type emulatorHuman struct{ *view }

func (v *emulatorHuman) Serving(url, uploadOrigin string) {
	fmt.Fprintln(v.out, url)
	fmt.Fprintf(v.err, "Graph emulator serving on %s (upload origin %s). Interrupt to stop.\n", url, uploadOrigin)
}

// versionView is the version command's output.
type versionView interface {
	commonView
	Version(info versionInfo)
}

var versionViews = viewSet[versionView]{
	human:    func(v *view) versionView { return &versionHuman{v} },
	json:     func(v *view) versionView { return &versionJSON{v} },
	jsonHelp: "Write the version as JSON on stdout.",
}

type versionHuman struct{ *view }

// Version writes "attachform v1.2.3 (go1.26, linux/amd64)".
func (v *versionHuman) Version(info versionInfo) {
	fmt.Fprintf(v.out, "attachform %s (%s, %s)\n", info.Version, info.Go, info.Platform)
}

type versionJSON struct{ *view }

// Version writes {"attachform_version": …, "go_version": …, "platform": …},
// as terraform version -json names its fields.
func (v *versionJSON) Version(info versionInfo) {
	b, _ := json.MarshalIndent(map[string]string{
		"attachform_version": info.Version,
		"go_version":         info.Go,
		"platform":           strings.ReplaceAll(info.Platform, "/", "_"),
	}, "", "  ")
	fmt.Fprintf(v.out, "%s\n", b)
}
