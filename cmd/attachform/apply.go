package main

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/attachform/attachform/apply"
	"github.com/attachform/attachform/plan"
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
` + configFlagsHelp
}

func (c *applyCommand) Run(args []string) int {
	g := c.g
	var f configFlags
	var autoApprove bool
	fs := newFlagSet("apply")
	f.register(fs)
	fs.BoolVar(&autoApprove, "auto-approve", false, "")
	if code, done := parseFlags(g, fs, args, c.Help()); done {
		return code
	}
	if !f.check(g) {
		return exitError
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(g.std.err, "Error: unexpected argument %q: saved plan files are not supported yet\n", fs.Arg(0))
		return exitError
	}
	grace, err := stopGraceFor(g)
	if err != nil {
		fmt.Fprintf(g.std.err, "Error: %v\n", err)
		return exitError
	}
	w, ok := openWorkspace(g, &f, "apply")
	if !ok {
		return exitError
	}
	defer w.close()
	p, ok := makePlan(g, w, &f)
	if !ok {
		return exitError
	}
	color := useColor(g, f.noColor)
	if err := (plan.TextRenderer{Color: color}).Write(g.std.out, p); err != nil {
		return exitError
	}
	if !p.HasChanges() {
		fmt.Fprintf(g.std.out, "\n%s Resources: 0 added, 0 changed, 0 destroyed.\n", paint(color, "Apply complete!"))
		return exitOK
	}
	if !autoApprove && !approved(g) {
		fmt.Fprintln(g.std.err, "\nError: Apply cancelled.")
		return exitError
	}
	fmt.Fprintln(g.std.out)
	view := newApplyView(g.std.out, color)
	// From here the first interrupt stops gracefully: nothing new starts,
	// requests in flight finish. The second, or the grace running out,
	// cancels g.ctx. The state is saved either way.
	stop, endGraceful := g.std.intr.graceful(grace, g.log)
	_, result, err := apply.Run(g.ctx, p, w.st, w.backend, w.client, apply.Options{
		Parallelism: f.parallelism,
		OnEvent:     view.event,
		Version:     version(),
		Stop:        stop,
	})
	endGraceful()
	return view.finish(g, result, err)
}

// approved asks on the terminal, as Terraform does; only "yes" approves.
func approved(g *globals) bool {
	fmt.Fprint(g.std.out, "\nDo you want to perform these actions?\n"+
		"  attachform will perform the actions described above.\n"+
		"  Only 'yes' will be accepted to approve.\n\n"+
		"  Enter a value: ")
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(g.std.in).ReadString('\n')
		answer <- strings.TrimSpace(line)
	}()
	select {
	case a := <-answer:
		fmt.Fprintln(g.std.out)
		return a == "yes"
	case <-g.ctx.Done():
		return false
	}
}
