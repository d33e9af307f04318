package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/attachform/attachform/internal/workspace"
	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
	"github.com/attachform/attachform/state/local"
)

// initCommand is init.
type initCommand struct{ g *globals }

func (c *initCommand) Synopsis() string {
	return "Set up the state backend, moving the state if it changed"
}

func (c *initCommand) Help() string {
	return `Usage: attachform [-chdir=DIR] init [options]

  Sets up the backend the manifests' backend block names: checks that the
  state can be read there (credentials, container), and remembers it in
  .attachform/backend.json with the -backend-config options given, which
  later commands given none use.

  When the backend changed since the last init (or, the first time, when
  the state is still in attachform.state.json and the manifests now keep it
  elsewhere), the state must move, or the next plan would start from an
  empty state and upload everything again. -migrate-state copies it to the
  new backend, lineage and all, under both locks; it is refused when the new
  backend already holds another state (another lineage) unless -force-copy.
  The old copy stays where it was.

  plan and apply work without init; run it when you set up or change the
  backend.

Options:

  -migrate-state          Copy the state from the previous backend.
  -force-copy             With -migrate-state: replace a state of another
                          lineage in the new backend.
  -reconfigure            Use the new backend as it is, without copying.
  -input=false            Accepted, as pipelines written for Terraform pass it:
                          init asks nothing.
` + lockFlagsHelp + "\n" + manifestFlagsHelp + "\n" + stateViews.Help(helpColumn)
}

func (c *initCommand) Run(args []string) int {
	g := c.g
	var m manifestFlags
	var vf viewFlags
	var lf lockFlags
	var migrate, forceCopy, reconfigure bool
	fs := newFlagSet("init")
	m.register(fs)
	lf.register(fs)
	stateViews.Register(fs, &vf)
	fs.BoolVar(&migrate, "migrate-state", false, "")
	fs.BoolVar(&forceCopy, "force-copy", false, "")
	fs.BoolVar(&reconfigure, "reconfigure", false, "")
	fs.Bool("input", true, "") // init asks nothing
	if code, done := parseFlags(g, fs, args, c.Help()); done {
		return code
	}
	v, ok := stateViews.Open(g.viewStreams(), vf)
	if !ok {
		return exitError
	}
	switch {
	case fs.NArg() > 0:
		v.UsageError(fmt.Errorf("init takes no arguments; to set up another directory use attachform -chdir=DIR init"), c.Help())
		return exitError
	case migrate && reconfigure:
		v.UsageError(fmt.Errorf("-migrate-state and -reconfigure ask for different things: choose one"), c.Help())
		return exitError
	case forceCopy && !migrate:
		v.UsageError(fmt.Errorf("-force-copy goes with -migrate-state"), c.Help())
		return exitError
	}
	cfg, diags := workspace.LoadManifests(g.env(), m.loadOptions(g))
	if diags.HasErrors() {
		v.Diagnostics(cfg.Files, diags)
		return exitError
	}
	prompt := v.DeviceCode
	cur, err := workspace.OpenBackend(g.env(), cfg, prompt, false)
	if err != nil {
		errorf(v, "Cannot open the state backend", "%v", err)
		return exitError
	}
	curState, ok := readState(g, v, cur)
	if !ok {
		return exitError
	}

	prev, err := previousBackend(g, cfg.Backend)
	if err != nil {
		errorf(v, "Cannot read what attachform init recorded", "%v. Delete %s and run init again.", err, workspace.InitRecordPath)
		return exitError
	}
	if prev != nil && !reconfigure {
		old, err := workspace.OpenBackendOf(g.env(), *prev, cfg.Graph, prompt, false)
		if err != nil {
			errorf(v, "Cannot open the previous state backend", "%v\n\nTo use the new backend as it is, run attachform init -reconfigure.", err)
			return exitError
		}
		oldState, ok := readState(g, v, old)
		if !ok {
			return exitError
		}
		switch {
		case oldState == nil:
			// Nothing to move.
		case !migrate:
			errorf(v, "Backend configuration changed",
				"The state is in the %s backend (%s), and the manifests now keep it in the %s backend (%s). "+
					"Run attachform init -migrate-state to copy it there, or attachform init -reconfigure to use the new backend as it is "+
					"(planning from an empty state uploads everything again).",
				prev.Type, workspace.DescribeSettings(prev.Attrs), cfg.Backend.Type, workspace.DescribeSettings(cfg.Backend.Attrs))
			return exitError
		default:
			if !migrateState(g, v, old, cur, lf, forceCopy, prev.Type, cfg.Backend.Type) {
				return exitError
			}
		}
	} else if curState != nil {
		v.Note(fmt.Sprintf("The state there has lineage %s, serial %d, %d attachment(s).", curState.Lineage, curState.Serial, len(curState.Attachments)))
	}
	// Without -backend-config, loadManifests used init's earlier ones:
	// they stay remembered.
	backendConfig := []string(m.backendConfig)
	if rec, _ := workspace.ReadInitRecord(g.dir); len(backendConfig) == 0 && rec != nil && rec.Type == cfg.Backend.Type {
		backendConfig = rec.BackendConfig
	}
	if err := workspace.WriteInitRecord(g.dir, workspace.RecordOf(cfg.Backend, backendConfig)); err != nil {
		errorf(v, "Cannot remember the backend", "%v", err)
		return exitError
	}
	v.BackendReady(cfg.Backend.Type, workspace.DescribeSettings(cfg.Backend.Attrs))
	v.Initialized()
	return exitOK
}

