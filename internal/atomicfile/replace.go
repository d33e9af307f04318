package atomicfile

import (
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/attachform/attachform/internal/winpath"
)

// heldBudget is how long a replace waits for another process to let go of
// the file: on Windows a reader that opened it without FILE_SHARE_DELETE
// (an editor, a virus scanner, a backup or sync agent, another attachform
// reading the state) makes the rename fail until it closes the file, which
// such programs do within moments.
const heldBudget = 2 * time.Second

// replace renames tmp over path, waiting up to heldBudget while another
// process holds path open (Windows only: elsewhere a rename never waits
// for readers).
func replace(tmp, path string) error {
	err := retryHeld(func() error { return rename(tmp, path) }, isHeld, time.Sleep, heldBudget)
	if err != nil && isHeld(err) {
		return fmt.Errorf("replace %s: another process holds it open (an editor, a virus scanner, a backup or sync agent, or another attachform) and still did after %s; the file is as it was: close that program and run again: %w", path, heldBudget, err)
	}
	return err
}

// isHeld reports the errors Windows gives a rename over a file another
// process holds open.
func isHeld(err error) bool { return winpath.Host && heldErrno(err) }

// heldErrno reports ERROR_ACCESS_DENIED (5), ERROR_SHARING_VIOLATION (32)
// or ERROR_LOCK_VIOLATION (33), Windows' numbers; the same numbers mean
// other things elsewhere, so isHeld asks only on Windows.
func heldErrno(err error) bool {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return false
	}
	switch errno {
	case 5, 32, 33:
		return true
	}
	return false
}

// retryHeld runs op until it succeeds, fails with an error held does not
// report, or budget has been slept; the pauses start at 10ms and double up
// to 250ms. It returns op's last error.
func retryHeld(op func() error, held func(error) bool, sleep func(time.Duration), budget time.Duration) error {
	pause, slept := 10*time.Millisecond, time.Duration(0)
	for {
		err := op()
		if err == nil || !held(err) || slept >= budget {
			return err
		}
		pause = min(pause, budget-slept)
		sleep(pause)
		slept += pause
		pause = min(2*pause, 250*time.Millisecond)
	}
}
