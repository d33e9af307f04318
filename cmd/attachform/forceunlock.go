package main

import (
	"github.com/attachform/attachform/internal/arguments"
	"github.com/attachform/attachform/internal/views"
)

// forceUnlockCommand is force-unlock.
type forceUnlockCommand struct{ g *globals }

func (c *forceUnlockCommand) Synopsis() string { return "Release a stuck lock on the state" }

func (c *forceUnlockCommand) Help() string {
	return `Usage: attachform [-chdir=DIR] force-unlock [options] LOCK_ID

  Removes the lock with this id from the state, for a run that can no longer
  release it. The id is the one a lock error shows. Another run's lock is
  never touched: the id must match.

  An azurerm lock is a lease that ends by itself within a minute of its
  holder's death, so a killed CI job needs no force-unlock: the next run
  with -lock-timeout=2m waits for it. Breaking a live run's lock makes that
  run stop (it starts nothing new and its writes are refused). A local lock
  is released by the operating system when its process dies; force-unlock
  then only clears the details left behind.

Options:

  -force                  Do not ask for confirmation.
` + stateHelp(false)
}

func (c *forceUnlockCommand) Run(args []string) int {
	a, err := arguments.ParseForceUnlock(args)
	r, code, done := startState(c.g, &a.State, err, c.Help())
	if done {
		return code
	}
	id, v := a.Args[0], r.v
	if !a.Force {
		v.Ask("Do you really want to force-unlock?\n" +
			"  attachform will remove the lock on the state. This lets other runs change\n" +
			"  the state, even though the run that holds the lock may still be at work.")
		answer, ok := readAnswer(r.g)
		v.Answered()
		if !ok || answer != "yes" {
			v.Fail("force-unlock cancelled: the lock is still held.")
			return exitError
		}
	}
	if err := r.store.Backend.Unlock(r.g.ctx, id); err != nil {
		views.Errorf(v, "Failed to unlock the state", "%v", err)
		return exitError
	}
	v.Unlocked(id)
	return exitOK
}
