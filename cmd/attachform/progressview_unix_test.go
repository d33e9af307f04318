//go:build unix

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/attachform/attachform/emulator"
	"github.com/creack/pty"
)

// apply on a terminal (a pseudo-terminal) draws live bars — one per
// upload and the overall line — with finished changes as lines above
// them, and ends clean: the bars' last frame is complete, and what
// follows is the plain outcome, no escape code after it.
func TestApplyOnATerminalDrawsBars(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: 140}); err != nil {
		t.Fatal(err)
	}
	// Slow enough for the bars to be drawn more than once.
	srv, err := emulator.New(emulator.Options{Demo: true, Limits: emulator.Limits{Off: true}, Faults: emulator.Faults{Latency: 30 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	files := map[string]string{
		"main.attach.hcl": fmt.Sprintf(`graph {
  endpoint = %q
}
data "message" "welcome" {
  mailbox = "demo@contoso.example"
  filter  = "subject eq 'Welcome to attachform'"
}
target "welcome" {
  mailbox = "demo@contoso.example"
  message = data.message.welcome.id
}
attachment "big0" {
  target = target.welcome
  source = "files/big0.bin"
}
attachment "big1" {
  target = target.welcome
  source = "files/big1.bin"
}
attachment "note" {
  target = target.welcome
  source = "files/note.txt"
}
`, srv.URL()),
		"files/big0.bin": strings.Repeat("0", 9<<20),
		"files/big1.bin": strings.Repeat("1", 9<<20),
		"files/note.txt": "a note\n",
	}
	writeFiles(t, dir, files)

	var screen bytes.Buffer
	read := make(chan struct{})
	go func() {
		defer close(read)
		_, _ = io.Copy(&screen, ptmx) // ends with EIO once the terminal closes
	}()
	var errb bytes.Buffer
	// NO_COLOR leaves the outcome plain; bars do not depend on colour.
	code := run(context.Background(), []string{"-chdir=" + dir, "apply", "-auto-approve"},
		streams{in: strings.NewReader(""), out: tty, err: &errb}, []string{"TERM=xterm-256color", "NO_COLOR=1"})
	tty.Close()
	<-read
	got := screen.String()
	if code != exitOK {
		t.Fatalf("exit %d\nstderr:\n%s\nterminal:\n%q", code, errb.String(), got)
	}
	for _, want := range []string{"attachment.big0", "attachment.big1", "Applying 3/3", "[", "=", "attachment.note: Creation complete after", "attachment.big0: Creation complete after"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q on the terminal:\n%q", want, got)
		}
	}
	if !strings.Contains(got, "\x1b[") {
		t.Errorf("no redrawing on the terminal:\n%q", got)
	}
	// The outcome comes after the last frame, as plain text, and nothing
	// is drawn after it.
	end := strings.LastIndex(got, "Apply complete!")
	if end < 0 {
		t.Fatalf("no outcome on the terminal:\n%q", got)
	}
	if tail := got[end:]; tail != "Apply complete! Resources: 3 added, 0 changed, 0 destroyed.\r\n" {
		t.Errorf("after the outcome: %q", tail)
	}
	frame := got[:end]
	if last := strings.LastIndex(frame, "Applying"); last < 0 || !strings.HasPrefix(frame[last:], "Applying 3/3") {
		t.Errorf("the last frame is not complete:\n%q", frame[max(0, len(frame)-400):])
	}
	if strings.Contains(got[strings.LastIndex(got, "Applying 3/3"):end], "\x1b[") {
		t.Errorf("escape codes after the last frame:\n%q", got[strings.LastIndex(got, "Applying 3/3"):])
	}
}
