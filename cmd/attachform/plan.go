package main

import (
	"github.com/attachform/attachform/internal/arguments"
	"github.com/attachform/attachform/internal/views"
	"github.com/attachform/attachform/plan"
)

type planCommand struct{ g *globals }

func (c *planCommand) Synopsis() string { return "Show what apply would change in Graph" }

func (c *planCommand) Help() string {
	return `Usage: attachform [-chdir=DIR] plan [options]

  Compares the manifests (*.attach.hcl) with the state and with what Graph
  holds, and shows what apply would do. Plan only reads from Graph.

  With -out=FILE the plan is saved: "attachform apply FILE" then carries out
  exactly these changes, and refuses if the state, a manifest or a source
  file changed since. The file holds no secret (safe as a CI artifact).
  With GITHUB_STEP_SUMMARY set (GitHub Actions), the plan is also appended
  there as the Markdown of "attachform show -markdown".

Options:

  -out=FILE               Save the plan to FILE (relative to the configuration
                          directory), for apply FILE and show FILE.
  -detailed-exitcode      Exit 0 when there are no changes, 2 when there are,
                          1 on error.
  -generate-config-out=FILE
                          For every attachment on a declared target that no
                          manifest declares, and every import block without
                          its attachment block, write an attachment block and
                          an import block to FILE (a new *.attach.hcl in the
                          configuration directory) and download the file
                          beside it; then plan with it. FILE must not exist.
  -generate-files-out=DIR Where the downloads go, inside the configuration
                          directory (default: FILE's name without
                          .attach.hcl, as imported/ for imported.attach.hcl).
` + arguments.OperationHelp + "\n" + views.PlanViews.Help(views.HelpColumn)
}

func (c *planCommand) Run(args []string) int {
	a, err := arguments.ParsePlan(args)
	if code, done := parsed(c.g, err, c.Help()); done {
		return code
	}
	v, ok := views.PlanViews.Open(c.g.viewStreams(), a.View)
	if !ok || !checked(v, a.Check()) {
		return exitError
	}
	if err := a.Misuse(); err != nil {
		v.UsageError(err, c.Help())
		return exitError
	}
	f := operation{Operation: a.Operation}
	gen := generateFlags{out: a.GenerateConfigOut, files: a.GenerateFilesOut}
	if err := gen.check(c.g, &f); err != nil {
		v.UsageError(err, c.Help())
		return exitError
	}
	f.generateConfig = gen.out != ""
	w, ok := openWorkspace(c.g, v, &f, "plan")
	if !ok {
		return exitError
	}
	defer w.Close()
	var p *plan.Plan
	if gen.out != "" {
		p, ok = generateAndPlan(c.g, v, w, &f, &gen)
	} else {
		p, ok = w.Plan(v, f.planOptions())
	}
	if !ok {
		return exitError
	}
	if err := v.Plan(p); err != nil {
		return exitError
	}
	if a.Out != "" {
		if err := w.SavePlan(p, f.loadOptions(c.g), a.Out); err != nil {
			views.Errorf(v, "Cannot save the plan", "Writing %s failed: %v.", a.Out, err)
			return exitError
		}
	}
	v.NextStep(p, a.Out)
	v.StepSummary(p)
	if a.DetailedExitCode && p.HasChanges() {
		return exitChanges
	}
	return exitOK
}
