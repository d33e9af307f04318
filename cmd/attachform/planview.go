package main

import "github.com/attachform/attachform/plan"

// workspaceView is what opening a workspace shows (openWorkspace,
// makePlan): problems, and Azure's device-code sign-in prompt.
type workspaceView interface {
	lockView
	DeviceCode(message string) error
}

// planView is the plan command's output.
type planView interface {
	workspaceView
	// Plan shows the plan; an error is the stream's.
	Plan(p *plan.Plan) error
}

var planViews = viewSet[planView]{
	human: func(v *view) planView { return &planHuman{v} },
}

// planHuman writes the plan as Terraform does, on stdout.
type planHuman struct{ *view }

func (v *planHuman) Plan(p *plan.Plan) error { return writePlan(v.out, p, v.outPal) }
