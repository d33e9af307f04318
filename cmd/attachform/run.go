package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Exit codes, as Terraform's.
const (
	exitOK      = 0
	exitError   = 1
	exitChanges = 2 // with -detailed-exitcode: the plan has changes
)

// globals is what every command receives: where it runs and how it talks.
// It deliberately holds no configuration or state; commands load those
// themselves from explicit flags.
type globals struct {
	ctx     context.Context
	dir     string // absolute config directory (-chdir)
	std     streams
	environ []string
	log     hclog.Logger
}

func (g *globals) getenv(key string) string {
	prefix := key + "="
	for i := len(g.environ) - 1; i >= 0; i-- {
		if strings.HasPrefix(g.environ[i], prefix) {
			return g.environ[i][len(prefix):]
		}
	}
	return ""
}

// run is main without the process: it parses the global options that come
// before the command name, then hands over to the command.
func run(ctx context.Context, args []string, std streams, environ []string) (code int) {
	g := &globals{ctx: ctx, std: std, environ: environ}
	// Before a command's flags there is no -no-color to obey: what run
	// itself reports is plain.
	v := newView(g, true)
	if g.getenv("COMP_LINE") != "" {
		// The shell asks for completions (-install-autocomplete): the
		// line is in COMP_LINE, and the arguments are the shell's.
		return completeLine(g, v)
	}
	chdir, rest, err := splitGlobalFlags(args)
	if err != nil {
		v.UsageError(err, "")
		return exitError
	}
	dir, err := filepath.Abs(chdir)
	if err == nil {
		var fi os.FileInfo
		if fi, err = os.Stat(dir); err == nil && !fi.IsDir() {
			err = fmt.Errorf("%s is not a directory", dir)
		}
	}
	if err != nil {
		v.UsageError(fmt.Errorf("-chdir: %w", err), "")
		return exitError
	}
	g.dir = dir
	v = newView(g, true) // its annotations and hints name paths from dir

	logger, closeLog, err := newLogger(g)
	if err != nil {
		v.Fail(err.Error())
		return exitError
	}
	defer closeLog()
	g.log = logger
	// The emulator reads none of them: a script's empty
	// ATTACHFORM_GRAPH_ENDPOINT, left from an earlier try, must not stop
	// the emulator that would give it a value.
	if len(rest) == 0 || rest[0] != "emulator" {
		if err := checkEnvironment(g); err != nil {
			v.Fail(err.Error())
			return exitError
		}
	}
	defer func() {
		// A panic is a bug; it must still never spill a secret or a stack
		// trace with one onto a CI log.
		if r := recover(); r != nil {
			v.InternalError(r)
			code = exitError
		}
	}()

	return dispatch(g, v, rest)
}

// splitGlobalFlags takes -chdir=DIR (Terraform's spelling, one or two dashes)
// from the front of args.
func splitGlobalFlags(args []string) (chdir string, rest []string, err error) {
	chdir = "."
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		name, value, hasValue := strings.Cut(strings.TrimLeft(args[0], "-"), "=")
		if name != "chdir" {
			break
		}
		if !hasValue {
			if len(args) < 2 {
				return "", nil, fmt.Errorf("-chdir needs a directory, as in -chdir=DIR")
			}
			value, args = args[1], args[1:]
		}
		if value == "" {
			return "", nil, fmt.Errorf("-chdir needs a directory, as in -chdir=DIR")
		}
		chdir = value
		args = args[1:]
	}
	return chdir, args, nil
}

// now is the wall clock; the one place the CLI reads it.
func now() time.Time { return time.Now().UTC() }
