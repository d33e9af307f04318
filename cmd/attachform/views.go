package main

import (
	"github.com/attachform/attachform/apply"
	"github.com/attachform/attachform/internal/hclfmt"
	"github.com/attachform/attachform/internal/views"
	"github.com/attachform/attachform/internal/workspace"
)

// The names apply.go and reviewed.go still spell the views by, as before
// the views moved out.
type applyView = views.Apply

var (
	applyViews   = views.ApplyViews
	destroyViews = views.DestroyViews
)

const helpColumn = views.HelpColumn

// viewStreams are the streams g's command writes to, for its views.
func (g *globals) viewStreams() views.Streams {
	return views.Streams{Out: g.std.out, Err: g.std.err, Getenv: g.getenv, Dir: g.dir}
}

// newView is the base view on g's streams; noColor is -no-color.
func newView(g *globals, noColor bool) *views.View { return views.NewView(g.viewStreams(), noColor) }

// errorf reports a problem that has no place in a manifest, redacted.
func errorf(v views.Diagnostics, summary, format string, args ...any) {
	views.Errorf(v, summary, format, args...)
}

// applyExitCode is apply's exit status for its outcome.
func applyExitCode(r apply.Result, fatal error) int { return views.ApplyExitCode(r, fatal) }

// The views are what the packages beneath report through.
var (
	_ workspace.Reporter     = views.Workspace(nil)
	_ workspace.LockReporter = views.Lock(nil)
	_ hclfmt.Reporter        = views.Fmt(nil)
)
