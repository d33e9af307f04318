package views

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

// Validate is the validate command's output.
type Validate interface {
	Common
	// Results shows the outcome: the configuration is valid when diags
	// hold no error.
	Results(files map[string]*hcl.File, diags hcl.Diagnostics)
}

var ValidateViews = Set[Validate]{
	human: func(v *View) Validate { return &validateHuman{v} },
	json:  func(v *View) Validate { return &validateJSON{v} },
	jsonHelp: "Write the result as JSON on stdout (the shape of\n" +
		"terraform validate -json).",
}

// validateHuman writes the diagnostics, then Terraform's verdict.
type validateHuman struct{ *View }

func (v *validateHuman) Results(files map[string]*hcl.File, diags hcl.Diagnostics) {
	v.Diagnostics(files, diags)
	if diags.HasErrors() {
		return
	}
	msg := "Success! The configuration is valid."
	if len(diags) > 0 {
		msg = "Success! The configuration is valid, but there were some validation warnings as shown above."
	}
	fmt.Fprintln(v.out, v.outPal.paint(styleSuccess, msg))
}

// validateJSON writes one document, valid or not (see jsonDiagnostics).
type validateJSON struct{ *View }

func (v *validateJSON) Results(files map[string]*hcl.File, diags hcl.Diagnostics) {
	v.jsonDiagnostics(files, diags)
}
