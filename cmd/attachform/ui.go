package main

import (
	"fmt"
	"os"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/mattn/go-isatty"
)

// useColor is true for a terminal unless -no-color or NO_COLOR says no.
func useColor(g *globals, noColor bool) bool {
	if noColor || g.getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := g.std.out.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}

// errorf reports a problem that has no place in a manifest.
func errorf(g *globals, summary, format string, args ...any) {
	writeDiagnostics(g, nil, hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   redactText(fmt.Sprintf(format, args...)),
	}}, false)
}

// now is the wall clock; the one place the CLI reads it.
func now() time.Time { return time.Now().UTC() }
