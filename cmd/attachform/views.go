package main

import (
	"github.com/attachform/attachform/apply"
	"github.com/attachform/attachform/internal/hclfmt"
	"github.com/attachform/attachform/internal/views"
	"github.com/attachform/attachform/internal/workspace"
)

// The command's output is internal/views'. These names are the views the
// command files take and return, spelled as before the views moved out.
type (
	view            = views.View
	diagnosticsView = views.Diagnostics
	workspaceView   = views.Workspace
	planView        = views.Plan
	applyView       = views.Apply
	showView        = views.Show
	stateView       = views.State
)

// Each command's views, by kind of output.
var (
	planViews     = views.PlanViews
	applyViews    = views.ApplyViews
	destroyViews  = views.DestroyViews
	showViews     = views.ShowViews
	stateViews    = views.StateViews
	validateViews = views.ValidateViews
	fmtViews      = views.FmtViews
	emulatorViews = views.EmulatorViews
	versionViews  = views.VersionViews
)

// helpColumn is where flags' texts start in commands' help.
const helpColumn = views.HelpColumn

// viewStreams are the streams g's command writes to, for its views.
func (g *globals) viewStreams() views.Streams {
	return views.Streams{Out: g.std.out, Err: g.std.err, Getenv: g.getenv, Dir: g.dir}
}

// newView is the base view on g's streams; noColor is -no-color.
func newView(g *globals, noColor bool) *view { return views.NewView(g.viewStreams(), noColor) }

// errorf reports a problem that has no place in a manifest, redacted.
func errorf(v diagnosticsView, summary, format string, args ...any) {
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
