package main

import (
	"time"

	"github.com/attachform/attachform/apply"
	"github.com/attachform/attachform/internal/arguments"
	"github.com/attachform/attachform/internal/interrupt"
	"github.com/attachform/attachform/internal/views"
	"github.com/attachform/attachform/internal/workspace"
	"github.com/attachform/attachform/plan"
)

type applyCommand struct{ g *globals }

func (c *applyCommand) Synopsis() string { return "Make Graph match the manifests" }

func (c *applyCommand) Help() string {
	return `Usage: attachform [-chdir=DIR] apply [options] [PLANFILE]

  Plans like "attachform plan", asks for approval, then uploads, deletes and
  cancels what the plan says. The state is saved after every finished change,
  so an interrupted apply can be run again and picks up where it stopped.

  Given PLANFILE, a plan saved by "attachform plan -out=PLANFILE", apply
  carries out exactly that plan without asking, as Terraform does: it was
  reviewed already. It refuses, changing nothing, when the state moved since
  (another apply, of this plan or any other: a plan applies at most once), a
  manifest changed, or a source file's bytes differ from those reviewed.
  Options that shape a plan (-var, -var-file, -target, -replace, -destroy,
  -refresh-only, -refresh, -allow-mass-destroy, -allow-outside-sources) cannot
  be given with PLANFILE: the plan holds them.

  The first interrupt (Ctrl-C, SIGTERM) stops gracefully: nothing new starts,
  and requests in flight get up to ` + interrupt.Grace.String() + ` to finish (an upload stops after the
  range it is sending). A second interrupt stops at once. Either way the state
  is saved, what is left is listed, and the exit status is 1.

  Given -reviewed=PLANFILE, a plan saved on the pull request, apply plans
  afresh (with the variables, -target and -replace the saved plan holds) and
  compares the fresh plan's changes with the reviewed ones: address, action,
  target item, the sha256 of every source to upload, the attachment each
  deletion removes. The same changes are applied without asking, even when
  the state moved since for another reason (another pull request applied).
  Any difference is refused, changing nothing: each change that nobody
  reviewed and each reviewed change that no longer applies is listed, and
  the exit status is 1.

Options:

  -auto-approve           Do not ask for approval (for CI after a reviewed plan).
  -reviewed=PLANFILE      Apply a fresh plan only if its changes are those of
                          PLANFILE (see above).
` + arguments.OperationHelp + "\n" + views.ApplyViews.Help(views.HelpColumn)
}

func (c *applyCommand) Run(args []string) int {
	return runApply(c.g, "apply", args, false, c.Help())
}

// runApply is apply, and destroy (apply -destroy that takes no plan file).
func runApply(g *globals, name string, args []string, destroy bool, help string) int {
	parse, set := arguments.ParseApply, views.ApplyViews
	if destroy {
		parse, set = arguments.ParseDestroy, views.DestroyViews
	}
	a, err := parse(args)
	if code, done := parsed(g, err, help); done {
		return code
	}
	v, ok := set.Open(g.viewStreams(), a.View)
	if !ok || !checked(v, a.Check()) {
		return exitError
	}
	if err := a.Misuse(); err != nil {
		v.UsageError(err, help)
		return exitError
	}
	f := operation{Operation: a.Operation}
	switch {
	case a.Reviewed != "":
		return applyReviewed(g, v, a, &f, a.Reviewed)
	case len(a.Args) == 1:
		return applySaved(g, v, a, &f, a.Args[0])
	}
	grace, err := interrupt.GraceFrom(g.getenv)
	if err != nil {
		v.Fail(err.Error())
		return exitError
	}
	w, ok := openWorkspace(g, v, &f, name)
	if !ok {
		return exitError
	}
	defer w.Close()
	p, ok := w.Plan(v, f.planOptions())
	if !ok {
		return exitError
	}
	if err := v.Plan(p); err != nil {
		return exitError
	}
	if !p.HasChanges() {
		v.Applying(p)
		v.Finished(apply.Result{}, nil)
		return exitOK
	}
	if !a.AutoApprove && !approved(g, v) {
		v.Cancelled()
		return exitError
	}
	return carryOut(g, v, w, p, f.Parallelism, grace)
}

// applySaved applies the plan in file, without asking: it was reviewed.
// Nothing changes unless the plan still fits the state, the manifests and
// every source (plan.CheckSaved).
func applySaved(g *globals, v views.Apply, a *arguments.Apply, f *operation, file string) int {
	saved, grace, ok := readSavedRun(g, v, a, f, file)
	if !ok {
		return exitError
	}
	w, ok := openWorkspace(g, v, f, "apply")
	if !ok {
		return exitError
	}
	defer w.Close()
	if err := w.BindSaved(saved); err != nil {
		views.Errorf(v, "Saved plan is stale", "The plan in %s can no longer be applied, and nothing was changed: %s.",
			file, workspace.StaleReason(err))
		return exitError
	}
	p := saved.Plan
	if !p.HasChanges() {
		v.Applying(p)
		v.Finished(apply.Result{}, nil)
		return exitOK
	}
	return carryOut(g, v, w, p, f.Parallelism, grace)
}

// readSavedRun is what applying a saved plan, as it is or as reviewed,
// starts with: no flag that shapes a plan beside the file, the stop grace,
// the plan read, and the variables and source rule it was made with put
// into f.
func readSavedRun(g *globals, v views.Apply, a *arguments.Apply, f *operation, file string) (*plan.Saved, time.Duration, bool) {
	if diags := a.RefuseShaping(file); len(diags) > 0 {
		v.Diagnostics(nil, diags)
		return nil, 0, false
	}
	grace, err := interrupt.GraceFrom(g.getenv)
	if err != nil {
		v.Fail(err.Error())
		return nil, 0, false
	}
	saved, ok := workspace.ReadSaved(g.env(), v, file)
	if !ok {
		return nil, 0, false
	}
	f.VarArgs, f.AllowOutsideSources = saved.Load.VarArgs, saved.Load.AllowOutsideSources
	return saved, grace, true
}

// carryOut applies p, the approval given, and reports the outcome.
func carryOut(g *globals, v views.Apply, w *workspace.Workspace, p *plan.Plan, parallelism int, grace time.Duration) int {
	v.Applying(p)
	// From here the first interrupt stops gracefully: nothing new starts,
	// requests in flight finish. The second, or the grace running out,
	// cancels g.ctx. The state is saved either way.
	stop, endGraceful := g.std.intr.Graceful(grace, g.log, v)
	result, err := w.Apply(p, workspace.ApplyOptions{
		Parallelism: parallelism,
		OnEvent:     v.Event,
		Stop:        stop,
		Ran:         endGraceful,
	})
	v.Finished(result, err)
	return views.ApplyExitCode(result, err)
}

// approved asks on the terminal, as Terraform does; only "yes" approves.
func approved(g *globals, v views.Apply) bool {
	v.AskApproval()
	a, ok := readAnswer(g)
	if !ok {
		return false
	}
	v.Answered()
	return a == "yes"
}
