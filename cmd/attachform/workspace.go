package main

import (
	"time"

	"github.com/attachform/attachform/internal/workspace"
	"github.com/attachform/attachform/state"
)

// env is where the command runs, as the workspace reads it.
func (g *globals) env() workspace.Env {
	return workspace.Env{Ctx: g.ctx, Dir: g.dir, Getenv: g.getenv, Log: g.log, Version: version(), Now: now}
}

// openWorkspace opens the workspace the flags describe for operation. On
// failure it has already reported the problem on v.
func openWorkspace(g *globals, v workspaceView, f *configFlags, operation string) (*workspace.Workspace, bool) {
	return workspace.Open(g.env(), v, workspace.OpenOptions{
		Load:        f.loadOptions(g),
		Operation:   operation,
		Lock:        f.lock,
		LockTimeout: time.Duration(f.lockTimeout),
		Force:       f.force,
	})
}

// lockView is what taking and holding the state lock shows
// (workspace.LockReporter).
type lockView interface {
	commonView
	// LockWaiting: another run holds the lock, and the command waits up
	// to timeout for it.
	LockWaiting(holder *state.LockError, timeout time.Duration)
	// LockLost: the lock ended while held (its lease could not be
	// renewed, or force-unlock broke it); nothing new starts.
	LockLost(err error)
}

// erroredStateFile is where an apply whose last state write failed keeps
// the state it could not write (workspace.ErroredStateFile).
const erroredStateFile = workspace.ErroredStateFile
