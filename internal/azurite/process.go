//go:build unix

package azurite

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Process is an Azurite of a test's own, keeping its data on disk, that
// the test may stop (SIGSTOP: it keeps its connections and answers
// nothing, as a store behind a hung load balancer), continue, kill and
// start again from disk.
type Process struct {
	// Endpoint is its blob service URL; it stays the same across Restart.
	Endpoint string
	// Location is the directory of its data.
	Location string

	t    testing.TB
	port string
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// startWait bounds Azurite's start.
const startWait = 60 * time.Second

// Start starts an Azurite for t with its data in a fresh directory. It
// runs where Azurite does (ATTACHFORM_TEST_AZURITE set, azurite-blob on
// PATH, as in CI); elsewhere t is skipped saying so, and under CI it
// fails. The process is killed when t ends.
func Start(t testing.TB) *Process {
	t.Helper()
	Endpoint(t) // skips, or fails under CI, without Azurite
	if _, err := exec.LookPath("azurite-blob"); err != nil {
		msg := "*** azurite-blob is not on PATH: this test needs an Azurite process of its own to stop and restart (npm install -g azurite@3.35.0) ***"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	p := &Process{t: t, Location: t.TempDir(), port: "0"}
	p.start()
	t.Cleanup(func() { p.kill() })
	return p
}

var listensRE = regexp.MustCompile(`listens on (http://127\.0\.0\.1:(\d+))`)

func (p *Process) start() {
	p.t.Helper()
	cmd := exec.Command("azurite-blob", "--blobHost", "127.0.0.1", "--blobPort", p.port, "--location", p.Location,
		"--disableTelemetry", "--skipApiVersionCheck", "--silent")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		p.t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("start azurite-blob: %v", err)
	}
	done := make(chan struct{})
	found := make(chan []string, 1)
	var log strings.Builder
	var logMu sync.Mutex
	go func() {
		r := bufio.NewReader(out)
		for {
			line, err := r.ReadString('\n')
			logMu.Lock()
			log.WriteString(line)
			logMu.Unlock()
			if m := listensRE.FindStringSubmatch(line); m != nil {
				select {
				case found <- m:
				default:
				}
			}
			if err != nil {
				_, _ = io.Copy(io.Discard, r)
				_ = cmd.Wait()
				close(done)
				return
			}
		}
	}()
	select {
	case m := <-found:
		p.port = m[2]
		p.Endpoint = m[1] + "/" + Account
	case <-done:
		logMu.Lock()
		defer logMu.Unlock()
		p.t.Fatalf("azurite-blob exited before it listened:\n%s", log.String())
	case <-time.After(startWait):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		p.t.Fatalf("azurite-blob did not listen within %s", startWait)
	}
	p.mu.Lock()
	p.cmd, p.done = cmd, done
	p.mu.Unlock()
}

func (p *Process) signal(sig syscall.Signal) {
	p.t.Helper()
	p.mu.Lock()
	cmd := p.cmd
	p.mu.Unlock()
	if cmd == nil {
		p.t.Fatalf("azurite is not running")
	}
	if err := syscall.Kill(-cmd.Process.Pid, sig); err != nil {
		p.t.Fatalf("signal azurite: %v", err)
	}
}

// Stop freezes the process (SIGSTOP): connections stay open, nothing is
// answered.
func (p *Process) Stop() { p.signal(syscall.SIGSTOP) }

// Continue lets a stopped process go on (SIGCONT).
func (p *Process) Continue() { p.signal(syscall.SIGCONT) }

// Shutdown ends the process as an operator would (SIGTERM), which saves
// its data to disk first, and waits for it to exit.
func (p *Process) Shutdown() {
	p.t.Helper()
	p.signal(syscall.SIGCONT)
	p.signal(syscall.SIGTERM)
	p.wait()
}

// Kill ends the process at once (SIGKILL): what it had not saved is lost.
func (p *Process) Kill() {
	p.t.Helper()
	p.signal(syscall.SIGKILL)
	p.wait()
}

func (p *Process) wait() {
	p.t.Helper()
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	select {
	case <-done:
	case <-time.After(startWait):
		p.t.Fatalf("azurite did not exit within %s", startWait)
	}
	p.mu.Lock()
	p.cmd = nil
	p.mu.Unlock()
}

// Restart starts the process again, on the same port, from what is on
// disk in Location.
func (p *Process) Restart() {
	p.t.Helper()
	p.start()
}

// Snapshot copies Location (taken while the process is shut down) to a
// new directory and returns it.
func (p *Process) Snapshot() string {
	p.t.Helper()
	dst := p.t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(p.Location)); err != nil {
		p.t.Fatalf("snapshot azurite's data: %v", err)
	}
	return dst
}

// RestoreFrom replaces Location with a snapshot (the process shut down).
func (p *Process) RestoreFrom(snapshot string) {
	p.t.Helper()
	entries, err := os.ReadDir(p.Location)
	if err != nil {
		p.t.Fatal(err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(p.Location, e.Name())); err != nil {
			p.t.Fatal(err)
		}
	}
	if err := os.CopyFS(p.Location, os.DirFS(snapshot)); err != nil {
		p.t.Fatalf("restore azurite's data: %v", err)
	}
}

// Container creates a container with a fresh name in p and returns its
// name.
func (p *Process) Container() string {
	p.t.Helper()
	name := fmt.Sprintf("t-%d", time.Now().UnixNano())
	c, err := Client(p.Endpoint, name)
	if err != nil {
		p.t.Fatal(err)
	}
	if _, err := c.Create(context.Background(), nil); err != nil {
		p.t.Fatalf("create container %s in Azurite at %s: %v", name, p.Endpoint, err)
	}
	return name
}

func (p *Process) kill() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGCONT)
	<-done
}
