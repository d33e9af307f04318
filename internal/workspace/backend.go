package workspace

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
	"github.com/attachform/attachform/state/backend"
	"github.com/attachform/attachform/state/backends"
	"github.com/attachform/attachform/state/local"
	"github.com/hashicorp/hcl/v2"
)

// LoadManifests is spec.Load with the backend block checked against the
// state registry, the one OpenBackend opens from: validate, plan and apply
// all load through it, so a manifest validate accepts is one plan can open.
//
// When the command gives no -backend-config, those attachform init was
// given are used (as Terraform remembers them), unless the manifests have
// since moved to another backend type, which BackendChanged then reports.
// The type is read from the parsed blocks first, so the manifests are
// evaluated once either way.
func LoadManifests(env Env, opts spec.LoadOptions) (*spec.Config, hcl.Diagnostics) {
	cfg, diags, _ := loadManifests(env, spec.NewManifests(env.Dir), opts)
	return cfg, diags
}

// loadManifests is LoadManifests of the files m read, which also returns
// the options it loaded with (init's -backend-config, or those given), so
// that loading m again with data lookups asks the record nothing more.
func loadManifests(env Env, m *spec.Manifests, opts spec.LoadOptions) (*spec.Config, hcl.Diagnostics, spec.LoadOptions) {
	declared := backends.Declared()
	if len(opts.BackendConfig) == 0 {
		if rec, err := ReadInitRecord(env.Dir); err == nil && rec != nil && len(rec.BackendConfig) > 0 &&
			m.BackendType(env.Ctx, declared) == rec.Type {
			opts.BackendConfig = rec.BackendConfig
		}
	}
	cfg, diags := m.LoadWithBackends(env.Ctx, opts, declared)
	return cfg, diags, opts
}

// OpenBackend opens the backend the manifests declare, as LoadManifests
// checked it. Credentials come from the command's environment
// (ARM_ACCESS_KEY, ARM_SAS_TOKEN), else from the graph block's sign-in,
// asked for only then; prompt shows a device-code sign-in's instructions.
// A state whose serial went backwards is refused unless force (-force).
func OpenBackend(env Env, cfg *spec.Config, prompt func(message string) error, force bool) (state.Backend, error) {
	return OpenBackendOf(env, cfg.Backend, cfg.Graph, prompt, force)
}

// OpenBackendOf opens backend b, signing in as gc says when it needs a
// credential: OpenBackend for a backend the manifests do not name now (the
// one init set up before, say).
func OpenBackendOf(env Env, b spec.Backend, gc spec.Graph, prompt func(message string) error, force bool) (state.Backend, error) {
	return backends.Open(b.Type, backend.Options{
		Dir: env.Dir, Settings: b.Attrs, Getenv: env.Getenv,
		// This machine remembers the last serial of every state it read or
		// wrote, in the user's cache directory.
		Memory: serialMemory(), Force: force,
		Credential: func() (azcore.TokenCredential, error) { return GraphCredential(gc, prompt) },
	})
}

// Lock takes the state lock for operation, waiting up to timeout with
// backoff; unlock releases it, reporting a failure on r.
func Lock(env Env, r LockReporter, b state.Backend, operation string, timeout time.Duration) (unlock func(), ok bool) {
	info := LockInfo(env, operation)
	err := b.Lock(env.Ctx, info)
	var held *state.LockError
	if errors.As(err, &held) && timeout > 0 {
		env.Log.Info("waiting for the state lock", "holder", held.Info.ID, "timeout", timeout)
		r.LockWaiting(held, timeout)
		err = state.Acquire(env.Ctx, b, info, timeout)
	}
	if err != nil {
		what := "Error acquiring the state lock"
		if errors.As(err, &held) && timeout > 0 {
			what = fmt.Sprintf("Error acquiring the state lock: still held after %s", timeout)
		}
		errorf(r, what, "%v", err)
		return nil, false
	}
	return func() {
		if err := b.Unlock(context.WithoutCancel(env.Ctx), info.ID); err != nil {
			errorf(r, "Error releasing the state lock", "%v\n\nRelease it with: attachform force-unlock %s", err, info.ID)
		}
	}, true
}

