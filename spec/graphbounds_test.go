package spec

import (
	"strings"
	"testing"
	"time"
)

// The graph block's bounds on a misbehaving Graph.
func TestGraphBounds(t *testing.T) {
	dir := writeConfig(t, map[string]string{"main.attach.hcl": `
graph {
  max_retry_after = "30m"
  idle_timeout    = "90s"
}
`})
	g := mustLoad(t, dir, LoadOptions{}).Graph
	if g.MaxRetryAfter != 30*time.Minute || g.IdleTimeout != 90*time.Second {
		t.Errorf("Graph = %+v", g)
	}
	for _, tc := range []struct{ attr, value, says string }{
		{"max_retry_after", "forever", "not a duration"},
		{"max_retry_after", "100ms", "from 1s to 24h"},
		{"max_retry_after", "48h", "from 1s to 24h"},
		{"idle_timeout", "500ms", "from 1s to 1h"},
		{"idle_timeout", "2h", "from 1s to 1h"},
		{"idle_timeout", "60", "not a duration"},
		{"idle_timeout", "", "not a duration"},
	} {
		dir := writeConfig(t, map[string]string{"main.attach.hcl": "graph {\n  " + tc.attr + " = \"" + tc.value + "\"\n}\n"})
		errs, diags := loadErrors(t, dir, LoadOptions{})
		if len(errs) != 1 || errs[0] != "Invalid "+tc.attr || !strings.Contains(diags[0].Detail, tc.says) {
			t.Errorf("%s = %q: %v %s, want a diagnostic saying %q", tc.attr, tc.value, errs, diags.Error(), tc.says)
		}
	}
	// The deadlines sized to bytes are gone; their arguments say what
	// replaced them instead of being silently ignored.
	for _, attr := range []string{"response_timeout", "min_transfer_rate"} {
		dir := writeConfig(t, map[string]string{"main.attach.hcl": "graph {\n  " + attr + " = \"2m\"\n}\n"})
		errs, diags := loadErrors(t, dir, LoadOptions{})
		if len(errs) != 1 || errs[0] != "Removed argument" || !strings.Contains(diags[0].Detail, "idle_timeout") || diags[0].Subject == nil || diags[0].Subject.Start.Line != 2 {
			t.Errorf("%s: %v %s, want one \"Removed argument\" at line 2 naming idle_timeout", attr, errs, diags.Error())
		}
	}
}
