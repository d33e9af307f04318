package arguments

import (
	"flag"
	"fmt"
	"time"

	"github.com/attachform/attachform/internal/addrs"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/spec"
	"github.com/hashicorp/hcl/v2"
)

// Manifests are the flags of every command that loads the manifests.
type Manifests struct {
	// VarArgs are -var and -var-file in command-line order, so that a
	// later one wins over an earlier one as in Terraform.
	VarArgs             []spec.VarArg
	BackendConfig       []string // -backend-config, repeatable
	AllowOutsideSources bool     // -allow-outside-sources
}

// varArg is -var or -var-file: both go to one list, in order.
type varArg struct {
	args *[]spec.VarArg
	file bool
}

func (v varArg) String() string { return "" }
func (v varArg) Set(s string) error {
	*v.args = append(*v.args, spec.VarArg{File: v.file, Value: s})
	return nil
}

func (m *Manifests) register(fs *flag.FlagSet) {
	fs.Var(varArg{args: &m.VarArgs}, "var", "")
	fs.Var(varArg{args: &m.VarArgs, file: true}, "var-file", "")
	fs.Var((*stringList)(&m.BackendConfig), "backend-config", "")
	fs.BoolVar(&m.AllowOutsideSources, "allow-outside-sources", false, "")
}

// ManifestsHelp documents the Manifests flags, for the commands' help.
const ManifestsHelp = `  -var 'name=value'       Set a variable. Repeatable; later options win.
  -var-file=FILE          Read variable values from FILE. Repeatable.
  -backend-config=K=V     Backend setting kept out of the manifest. Repeatable.
  -allow-outside-sources  Allow source files outside the configuration directory.
                          A manifest can never grant itself this.`

// Lock is -lock and -lock-timeout.
type Lock struct {
	Lock        bool          // -lock=false: do not lock the state
	LockTimeout time.Duration // -lock-timeout: 0 fails at once
}

func (l *Lock) register(fs *flag.FlagSet) {
	fs.BoolVar(&l.Lock, "lock", true, "")
	fs.Var((*duration)(&l.LockTimeout), "lock-timeout", "")
}

// LockHelp documents the Lock flags, for the help of the commands that
// change the state without planning (plan's are in OperationHelp).
const LockHelp = `  -lock=false             Do not lock the state. Dangerous when others run too.
  -lock-timeout=DURATION  Wait this long for the state lock (default: fail at once).`

// Operation is the flags of the commands that plan: plan, apply, destroy.
type Operation struct {
	Manifests
	Lock
	Parallelism int      // -parallelism: Graph requests in flight at once
	Targets     []string // -target: plan only these addresses
	Replaces    []string // -replace: force these replacements
	Destroy     bool     // -destroy: plan to remove everything managed
	RefreshOnly bool     // -refresh-only: bring the state in line with Graph
	Refresh     bool     // -refresh=false: plan from the state alone
	// -allow-mass-destroy: let a plan delete or replace more than the
	// guard's share of the managed attachments.
	AllowMassDestroy bool
	// -force: read a state whose serial went backwards (an older copy
	// restored over a newer one), and make it the latest.
	Force bool
	// -input=false: ask nothing; where a question would be asked (apply's
	// approval), fail instead.
	Input bool
}

func (o *Operation) register(fs *flag.FlagSet) {
	o.Manifests.register(fs)
	o.Lock.register(fs)
	fs.IntVar(&o.Parallelism, "parallelism", 10, "")
	fs.Var((*stringList)(&o.Targets), "target", "")
	fs.Var((*stringList)(&o.Replaces), "replace", "")
	fs.BoolVar(&o.Destroy, "destroy", false, "")
	fs.BoolVar(&o.RefreshOnly, "refresh-only", false, "")
	fs.BoolVar(&o.Refresh, "refresh", true, "")
	fs.BoolVar(&o.AllowMassDestroy, "allow-mass-destroy", false, "")
	fs.BoolVar(&o.Force, "force", false, "")
	fs.BoolVar(&o.Input, "input", true, "")
}

// Mode is the plan mode the flags ask for.
func (o *Operation) Mode() plan.Mode {
	switch {
	case o.Destroy:
		return plan.Destroy
	case o.RefreshOnly:
		return plan.RefreshOnly
	}
	return plan.Normal
}

// OperationHelp documents the Operation flags, for the help of the
// commands that plan.
const OperationHelp = `  -target=ADDRESS         Only this attachment (repeatable): attachment.NAME
                          (every instance), one instance such as
                          'attachment.NAME["KEY"]' or attachment.NAME[0], or
                          the attachments on a target or one of its instances
                          ('target.NAME["KEY"]').
  -replace=ADDRESS        Replace this attachment even if unchanged (repeatable).
  -lock=false             Do not lock the state. Dangerous when others run too.
  -lock-timeout=DURATION  Wait this long for the state lock (default: fail at once).
  -parallelism=N          Graph requests in flight at once, across mailboxes
                          (default 10); each mailbox also keeps to its own
                          limits, and one waiting for its budget holds none.
  -destroy                Plan to delete every attachment attachform manages.
  -refresh-only           Change nothing in Graph; update the state to match it.
  -refresh=false          Plan from the state alone, without reading Graph.
  -allow-mass-destroy     Allow deleting or replacing more than 30 % of the
                          managed attachments (when 10 or more are managed;
                          the graph block's mass_destroy_threshold and
                          mass_destroy_minimum change both).
  -force                  Use a state whose serial went backwards (an older copy
                          restored over a newer one), and make it the latest.
  -input=false            Ask no question: where one would be asked, fail.
` + ManifestsHelp

// Check finds what the flag package cannot: -parallelism's range, plan
// modes that exclude each other, and -target and -replace addresses,
// which it spells afterwards as plans spell them (attachment.x["k"]).
// Nothing should be read before these are right.
func (o *Operation) Check() hcl.Diagnostics {
	var diags hcl.Diagnostics
	if o.Parallelism < 1 {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid -parallelism",
			Detail: fmt.Sprintf("-parallelism=%d: give at least 1 change at a time.", o.Parallelism)})
	}
	if o.Destroy && o.RefreshOnly {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Incompatible plan modes",
			Detail: "-destroy and -refresh-only ask for different plans: choose one."})
	}
	if !o.Refresh && o.RefreshOnly {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Incompatible refresh options",
			Detail: "-refresh-only reads Graph to update the state, so -refresh=false leaves it nothing to do: choose one."})
	}
	for i, s := range o.Targets {
		a, d := spec.ParseAnyAddress(s)
		if !d.HasErrors() && a.Kind != addrs.Attachment && a.Kind != addrs.Target {
			d = hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid -target",
				Detail: fmt.Sprintf("-target=%s: a plan changes attachments, so -target takes an attachment (attachment.NAME, attachment.NAME[\"KEY\"]) or a target, whose attachments it selects (target.NAME, target.NAME[\"KEY\"]).", a)}}
		}
		diags = append(diags, d...)
		if !d.HasErrors() {
			o.Targets[i] = a.String()
		}
	}
	for i, s := range o.Replaces {
		a, d := spec.ParseAddress(s)
		diags = append(diags, d...)
		if !d.HasErrors() {
			o.Replaces[i] = a.String()
		}
	}
	return diags
}
