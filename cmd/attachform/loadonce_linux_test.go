package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/attachform/attachform/state"
)

// opens counts, through inotify, how often each file directly in a
// directory is opened: the kernel queues an event per open before open
// returns, so what a command opened is all there once it returned. The
// closes are watched too, only so that two opens of a file are never
// queued one after the other, which inotify would merge into one.
type opens struct {
	t  *testing.T
	fd int
}

func watchOpens(t *testing.T, dir string) *opens {
	t.Helper()
	fd, err := syscall.InotifyInit1(syscall.IN_NONBLOCK | syscall.IN_CLOEXEC)
	if err != nil {
		t.Skipf("inotify: %v", err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if _, err := syscall.InotifyAddWatch(fd, dir, syscall.IN_OPEN|syscall.IN_CLOSE_NOWRITE|syscall.IN_CLOSE_WRITE); err != nil {
		t.Skipf("inotify watch: %v", err)
	}
	return &opens{t: t, fd: fd}
}

// since returns how often each file was opened since it was last asked,
// by name.
func (o *opens) since() map[string]int {
	o.t.Helper()
	counts := map[string]int{}
	buf := make([]byte, 64<<10)
	for {
		n, err := syscall.Read(o.fd, buf)
		if errors.Is(err, syscall.EAGAIN) {
			return counts
		}
		if err != nil {
			o.t.Fatalf("reading inotify events: %v", err)
		}
		for off := 0; off+syscall.SizeofInotifyEvent <= n; {
			ev := (*syscall.InotifyEvent)(unsafe.Pointer(&buf[off]))
			name := buf[off+syscall.SizeofInotifyEvent : off+syscall.SizeofInotifyEvent+int(ev.Len)]
			if ev.Mask&syscall.IN_OPEN != 0 && ev.Mask&syscall.IN_ISDIR == 0 {
				counts[string(bytes.TrimRight(name, "\x00"))]++
			}
			off += syscall.SizeofInotifyEvent + int(ev.Len)
		}
	}
}

// loadOnceManifest finds the embedded emulator's demo message with a data
// source, its mailbox from the automatic variables file, and attaches a
// file to it. Each evaluation reads note.txt (file() reads when called).
const loadOnceManifest = `
graph {
  endpoint = "emulator"
}

backend "local" {
  path = "state.json"
}

variable "mailbox" {}

locals {
  note = file("note.txt")
}

data "message" "welcome" {
  mailbox = var.mailbox
  filter  = "subject eq 'Welcome to attachform'"
}

target "welcome" {
  mailbox = var.mailbox
  message = data.message.welcome.id
}

attachment "agenda" {
  target = target.welcome
  source = "agenda.md"
}
`

// Every command that reads the manifests reads each of them, and the
// variables file beside them, once; the commands that use no Graph
// evaluate them once, and those that look data sources up twice: offline,
// so that a mistake is reported before Graph is asked anything, then with
// the lookups. Counted by the kernel (inotify: note.txt is read by each
// evaluation), through the real CLI on the embedded emulator. Last, with
// init's -backend-config remembered for a backend the manifests no longer
// name, plan still evaluates once before it refuses. plan
// -generate-config-out evaluates a third time, with the manifest it
// wrote, which it reads once.
func TestCommandsReadTheManifestsOnce(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("main.attach.hcl", loadOnceManifest)
	write("mail.auto.attachvars", "mailbox = \"demo@contoso.example\"\n")
	write("agenda.md", "# Agenda\n")
	write("note.txt", "counted\n")
	watch := watchOpens(t, dir)
	var id string // the agenda's attachment id, once applied
	for _, step := range []struct {
		args        []string
		code        int
		evaluations int
	}{
		{[]string{"init", "-backend-config=path=state.json"}, exitOK, 1},
		{[]string{"validate"}, exitOK, 1},
		{[]string{"plan", "-refresh=false"}, exitOK, 2},
		{[]string{"plan", "-out=reviewed.tfplan"}, exitOK, 2},
		{[]string{"apply", "-auto-approve", "-reviewed=reviewed.tfplan"}, exitOK, 2},
		{[]string{"plan", "-out=tfplan"}, exitOK, 2},
		{[]string{"apply", "tfplan"}, exitOK, 2},
		{[]string{"apply", "-auto-approve"}, exitOK, 2},
		{[]string{"state", "list"}, exitOK, 1},
		{[]string{"state", "rm", "attachment.agenda"}, exitOK, 1},
		{[]string{"import", "attachment.agenda", "ID"}, exitOK, 2},
		{[]string{"show"}, exitOK, 1},
		{[]string{"state", "rm", "attachment.agenda"}, exitOK, 1},
		{[]string{"undeclared", "plan", "-generate-config-out=generated.attach.hcl"}, exitOK, 3},
		{[]string{"moved", "plan"}, exitError, 1},
	} {
		name := strings.Join(step.args, " ")
		switch step.args[0] {
		case "import":
			step.args[2] = id
		case "undeclared":
			// The agenda's block goes: generated, its manifest is read
			// once, the others not again.
			write("main.attach.hcl", loadOnceManifest[:strings.Index(loadOnceManifest, "attachment \"agenda\"")])
			step.args = step.args[1:]
		case "moved":
			write("main.attach.hcl", strings.Replace(loadOnceManifest, "backend \"local\"", "backend \"azurerm\"", 1))
			step.args = step.args[1:]
		}
		watch.since()
		res := runCLI(t, dir, nil, "", step.args...)
		if res.code != step.code {
			t.Fatalf("%s exited %d, want %d\n%s%s", name, res.code, step.code, res.out, res.err)
		}
		got := watch.since()
		if strings.Contains(name, "generate") && !strings.Contains(res.out, "1 to import") {
			t.Errorf("%s generated no import:\n%s", name, res.out)
		}
		files := []string{"main.attach.hcl", "mail.auto.attachvars"}
		if strings.Contains(name, "generate") {
			files = append(files, "generated.attach.hcl")
		}
		for _, file := range files {
			if got[file] != 1 {
				t.Errorf("%s opened %s %d times, want once", name, file, got[file])
			}
		}
		if got["note.txt"] != step.evaluations {
			t.Errorf("%s evaluated the manifests %d times, want %d", name, got["note.txt"], step.evaluations)
		}
		if id == "" {
			id = agendaID(t, dir)
		}
	}
}

// agendaID is attachment.agenda's id in the state, "" before there is one.
func agendaID(t *testing.T, dir string) string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "state.json"))
	if errors.Is(err, os.ErrNotExist) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := state.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := st.Attachment("attachment.agenda")
	return a.ID
}
