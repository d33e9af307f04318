package workspace

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
	"github.com/attachform/attachform/state/local"
)

// InitOptions are what attachform init was asked to do.
type InitOptions struct {
	// Load is how to load the manifests; Load.BackendConfig are the
	// -backend-config options given, remembered for later commands.
	Load spec.LoadOptions
	// Migrate copies the state from the previous backend; ForceCopy
	// replaces a state of another lineage there; Reconfigure uses the new
	// backend as it is.
	Migrate, ForceCopy, Reconfigure bool
	// Lock takes both states' locks for a migration, waiting up to
	// LockTimeout.
	Lock        bool
	LockTimeout time.Duration
}

// InitReporter is what init shows: a Reporter's, and notes on what it
// found and did.
type InitReporter interface {
	Reporter
	Note(msg string)
}

// Init sets up the backend the manifests name: it opens it and reads the
// state there, moves the state from the backend it was in before when
// asked to (or refuses to go on without a decision), and remembers the
// backend in InitRecordPath. It returns the record written; on failure
// it has already reported the problem on r.
func Init(env Env, r InitReporter, o InitOptions) (*InitRecord, bool) {
	cfg, diags := LoadManifests(env, o.Load)
	if diags.HasErrors() {
		r.Diagnostics(cfg.Files, diags)
		return nil, false
	}
	prompt := r.DeviceCode
	cur, err := OpenBackend(env, cfg, prompt, false)
	if err != nil {
		errorf(r, "Cannot open the state backend", "%v", err)
		return nil, false
	}
	curState, ok := readState(env, r, cur)
	if !ok {
		return nil, false
	}

	prev, err := previousBackend(env, cfg.Backend)
	if err != nil {
		errorf(r, "Cannot read what attachform init recorded", "%v. Delete %s and run init again.", err, InitRecordPath)
		return nil, false
	}
	if prev != nil && !o.Reconfigure {
		old, err := OpenBackendOf(env, *prev, cfg.Graph, prompt, false)
		if err != nil {
			errorf(r, "Cannot open the previous state backend", "%v\n\nTo use the new backend as it is, run attachform init -reconfigure.", err)
			return nil, false
		}
		oldState, ok := readState(env, r, old)
		if !ok {
			return nil, false
		}
		switch {
		case oldState == nil:
			// Nothing to move.
		case !o.Migrate:
			errorf(r, "Backend configuration changed",
				"The state is in the %s backend (%s), and the manifests now keep it in the %s backend (%s). "+
					"Run attachform init -migrate-state to copy it there, or attachform init -reconfigure to use the new backend as it is "+
					"(planning from an empty state uploads everything again).",
				prev.Type, DescribeSettings(prev.Attrs), cfg.Backend.Type, DescribeSettings(cfg.Backend.Attrs))
			return nil, false
		default:
			if !migrateState(env, r, old, cur, o, prev.Type, cfg.Backend.Type) {
				return nil, false
			}
		}
	} else if curState != nil {
		r.Note(fmt.Sprintf("The state there has lineage %s, serial %d, %d attachment(s).", curState.Lineage, curState.Serial, len(curState.Attachments)))
	}
	// Without -backend-config, LoadManifests used init's earlier ones:
	// they stay remembered.
	backendConfig := o.Load.BackendConfig
	if rec, _ := ReadInitRecord(env.Dir); len(backendConfig) == 0 && rec != nil && rec.Type == cfg.Backend.Type {
		backendConfig = rec.BackendConfig
	}
	rec := RecordOf(cfg.Backend, backendConfig)
	if err := WriteInitRecord(env.Dir, rec); err != nil {
		errorf(r, "Cannot remember the backend", "%v", err)
		return nil, false
	}
	return rec, true
}

// readState reads the state, reporting a failure on r.
func readState(env Env, r Diagnoser, b state.Backend) (*state.State, bool) {
	st, err := b.Read(env.Ctx)
	if err != nil {
		errorf(r, "Cannot read the state", "%v", err)
		return nil, false
	}
	return st, true
}

// previousBackend is the backend the state was in before: the one init
// recorded, or, before any init, the default local file when it exists
// and the manifests now name another backend. Nil when it is b itself or
// there is none.
func previousBackend(env Env, b spec.Backend) (*spec.Backend, error) {
	rec, err := ReadInitRecord(env.Dir)
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
	if _, err := os.Stat(filepath.Join(env.Dir, local.DefaultPath)); err != nil {
		return nil, nil
	}
	return &spec.Backend{Type: "local", Attrs: map[string]string{"path": local.DefaultPath}}, nil
}

// migrateState copies the state from old to cur under both locks, keeping
// its lineage, unless cur already has it (the same lineage, as new or
// newer) or holds another state (refused without o.ForceCopy).
func migrateState(env Env, r InitReporter, old, cur state.Backend, o InitOptions, from, to string) bool {
	if o.Lock {
		unlockOld, ok := Lock(env, r, old, "init -migrate-state", o.LockTimeout)
		if !ok {
			return false
		}
		defer unlockOld()
		unlockCur, ok := Lock(env, r, cur, "init -migrate-state", o.LockTimeout)
		if !ok {
			return false
		}
		defer unlockCur()
	}
	src, ok := readState(env, r, old)
	if !ok {
		return false
	}
	dst, ok := readState(env, r, cur)
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
		r.Note(fmt.Sprintf("The %s backend already has this state (lineage %s, serial %d): nothing to copy.", to, dst.Lineage, dst.Serial))
		return true
	case dst.Lineage == src.Lineage:
	case !o.ForceCopy:
		errorf(r, "The new backend holds another state",
			"The %s backend already holds a state of lineage %s (serial %d, %d attachment(s)); the state to move, in the %s backend, has lineage %s "+
				"(serial %d, %d attachment(s)). Copying would replace the one with the other. Look at both (attachform state pull), then run "+
				"attachform init -migrate-state -force-copy to replace it, or attachform init -reconfigure to keep it.",
			to, dst.Lineage, dst.Serial, len(dst.Attachments), from, src.Lineage, src.Serial, len(src.Attachments))
		return false
	default:
		moved.Serial = max(moved.Serial, dst.Serial)
	}
	if err := state.Persist(env.Ctx, cur, moved, env.Version); err != nil {
		errorf(r, "Cannot write the state to the new backend", "%v\n\nThe state is still in the %s backend.", err, from)
		return false
	}
	r.Note(fmt.Sprintf("Copied the state (lineage %s, %d attachment(s)) from the %s backend to the %s backend; serial %d there. "+
		"The old copy is left where it was.", moved.Lineage, len(moved.Attachments), from, to, moved.Serial))
	return true
}
