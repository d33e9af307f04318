//go:build !unix

package plan_test

// maxRSSMB is the process's peak resident set in MiB: not read here.
func maxRSSMB() (float64, bool) { return 0, false }
