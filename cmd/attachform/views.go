package main

import (
	"github.com/attachform/attachform/internal/hclfmt"
	"github.com/attachform/attachform/internal/views"
	"github.com/attachform/attachform/internal/workspace"
)

// viewStreams are the streams g's command writes to, for its views.
func (g *globals) viewStreams() views.Streams {
	return views.Streams{Out: g.std.out, Err: g.std.err, Getenv: g.getenv, Dir: g.dir}
}

// newView is the base view on g's streams; noColor is -no-color.
func newView(g *globals, noColor bool) *views.View { return views.NewView(g.viewStreams(), noColor) }

// The views are what the packages beneath report through.
var (
	_ workspace.Reporter     = views.Workspace(nil)
	_ workspace.LockReporter = views.Lock(nil)
	_ hclfmt.Reporter        = views.Fmt(nil)
)
