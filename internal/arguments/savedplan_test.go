package arguments

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// Beside a saved plan, the options it holds are refused, the variables
// once however they were given; the others pass.
func TestRefuseShaping(t *testing.T) {
	for _, tt := range []struct {
		given []string
		want  []string // summaries
	}{
		{nil, nil},
		{[]string{"auto-approve", "lock-timeout", "parallelism"}, nil},
		{[]string{"var", "var-file"}, []string{"Can't set variables when applying a saved plan"}},
		{[]string{"destroy", "refresh", "target", "var"}, []string{
			"Can't use -destroy when applying a saved plan", "Can't use -refresh when applying a saved plan",
			"Can't use -target when applying a saved plan", "Can't set variables when applying a saved plan"}},
	} {
		var got []string
		for _, d := range (&Apply{Command: Command{Given: tt.given}}).RefuseShaping("tfplan") {
			if d.Severity != hcl.DiagError {
				t.Errorf("%v: %s is not an error", tt.given, d.Summary)
			}
			got = append(got, d.Summary)
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("RefuseShaping(%v) = %q, want %q", tt.given, got, tt.want)
		}
	}
}
