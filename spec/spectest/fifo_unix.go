//go:build unix

package spectest

import (
	"errors"
	"syscall"
)

// errNoFifo is mkfifo's error where the OS has no named pipes.
var errNoFifo = errors.New("this OS has no named pipes")

func mkfifo(path string) error { return syscall.Mkfifo(path, 0o600) }
