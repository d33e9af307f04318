package main

import (
	"github.com/attachform/attachform/apply"
	"github.com/attachform/attachform/internal/arguments"
	"github.com/attachform/attachform/internal/views"
	"github.com/attachform/attachform/internal/workspace"
	"github.com/attachform/attachform/plan"
)

// applyReviewed is apply -reviewed=FILE: a fresh plan, made the way the
// reviewed one was (its variables, -target, -replace, mode), applied only
// when its changes are the reviewed ones (plan.CompareReviewed). A state
// moved by other applies meanwhile is no objection; a change nobody
// reviewed, or a reviewed one that no longer applies, is: then nothing is
// changed and the difference is shown.
func applyReviewed(g *globals, v views.Apply, a *arguments.Apply, f *operation, file string) int {
	saved, grace, ok := readSavedRun(g, v, a, f, file)
	if !ok {
		return exitError
	}
	r := saved.Plan
	f.Targets, f.Replaces, f.AllowMassDestroy = r.Targets, r.Replace, r.AllowMassDestroy
	f.Destroy, f.RefreshOnly = r.Mode == plan.Destroy, r.Mode == plan.RefreshOnly
	w, ok := openWorkspace(g, v, f, "apply")
	if !ok {
		return exitError
	}
	defer w.Close()
	if err := w.CheckReviewedOrigin(saved); err != nil {
		views.Errorf(v, "Reviewed plan is for something else", "The plan in %s cannot be compared with a fresh one, and nothing was changed: %s.",
			file, workspace.StaleReason(err))
		return exitError
	}
	p, ok := w.Plan(v, f.planOptions())
	if !ok {
		return exitError
	}
	if d := plan.CompareReviewed(r, p); !d.Empty() {
		v.NotReviewed(file, d, r.Mode)
		return exitError
	}
	if !p.HasChanges() {
		v.Applying(p)
		v.Finished(apply.Result{}, nil)
		return exitOK
	}
	// What is about to run, as apply without a plan file shows it: the
	// reviewed changes, planned afresh.
	if err := v.Plan(p); err != nil {
		return exitError
	}
	return carryOut(g, v, w, p, f.Parallelism, grace)
}
