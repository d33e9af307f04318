package main

import (
	"github.com/attachform/attachform/internal/views"
	"github.com/attachform/attachform/internal/workspace"
)

// env is where the command runs, as the workspace reads it.
func (g *globals) env() workspace.Env {
	return workspace.Env{Ctx: g.ctx, Dir: g.dir, Getenv: g.getenv, Log: g.log, Version: version(), Now: now}
}

// openWorkspace opens the workspace the flags describe for operation. On
// failure it has already reported the problem on v.
func openWorkspace(g *globals, v views.Workspace, f *operation, operation string) (*workspace.Workspace, bool) {
	return workspace.Open(g.env(), v, workspace.OpenOptions{
		Load:        f.loadOptions(g),
		Operation:   operation,
		Lock:        f.Lock.Lock,
		LockTimeout: f.LockTimeout,
		Force:       f.Force,
	})
}
