package main

import (
	"bufio"
	"strings"

	"github.com/attachform/attachform/internal/arguments"
	"github.com/attachform/attachform/internal/views"
	"github.com/attachform/attachform/internal/workspace"
	"github.com/hashicorp/cli"
)

// stateHelp is the common tail of the state commands' help: the manifests
// say where the state is, so the flags that load them come along.
func stateHelp(withLock bool) string {
	h := arguments.ManifestsHelp + "\n" + views.StateViews.Help(views.HelpColumn)
	if withLock {
		h = arguments.LockHelp + "\n" + h
	}
	return h
}

// readAnswer reads one line from the terminal; false when the command was
// interrupted first.
func readAnswer(g *globals) (string, bool) {
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(g.std.in).ReadString('\n')
		answer <- strings.TrimSpace(line)
	}()
	select {
	case a := <-answer:
		return a, true
	case <-g.ctx.Done():
		return "", false
	}
}

// stateCommand is the parent of the state subcommands: its help lists them.
type stateCommand struct{}

func (c *stateCommand) Synopsis() string { return "Read and change the state directly" }

func (c *stateCommand) Help() string {
	return `Usage: attachform [-chdir=DIR] state <subcommand> [options] [args]

  Reads and changes the state (what attachform knows it created) without
  touching Graph: for recovering from mistakes, renaming blocks, and moving
  state by hand. The manifests say where the state is (their backend
  block), so the subcommands take -var, -var-file and -backend-config as
  plan does. Commands that change the state lock it first.

  Upload URLs of interrupted uploads are credentials: no subcommand shows
  them.`
}

func (c *stateCommand) Run(args []string) int { return cli.RunResultHelp }

// stateListCommand is state list.
type stateListCommand struct{ g *globals }

func (c *stateListCommand) Synopsis() string { return "List the attachments in the state" }

func (c *stateListCommand) Help() string {
	return `Usage: attachform [-chdir=DIR] state list [options] [ADDRESS...]

  Lists the addresses of the attachments the state records, one a line,
  sorted. With addresses, only those: an address without a key, such as
  attachment.handbook, stands for every instance of the block.

Options:

  -id=ID                  Only the attachment with this Graph id.
` + stateHelp(false)
}

func (c *stateListCommand) Run(args []string) int {
	a, err := arguments.ParseStateList(args)
	r, code, done := startState(c.g, &a.State, err, c.Help())
	if done {
		return code
	}
	st, ok := r.read()
	if !ok {
		return exitError
	}
	out := workspace.List(st, r.addrs, a.ID)
	r.v.Addresses(out)
	return exitOK
}

// stateShowCommand is state show.
type stateShowCommand struct{ g *globals }

func (c *stateShowCommand) Synopsis() string { return "Show one attachment in the state" }

func (c *stateShowCommand) Help() string {
	return `Usage: attachform [-chdir=DIR] state show [options] ADDRESS

  Shows what the state records at one address: the attachment (its Graph
  id, item, name, digest and sizes), and any replaced attachment not yet
  deleted, interrupted upload or unsettled creation there. Upload URLs are
  credentials and show as (sensitive value).

Options:

` + stateHelp(false)
}

func (c *stateShowCommand) Run(args []string) int {
	a, err := arguments.ParseStateShow(args)
	r, code, done := startState(c.g, a, err, c.Help())
	if done {
		return code
	}
	st, ok := r.read()
	if !ok {
		return exitError
	}
	addr := r.addrs[0]
	if diags := workspace.Recorded(st, addr); diags.HasErrors() {
		r.v.Diagnostics(nil, diags)
		return exitError
	}
	r.v.Object(st, addr)
	return exitOK
}

// statePullCommand is state pull.
type statePullCommand struct{ g *globals }

func (c *statePullCommand) Synopsis() string { return "Write the state to stdout" }

func (c *statePullCommand) Help() string {
	return `Usage: attachform [-chdir=DIR] state pull [options]

  Reads the state from its backend, wherever it is, and writes it to stdout
  as JSON, for reading or for keeping a copy. Nothing is written when there
  is no state yet.

  Upload URLs of interrupted uploads are credentials: they read "(redacted)"
  here. attachform state push restores them from the stored state by the
  sessions' ids.

Options:

` + stateHelp(false)
}

func (c *statePullCommand) Run(args []string) int {
	a, err := arguments.ParseStatePull(args)
	r, code, done := startState(c.g, a, err, c.Help())
	if done {
		return code
	}
	st, ok := r.read()
	switch {
	case !ok:
		return exitError
	case st == nil:
		return exitOK
	}
	doc, redacted := workspace.Pulled(st)
	if err := r.v.StateDocument(doc, redacted); err != nil {
		return exitError
	}
	return exitOK
}
