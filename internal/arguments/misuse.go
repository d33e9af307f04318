package arguments

import (
	"errors"
	"fmt"
	"strings"
)

// The Misuse methods find what is wrong in how a command was called
// beyond each flag's own value: positional arguments it does not take,
// flags that exclude each other. The command reports the error with its
// help, once its view is open and Check found nothing; nil is no mistake.

// Misuse is plan's: it takes no arguments.
func (a *Plan) Misuse() error {
	if len(a.Args) > 0 {
		return extraArgs("plan", a.Args)
	}
	return nil
}

// ErrNoInput is apply's refusal to ask for approval under -input=false.
var ErrNoInput = errors.New("approval is needed, and -input=false asks nothing: pass -auto-approve, or save the plan with plan -out=FILE and apply FILE")

// Misuse is apply's and destroy's. A plan file or -reviewed decides what
// is applied without asking, so the checks about asking (-json, -input)
// come only without them.
func (a *Apply) Misuse() error {
	switch {
	case a.name == "destroy" && len(a.Args) > 0:
		return fmt.Errorf("destroy takes no arguments, but was given %s; to apply a saved destroy plan use attachform apply PLANFILE", quoteArgs(a.Args))
	case len(a.Args) > 1:
		return tooManyArgs("apply", a.Args)
	case a.Reviewed != "" && len(a.Args) > 0:
		return fmt.Errorf("apply -reviewed=%s plans afresh and takes no plan file, but was given %s; to apply a saved plan as it is use attachform apply PLANFILE",
			a.Reviewed, quoteArgs(a.Args))
	case a.Markdown && a.Reviewed == "":
		return fmt.Errorf("%s -markdown writes what apply -reviewed=PLANFILE refused, in Markdown: give it -reviewed", a.name)
	case a.Reviewed != "" || len(a.Args) == 1:
		return nil
	case a.JSON && !a.AutoApprove:
		return fmt.Errorf("%s -json cannot ask for approval: pass -auto-approve, or apply a saved plan", a.name)
	case !a.Input && !a.AutoApprove:
		return ErrNoInput
	}
	return nil
}

// Misuse is show's: at most a plan file, which holds everything shown, so
// no flag that finds the state beside it; -markdown only with it.
func (a *Show) Misuse() error {
	switch {
	case len(a.Args) > 1:
		return tooManyArgs("show", a.Args)
	case len(a.Args) == 1:
		var given []string
		for _, name := range a.Given {
			if name != "json" && name != "markdown" && name != "no-color" {
				given = append(given, "-"+name)
			}
		}
		if len(given) > 0 {
			return fmt.Errorf("show PLANFILE reads only the plan file, which holds everything it shows; %s find the state, shown without PLANFILE",
				strings.Join(given, ", "))
		}
	case a.Markdown:
		return errors.New("show -markdown writes a saved plan: give its file, as in attachform show -markdown PLANFILE")
	}
	return nil
}

// Misuse is validate's: it takes no arguments.
func (a *Validate) Misuse() error {
	if len(a.Args) > 0 {
		return errors.New("validate takes no arguments; to check another directory use attachform -chdir=DIR validate")
	}
	return nil
}

// Misuse is version's: it takes no arguments.
func (a *Version) Misuse() error {
	if len(a.Args) > 0 {
		return errors.New("version takes no arguments")
	}
	return nil
}

// Misuse is init's: no arguments, and one decision about a previous
// backend's state.
func (a *Init) Misuse() error {
	switch {
	case len(a.Args) > 0:
		return errors.New("init takes no arguments; to set up another directory use attachform -chdir=DIR init")
	case a.MigrateState && a.Reconfigure:
		return errors.New("-migrate-state and -reconfigure ask for different things: choose one")
	case a.ForceCopy && !a.MigrateState:
		return errors.New("-force-copy goes with -migrate-state")
	}
	return nil
}

// Misuse is import's: an address and a Graph id.
func (a *Import) Misuse() error {
	if len(a.Args) != 2 || strings.TrimSpace(a.Args[1]) == "" {
		return errors.New("import takes an address and the Graph id of the attachment")
	}
	return nil
}

// extraArgs is the mistake of giving a command arguments it does not take:
// a directory in particular, which Terraform once took and attachform
// never did.
func extraArgs(command string, args []string) error {
	return fmt.Errorf("%s takes no arguments, but was given %s; to work on another directory use attachform -chdir=DIR %s",
		command, quoteArgs(args), command)
}

// tooManyArgs is the mistake of giving more than a plan file, often an
// option after it (options go first, as Go's flags and Terraform read
// them).
func tooManyArgs(command string, args []string) error {
	for _, a := range args[1:] {
		if strings.HasPrefix(a, "-") {
			return fmt.Errorf("%s takes options before the plan file, but was given %s after it: options go before the plan file, as in attachform %s %s %s",
				command, quoteArgs(args[1:]), command, strings.Join(args[1:], " "), args[0])
		}
	}
	return fmt.Errorf("%s takes at most one argument, a saved plan file, but was given %s", command, quoteArgs(args))
}

func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = fmt.Sprintf("%q", a)
	}
	return strings.Join(q, " ")
}
