package main

import (
	"github.com/attachform/attachform/internal/arguments"
	"github.com/attachform/attachform/internal/views"
)

type destroyCommand struct{ g *globals }

func (c *destroyCommand) Synopsis() string { return "Delete every attachment attachform manages" }

func (c *destroyCommand) Help() string {
	return `Usage: attachform [-chdir=DIR] destroy [options]

  Deletes from Graph every attachment the state records, and cancels every
  upload session an interrupted apply left open: "attachform apply -destroy".
  It shows the plan and asks for approval first, as Terraform's destroy
  does; "attachform plan -destroy -out=FILE" saves such a plan for review,
  and "attachform apply FILE" carries it out.

  Attachments attachform does not manage are left alone, exclusive targets
  included. lifecycle { prevent_destroy = true } still protects what it
  marks: remove it first. The mass-destroy guard does not apply: destroying
  everything is what this command is for.

Options:

  -auto-approve           Do not ask for approval.
` + arguments.OperationHelp + "\n" + views.DestroyViews.Help(views.HelpColumn)
}

func (c *destroyCommand) Run(args []string) int {
	return runApply(c.g, "destroy", args, true, c.Help())
}
