package main

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/attachform/attachform/internal/buildinfo"
	"github.com/attachform/attachform/internal/views"
	"github.com/attachform/attachform/internal/workspace"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"
)

func testGlobals(environ ...string) (*globals, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &globals{ctx: context.Background(), dir: "/work/repo/config", std: streams{out: &out, err: &errb}, environ: environ}, &out, &errb
}

func hclSeverity(s string) hcl.DiagnosticSeverity {
	if s == "error" {
		return hcl.DiagError
	}
	return hcl.DiagWarning
}

func TestVersionCommand(t *testing.T) {
	res := runCLI(t, t.TempDir(), nil, "", "version")
	if res.code != exitOK || res.out != "attachform "+version()+" ("+buildinfo.GoRelease(runtime.Version())+", "+runtime.GOOS+"/"+runtime.GOARCH+")\n" || res.err != "" {
		t.Errorf("version: %+v", res)
	}
	res = runCLI(t, t.TempDir(), nil, "", "version", "extra")
	if res.code != exitError || res.err != "Error: version takes no arguments\n" || res.out != "" {
		t.Errorf("version extra: %+v", res)
	}
}

// While apply works, interrupt notices are its view's.
func TestInterruptNoticesOnTheSectionsView(t *testing.T) {
	var outside, section bytes.Buffer
	i := newInterrupts(context.Background(), views.NewView(views.Streams{Err: &outside}, true))
	defer i.release()
	_, end := i.graceful(time.Hour, hclog.NewNullLogger(), views.NewView(views.Streams{Err: &section}, true))
	defer end()
	i.received()
	i.received()
	if outside.Len() != 0 || !strings.Contains(section.String(), "stopping gracefully") || !strings.Contains(section.String(), "Second interrupt") {
		t.Errorf("outside %q, section %q", outside.String(), section.String())
	}
}

// The views name the file a state the store would not take is kept in
// when the lock is lost; it is the one the workspace writes.
func TestLockLostNamesTheErroredStateFile(t *testing.T) {
	var errb bytes.Buffer
	v := views.NewView(views.Streams{Err: &errb}, true)
	v.LockLost(errors.New("the lease ended"))
	if !strings.Contains(errb.String(), "(else kept in "+workspace.ErroredStateFile+")") {
		t.Errorf("LockLost names another file than %s:\n%s", workspace.ErroredStateFile, errb.String())
	}
}
