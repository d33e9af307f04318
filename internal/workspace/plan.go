package workspace

import (
	"github.com/attachform/attachform/plan"
	"github.com/hashicorp/hcl/v2"
)

// PlanOptions are what shapes a plan on the command line.
type PlanOptions struct {
	// Refresh reads what Graph holds first; without it (-refresh=false)
	// the plan is made from the state alone.
	Refresh bool
	Mode    plan.Mode
	// Targets (-target) plans only these addresses; Replace (-replace)
	// forces these replacements.
	Targets, Replace []string
	// Parallelism bounds the files hashed and contents checked at once.
	Parallelism int
	// AllowMassDestroy lets a plan delete or replace more than the
	// guard's share of the managed attachments.
	AllowMassDestroy bool
}

// Plan refreshes what Graph holds and builds the plan, reporting problems
// on r.
func (w *Workspace) Plan(r Diagnoser, o PlanOptions) (*plan.Plan, bool) {
	live, ok := w.Refresh(r, o)
	if !ok {
		return nil, false
	}
	return w.BuildPlan(r, o, live, nil)
}

// Refresh reads what Graph holds on every item the plan touches; with
// o.Refresh false, nothing.
func (w *Workspace) Refresh(r Diagnoser, o PlanOptions) (plan.Live, bool) {
	if !o.Refresh {
		return plan.Live{}, true
	}
	live, err := plan.Refresh(w.env.Ctx, w.Client, plan.Touched(w.Config, w.State))
	if err != nil {
		errorf(r, "Cannot read what Graph holds", "%v", err)
		return nil, false
	}
	return live, true
}

// BuildPlan builds the plan against live (see Refresh), reporting
// problems and extra (warnings of the caller's) on r.
func (w *Workspace) BuildPlan(r Diagnoser, o PlanOptions, live plan.Live, extra hcl.Diagnostics) (*plan.Plan, bool) {
	reader := plan.Reader(nil)
	if o.Refresh {
		reader = w.Client
	}
	p, diags := plan.Build(w.env.Ctx, w.Config, w.State, live, reader, plan.Options{
		Now:              w.env.Now(),
		Mode:             o.Mode,
		Targets:          o.Targets,
		Replace:          o.Replace,
		Parallelism:      o.Parallelism,
		AllowMassDestroy: o.AllowMassDestroy,
		MassDestroyShare: w.Config.Graph.MassDestroyThreshold,
		MassDestroyMin:   w.Config.Graph.MassDestroyMinimum,
		AppOnly:          AppOnly(w.env, w.Config.Graph),
	})
	diags = append(extra, diags...)
	r.Diagnostics(w.Config.Files, diags)
	return p, !diags.HasErrors()
}