// lockWatch follows a held lock that can be lost (a lease): lost closes
// when it is, after r has said so. A lock that cannot be lost gives a nil
// channel. stop ends the watch.
func lockWatch(env Env, r LockReporter, b state.Backend) (lost <-chan struct{}, errOf func() error, stop func()) {
	lw, ok := b.(state.LockWatcher)
	if !ok || lw.LockLost() == nil {
		return nil, func() error { return nil }, func() {}
	}
	ch, done := make(chan struct{}), make(chan struct{})
	go func() {
		select {
		case <-lw.LockLost():
			env.Log.Warn("state lock lost: starting nothing new", "error", lw.LockLostErr())
			r.LockLost(lw.LockLostErr())
			close(ch)
		case <-done:
		}
	}()
	return ch, lw.LockLostErr, func() { close(done) }
}

// BackendChanged reports, for commands that use the state, when the
// manifests keep it somewhere other than where attachform init set up: a
// new backend starts empty, and planning from it would upload everything
// again beside what the old one recorded.
func BackendChanged(env Env, cfg *spec.Config) hcl.Diagnostics {
	rec, err := ReadInitRecord(env.Dir)
	if err != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read what attachform init recorded", Detail: err.Error() + ". Run attachform init again."}}
	}
	if rec == nil || rec.Same(cfg.Backend) {
		return nil
	}
	d := &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Backend configuration changed",
		Detail: fmt.Sprintf("attachform init set up the %s backend (%s), but the manifests now keep the state in the %s backend (%s). "+
			"Run attachform init -migrate-state to move the state there, or attachform init -reconfigure to use the new backend as it is.",
			rec.Type, DescribeSettings(rec.Settings), cfg.Backend.Type, DescribeSettings(cfg.Backend.Attrs)),
	}
	if cfg.Backend.DeclRange.Filename != "" {
		d.Subject = cfg.Backend.DeclRange.Ptr()
	}
	return hcl.Diagnostics{d}
}

// strandedState reports a state left in the default local file when the
// manifests keep it elsewhere and the backend there has none: moving to
// azurerm without init -migrate-state would plan everything anew.
func strandedState(env Env, cfg *spec.Config, st *state.State) hcl.Diagnostics {
	if st != nil || (cfg.Backend.Type == "local" && filepath.Clean(cfg.Backend.Attrs["path"]) == local.DefaultPath) {
		return nil
	}
	old, err := local.New(filepath.Join(env.Dir, local.DefaultPath)).Read(env.Ctx)
	if err != nil || old == nil || len(old.Attachments)+len(old.Sessions)+len(old.Intents)+len(old.Deposed) == 0 {
		return nil
	}
	d := &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "State left in " + local.DefaultPath,
		Detail: fmt.Sprintf("%s holds the state of %d attachments, but the manifests keep the state in the %s backend (%s), which has none. "+
			"Planning from an empty state would upload everything again beside what is there. "+
			"Run attachform init -migrate-state to move the state, or delete %s if it is stale.",
			local.DefaultPath, len(old.Attachments), cfg.Backend.Type, DescribeSettings(cfg.Backend.Attrs), local.DefaultPath),
	}
	if cfg.Backend.DeclRange.Filename != "" {
		d.Subject = cfg.Backend.DeclRange.Ptr()
	}
	return hcl.Diagnostics{d}
}

// freshRunner warns when a CI run plans from a local state that does not
// exist: the runner is new, and what earlier runs created is unknown to it.
func freshRunner(env Env, cfg *spec.Config, st *state.State) hcl.Diagnostics {
	if st != nil || cfg.Backend.Type != "local" || (env.Getenv("CI") == "" && env.Getenv("GITHUB_ACTIONS") == "" && env.Getenv("TF_BUILD") == "") {
		return nil
	}
	path := cfg.Backend.Attrs["path"]
	if !filepath.IsAbs(path) {
		path = filepath.Join(env.Dir, path)
	}
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	d := &hcl.Diagnostic{
		Severity: hcl.DiagWarning,
		Summary:  "No state on this CI runner",
		Detail: fmt.Sprintf("The state is kept in a local file (%s) that this runner does not have. A CI runner is new every job, so this run knows nothing "+
			"of what earlier runs created: a changed file is uploaded beside the old copy, and a removed block deletes nothing. "+
			"Keep the state where every run finds it: backend \"azurerm\" (see docs/state.md).", cfg.Backend.Attrs["path"]),
	}
	if cfg.Backend.DeclRange.Filename != "" {
		d.Subject = cfg.Backend.DeclRange.Ptr()
	}
	return hcl.Diagnostics{d}
}