// previousBackend is the backend the state was in before: the one init
// recorded, or, before any init, the default local file when it exists
// and the manifests now name another backend. Nil when it is b itself or
// there is none.
func previousBackend(g *globals, b spec.Backend) (*spec.Backend, error) {
	rec, err := workspace.ReadInitRecord(g.dir)
	if err != nil {
		return nil, err
	}
	if rec != nil {
		if rec.Same(b) {
			return nil, nil
		}
		prev := rec.Backend()
		return &prev, nil
	}
	if b.Type == "local" && filepath.Clean(b.Attrs["path"]) == local.DefaultPath {
		return nil, nil
	}
	if _, err := os.Stat(filepath.Join(g.dir, local.DefaultPath)); err != nil {
		return nil, nil
	}
	return &spec.Backend{Type: "local", Attrs: map[string]string{"path": local.DefaultPath}}, nil
}

// migrateState copies the state from old to cur under both locks, keeping
// its lineage, unless cur already has it (the same lineage, as new or
// newer) or holds another state (refused without forceCopy).
func migrateState(g *globals, v stateView, old, cur state.Backend, lf lockFlags, forceCopy bool, from, to string) bool {
	if lf.lock {
		unlockOld, ok := workspace.Lock(g.env(), v, old, "init -migrate-state", time.Duration(lf.timeout))
		if !ok {
			return false
		}
		defer unlockOld()
		unlockCur, ok := workspace.Lock(g.env(), v, cur, "init -migrate-state", time.Duration(lf.timeout))
		if !ok {
			return false
		}
		defer unlockCur()
	}
	src, ok := readState(g, v, old)
	if !ok {
		return false
	}
	dst, ok := readState(g, v, cur)
	if !ok {
		return false
	}
	if src == nil {
		return true
	}
	moved := src.Clone()
	switch {
	case dst == nil:
	case dst.Lineage == src.Lineage && dst.Serial >= src.Serial:
		v.Note(fmt.Sprintf("The %s backend already has this state (lineage %s, serial %d): nothing to copy.", to, dst.Lineage, dst.Serial))
		return true
	case dst.Lineage == src.Lineage:
	case !forceCopy:
		errorf(v, "The new backend holds another state",
			"The %s backend already holds a state of lineage %s (serial %d, %d attachment(s)); the state to move, in the %s backend, has lineage %s "+
				"(serial %d, %d attachment(s)). Copying would replace the one with the other. Look at both (attachform state pull), then run "+
				"attachform init -migrate-state -force-copy to replace it, or attachform init -reconfigure to keep it.",
			to, dst.Lineage, dst.Serial, len(dst.Attachments), from, src.Lineage, src.Serial, len(src.Attachments))
		return false
	default:
		moved.Serial = max(moved.Serial, dst.Serial)
	}
	if err := state.Persist(g.ctx, cur, moved, version()); err != nil {
		errorf(v, "Cannot write the state to the new backend", "%v\n\nThe state is still in the %s backend.", err, from)
		return false
	}
	v.Note(fmt.Sprintf("Copied the state (lineage %s, %d attachment(s)) from the %s backend to the %s backend; serial %d there. "+
		"The old copy is left where it was.", moved.Lineage, len(moved.Attachments), from, to, moved.Serial))
	return true
}
