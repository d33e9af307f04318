package main

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/attachform/attachform/apply"
)

type applyCommand struct{ g *globals }

func (c *applyCommand) Synopsis() string { return "Make Graph match the manifests" }

func (c *applyCommand) Help() string {
	return `Usage: attachform [-chdir=DIR] apply [options]

  Plans like "attachform plan", asks for approval, then uploads, deletes and
  cancels what the plan says. The state is saved after every finished change,
  so an interrupted apply can be run again and picks up where it stopped.

  The first interrupt (Ctrl-C, SIGTERM) stops gracefully: nothing new starts,
  and requests in flight get up to ` + stopGrace.String() + ` to finish (an upload stops after the
  range it is sending). A second interrupt stops at once. Either way the state
  is saved, what is left is listed, and the exit status is 1.

Options:

  -auto-approve           Do not ask for approval (for CI after a reviewed plan).
` + configFlagsHelp + "\n" + applyViews.help(helpColumn)
}

func (c *applyCommand) Run(args []string) int {
	g := c.g
	var f configFlags
	var vf viewFlags
	var autoApprove bool
	fs := newFlagSet("apply")
	f.register(fs)
	applyViews.register(fs, &vf)
	fs.BoolVar(&autoApprove, "auto-approve", false, "")
	if code, done := parseFlags(g, fs, args, c.Help()); done {
		return code
	}
	v, ok := applyViews.open(g, vf)
	if !ok || !f.check(v) {
		return exitError
	}
	if fs.NArg() > 0 {
		v.Fail(fmt.Sprintf("unexpected argument %q: saved plan files are not supported yet", fs.Arg(0)))
		return exitError
	}
	grace, err := stopGraceFor(g)
	if err != nil {
		v.Fail(err.Error())
		return exitError
	}
	w, ok := openWorkspace(g, v, &f, "apply")
	if !ok {
		return exitError
	}
	defer w.close()
	p, ok := makePlan(g, v, w, &f)
	if !ok {
		return exitError
	}
	if err := v.Plan(p); err != nil {
		return exitError
	}
	if !p.HasChanges() {
		v.Finished(apply.Result{}, nil)
		return exitOK
	}
	if !autoApprove && !approved(g, v) {
		v.Cancelled()
		return exitError
	}
	v.Applying()
	// From here the first interrupt stops gracefully: nothing new starts,
	// requests in flight finish. The second, or the grace running out,
	// cancels g.ctx. The state is saved either way.
	// Losing the state lock (a lease not renewed) stops it the same way.
	stop, endGraceful := g.std.intr.graceful(grace, g.log, v)
	stop, endWatch := either(stop, w.lockLost)
	_, result, err := apply.Run(g.ctx, p, w.st, w.backend, w.client, apply.Options{
		Parallelism: f.parallelism,
		OnEvent:     v.Event,
		Version:     version(),
		Stop:        stop,
	})
	endWatch()
	endGraceful()
	if lost := w.lockLostErr(); lost != nil && err == nil {
		err = fmt.Errorf("the state lock was lost: %w", lost)
	}
	v.Finished(result, err)
	return applyExitCode(result, err)
}

// approved asks on the terminal, as Terraform does; only "yes" approves.
func approved(g *globals, v applyView) bool {
	v.AskApproval()
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(g.std.in).ReadString('\n')
		answer <- strings.TrimSpace(line)
	}()
	select {
	case a := <-answer:
		v.Answered()
		return a == "yes"
	case <-g.ctx.Done():
		return false
	}
}
