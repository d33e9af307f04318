package main

import "fmt"

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
	Version(v string)
}

var versionViews = viewSet[versionView]{
	human: func(v *view) versionView { return &versionHuman{v} },
}

type versionHuman struct{ *view }

func (v *versionHuman) Version(version string) { fmt.Fprintf(v.out, "attachform %s\n", version) }
