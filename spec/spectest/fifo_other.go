//go:build !unix

package spectest

import "errors"

// errNoFifo is mkfifo's error where the OS has no named pipes: the cases
// that need one are skipped there.
var errNoFifo = errors.New("this OS has no named pipes")

func mkfifo(string) error { return errNoFifo }
