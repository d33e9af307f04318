//go:build unix

package local

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/attachform/attachform/state"
)

// A state file whose reads never return (here a named pipe no one writes
// to, as a file on a network share that has gone): Read and Write give up
// after the idle timeout with state.ErrNoAnswer naming the file, instead
// of holding the run for ever.
func TestAFileSystemThatHangsEndsTheCall(t *testing.T) {
	path := filepath.Join(t.TempDir(), "attachform.state.json")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	t.Cleanup(func() {
		// Let the calls left blocked on the pipe end.
		if fd, err := syscall.Open(path, syscall.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			syscall.Close(fd)
		}
	})
	b := New(path)
	b.IdleTimeout = 200 * time.Millisecond
	type call struct {
		name string
		f    func() error
	}
	for _, c := range []call{
		{"Read", func() error { _, err := b.Read(context.Background()); return err }},
		{"Write", func() error { return state.Persist(context.Background(), b, state.New(), "test") }},
	} {
		done := make(chan error, 1)
		go func() { done <- c.f() }()
		select {
		case err := <-done:
			if !errors.Is(err, state.ErrNoAnswer) || !strings.Contains(err.Error(), path) {
				t.Errorf("%s of a state that hangs = %v; want ErrNoAnswer naming %s", c.name, err, path)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%s of a state that hangs did not end within 30 s", c.name)
		}
	}
}
