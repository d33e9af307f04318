package main

import (
	"github.com/attachform/attachform/internal/arguments"
	"github.com/attachform/attachform/internal/views"
	"github.com/attachform/attachform/internal/workspace"
)

// stateRmCommand is state rm.
type stateRmCommand struct{ g *globals }

func (c *stateRmCommand) Synopsis() string { return "Forget attachments without touching Graph" }

func (c *stateRmCommand) Help() string {
	return `Usage: attachform [-chdir=DIR] state rm [options] ADDRESS...

  Removes attachments from the state: attachform forgets them, and Graph is
  not touched, so they stay on their items. An address without a key, such
  as attachment.handbook, removes every instance of the block. If any
  address matches nothing, nothing is removed.

  While the block is still declared, the next plan uploads the file again,
  or adopts it when an identical attachment is on the item.

Options:

  -dry-run                Only list what would be removed.
` + stateHelp(true)
}

func (c *stateRmCommand) Run(args []string) int {
	a, err := arguments.ParseStateRm(args)
	r, code, done := startState(c.g, &a.State, err, c.Help())
	if done {
		return code
	}
	removed, ok := r.store.Remove(r.addrs, a.DryRun)
	if !ok {
		return exitError
	}
	r.v.Removed(removed, a.DryRun)
	return exitOK
}

// stateMvCommand is state mv.
type stateMvCommand struct{ g *globals }

func (c *stateMvCommand) Synopsis() string { return "Rename an attachment in the state" }

func (c *stateMvCommand) Help() string {
	return `Usage: attachform [-chdir=DIR] state mv [options] SOURCE DESTINATION

  Records what the state holds at SOURCE under DESTINATION instead, after a
  block was renamed, so that the next plan keeps the attachment rather than
  deleting it and uploading it again. Graph is not touched. A block address
  without a key moves every instance: state mv attachment.a attachment.b
  moves attachment.a["x"] to attachment.b["x"]. Interrupted uploads and
  replaced attachments recorded at SOURCE move with it. Nothing may be
  recorded at DESTINATION yet.

  A moved block in the manifests does the same through plan and apply, where
  a pull request shows it.

Options:

  -dry-run                Only list what would be moved.
` + stateHelp(true)
}

func (c *stateMvCommand) Run(args []string) int {
	a, err := arguments.ParseStateMv(args)
	r, code, done := startState(c.g, &a.State, err, c.Help())
	if done {
		return code
	}
	src, dst := r.addrs[0], r.addrs[1]
	moves, ok := r.store.Move(src, dst, a.DryRun)
	if !ok {
		return exitError
	}
	r.v.Moved(moves, a.DryRun)
	return exitOK
}

// statePushCommand is state push.
type statePushCommand struct{ g *globals }

func (c *statePushCommand) Synopsis() string { return "Replace the state with a local file" }

func (c *statePushCommand) Help() string {
	return `Usage: attachform [-chdir=DIR] state push [options] FILE

  Replaces the state in its backend with the state in FILE ("-" reads
  stdin), as written by attachform state pull. Refused, unless -force, when
  FILE's lineage is not the stored state's (another state altogether), or
  its serial is lower (older) or the same with other content. The state
  written gets a serial above both.

  Upload URLs that state pull redacted are taken back from the stored state
  by their sessions' ids; one it does not have is refused.

Options:

  -force                  Push even when the lineage or serial checks fail.
` + stateHelp(true)
}

func (c *statePushCommand) Run(args []string) int {
	a, err := arguments.ParseStatePush(args)
	r, code, done := startState(c.g, &a.State, err, c.Help())
	if done {
		return code
	}
	pushed, err := workspace.ReadStateFile(r.g.dir, r.g.std.in, a.Args[0])
	if err != nil {
		views.Errorf(r.v, "Cannot read the state to push", "%v", err)
		return exitError
	}
	if !r.store.Push(pushed, a.Force) {
		return exitError
	}
	r.v.Pushed(pushed)
	return exitOK
}
