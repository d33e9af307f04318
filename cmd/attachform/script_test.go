package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// binDir holds the attachform binary built once for all scripts: the
// end-to-end tests drive the real program, not a function in this process.
var binDir string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "attachform-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	exe := "attachform"
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	build := exec.Command("go", "build", "-o", filepath.Join(dir, exe), ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build attachform:", err)
		return 1
	}
	binDir = dir
	return m.Run()
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/scripts",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATH", binDir+string(os.PathListSeparator)+env.Getenv("PATH"))
			env.Setenv("NO_COLOR", "")
			setupLiveEmulator(env)
			return copyDir(filepath.Join("..", "..", "examples", "quickstart"), filepath.Join(env.WorkDir, "quickstart"))
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":       cmdExits,
			"attachments": cmdAttachments,
			"state":       cmdState,
			"nosecrets":   cmdNoSecrets,
			"attach":      cmdAttach,
			"emulate":     cmdEmulate,
			"gate":        cmdGate,
			"waitfor":     cmdWaitFor,
			"mkfile":      cmdMkfile,
			"sessions":    cmdSessions,
			"azurite":     cmdAzurite,
			"remotestate": cmdRemoteState,
			"lease":       cmdLease,
			"liveid":      cmdLiveID,
			"people":      cmdPeople,
			"seed":        cmdSeed,
			"graphdump":   cmdGraphDump,
			"graphwrites": cmdGraphWrites,
		},
		Condition: scriptCondition,
	})
}

// cmdExits runs a program and checks its exact exit code; testscript's own
// "! exec" accepts any failure, and -detailed-exitcode means 2, not 1.
//
//	exits 2 attachform plan -detailed-exitcode
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: %v", err)
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("exits: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() && (d.Name() == ".attachform") {
			return filepath.SkipDir
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if strings.Contains(d.Name(), ".state.json") {
			return nil // a user's leftover state is not part of the example
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}
