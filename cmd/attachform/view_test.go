package main

import (
	"bytes"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/attachform/attachform/internal/buildinfo"
	"github.com/attachform/attachform/internal/views"
	"github.com/attachform/attachform/internal/workspace"
	"github.com/hashicorp/hcl/v2"
)

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
