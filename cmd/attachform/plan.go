package main

import (
	"github.com/attachform/attachform/plan"
)

type planCommand struct{ g *globals }

func (c *planCommand) Synopsis() string { return "Show what apply would change in Graph" }

func (c *planCommand) Help() string {
	return `Usage: attachform [-chdir=DIR] plan [options]

  Compares the manifests (*.attach.hcl) with the state and with what Graph
  holds, and shows what apply would do. Plan only reads from Graph.

Options:

  -detailed-exitcode      Exit 0 when there are no changes, 2 when there are,
                          1 on error.
` + configFlagsHelp + "\n" + planViews.help(helpColumn)
}

func (c *planCommand) Run(args []string) int {
	var f configFlags
	var vf viewFlags
	var detailed bool
	fs := newFlagSet("plan")
	f.register(fs)
	planViews.register(fs, &vf)
	fs.BoolVar(&detailed, "detailed-exitcode", false, "")
	if code, done := parseFlags(c.g, fs, args, c.Help()); done {
		return code
	}
	v, ok := planViews.open(c.g, vf)
	if !ok || !f.check(v) {
		return exitError
	}
	w, ok := openWorkspace(c.g, v, &f, "plan")
	if !ok {
		return exitError
	}
	defer w.close()
	p, ok := makePlan(c.g, v, w, &f)
	if !ok {
		return exitError
	}
	if err := v.Plan(p); err != nil {
		return exitError
	}
	if detailed && p.HasChanges() {
		return exitChanges
	}
	return exitOK
}

// makePlan refreshes what Graph holds and builds the plan, reporting
// problems on v.
func makePlan(g *globals, v diagnosticsView, w *workspace, f *configFlags) (*plan.Plan, bool) {
	live, reader := plan.Live{}, plan.Reader(nil)
	if f.refresh {
		var err error
		if live, err = plan.Refresh(g.ctx, w.client, plan.Touched(w.cfg, w.st)); err != nil {
			errorf(v, "Cannot read what Graph holds", "%v", err)
			return nil, false
		}
		reader = w.client
	}
	p, diags := plan.Build(g.ctx, w.cfg, w.st, live, reader, plan.Options{
		Now:              now(),
		Mode:             f.mode(),
		Targets:          f.targets,
		Replace:          f.replaces,
		Parallelism:      f.parallelism,
		AllowMassDestroy: f.allowMassDestroy,
		AppOnly:          appOnly(g, w.cfg.Graph),
	})
	v.Diagnostics(w.cfg.Files, diags)
	return p, !diags.HasErrors()
}
