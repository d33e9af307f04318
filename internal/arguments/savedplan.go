package arguments

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// savedOnlyFlags are the options a saved plan holds, by flag name, and
// how each is spelled in a diagnostic.
var savedOnlyFlags = map[string]string{
	"var": "variables", "var-file": "variables", "target": "-target=ADDRESS", "replace": "-replace=ADDRESS",
	"destroy": "-destroy", "refresh-only": "-refresh-only", "refresh": "-refresh=false",
	"allow-mass-destroy": "-allow-mass-destroy", "allow-outside-sources": "-allow-outside-sources",
}

// RefuseShaping refuses the options a saved plan holds, given again beside
// the plan in file: a saved plan is applied exactly as it was made, and
// giving them again is a mistake, as in Terraform.
func (a *Apply) RefuseShaping(file string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, name := range a.Given {
		what, refused := savedOnlyFlags[name]
		switch {
		case !refused:
		case what == "variables":
			if !slices.ContainsFunc(diags, func(d *hcl.Diagnostic) bool { return strings.HasPrefix(d.Summary, "Can't set variables") }) {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Can't set variables when applying a saved plan",
					Detail: "The -var and -var-file options cannot be used when applying a saved plan file, because a saved plan includes the variable values that were set when it was created."})
			}
		default:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: fmt.Sprintf("Can't use -%s when applying a saved plan", name),
				Detail: fmt.Sprintf("-%s shapes a plan, and %s is a plan made already: it is applied exactly as it was reviewed. "+
					"Make a new plan with it (attachform plan %s -out=FILE) and apply that file, or apply without a plan file.", name, file, what)})
		}
	}
	return diags
}
