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
	"github.com/attachform/attachform/state/backend"
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

// The manifest's idle_timeout reaches the backend: backend "local" {
// idle_timeout = "1s" } gives a hanging read up after a second, not the
// default minute, and a malformed value is a problem before anything opens.
func TestIdleTimeoutSetting(t *testing.T) {
	if probs := Type.Check(map[string]string{"path": "s.json", "idle_timeout": "500ms"}); len(probs) != 1 || probs[0].Summary != "Invalid idle_timeout" {
		t.Errorf("idle_timeout 500ms: %v, want one Invalid idle_timeout", probs)
	}
	if probs := Type.Check(map[string]string{"path": "s.json", "idle_timeout": "2m"}); len(probs) != 0 {
		t.Errorf("idle_timeout 2m: %v, want none", probs)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "attachform.state.json")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	t.Cleanup(func() {
		if fd, err := syscall.Open(path, syscall.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			syscall.Close(fd)
		}
	})
	b, err := Type.Open(backend.Options{Dir: dir, Settings: map[string]string{"path": "attachform.state.json", "idle_timeout": "1s"}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := b.Read(context.Background()); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, state.ErrNoAnswer) || !strings.Contains(err.Error(), "1s") {
			t.Errorf("Read = %v; want ErrNoAnswer after 1s", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the read did not end within 30 s: idle_timeout was not applied")
	}
}
