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
  max_retry_after   = "30m"
  response_timeout  = "90s"
  min_transfer_rate = "64KB/s"
}
`})
	g := mustLoad(t, dir, LoadOptions{}).Graph
	if g.MaxRetryAfter != 30*time.Minute || g.ResponseTimeout != 90*time.Second || g.MinTransferRate != 64*KiB {
		t.Errorf("Graph = %+v", g)
	}
	dir = writeConfig(t, map[string]string{"main.attach.hcl": "graph {\n  min_transfer_rate = \"1MB/2s\"\n}\n"})
	if g := mustLoad(t, dir, LoadOptions{}).Graph; g.MinTransferRate != 512*KiB {
		t.Errorf("1MB/2s = %d bytes/s", g.MinTransferRate)
	}
	for _, tc := range []struct{ attr, value, says string }{
		{"max_retry_after", "forever", "not a duration"},
		{"max_retry_after", "100ms", "from 1s to 24h"},
		{"max_retry_after", "48h", "from 1s to 24h"},
		{"response_timeout", "1s", "from 5s to 1h"},
		{"response_timeout", "2", "not a duration"},
		{"min_transfer_rate", "100B/s", "below 1 KiB"},
		{"min_transfer_rate", "fast", "SIZE/s"},
	} {
		dir := writeConfig(t, map[string]string{"main.attach.hcl": "graph {\n  " + tc.attr + " = \"" + tc.value + "\"\n}\n"})
		errs, diags := loadErrors(t, dir, LoadOptions{})
		if len(errs) != 1 || errs[0] != "Invalid "+tc.attr || !strings.Contains(diags[0].Detail, tc.says) {
			t.Errorf("%s = %q: %v %s, want a diagnostic saying %q", tc.attr, tc.value, errs, diags.Error(), tc.says)
		}
	}
}
