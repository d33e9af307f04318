//go:build unix

package plan_test

import (
	"runtime"
	"syscall"
)

// maxRSSMB is the process's peak resident set in MiB; ok is false where
// the OS does not say.
func maxRSSMB() (mb float64, ok bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	if runtime.GOOS == "darwin" {
		return float64(ru.Maxrss) / (1 << 20), true // bytes there
	}
	return float64(ru.Maxrss) / 1024, true // KiB on Linux and the BSDs
}
