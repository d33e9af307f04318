package main

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/attachform/attachform/emulator"
	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/internal/loopback"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
)

// workspace is what plan and apply work on: the loaded manifests, a Graph
// client, and the state, read under lock.
type workspace struct {
	cfg     *spec.Config
	client  *graph.Client
	backend state.Backend
	st      *state.State // nil when no state exists yet
	closers []func()
	// lockLost closes when the state lock ends while held (a lease that
	// could not be renewed); nil for a lock that cannot be lost.
	lockLost    <-chan struct{}
	lockLostErr func() error
}

// close releases the lock and stops the embedded emulator, last first.
func (w *workspace) close() {
	for i := len(w.closers) - 1; i >= 0; i-- {
		w.closers[i]()
	}
}

// openWorkspace loads and checks everything a plan needs. On failure it has
// already reported the problem on v.
func openWorkspace(g *globals, v workspaceView, f *configFlags, operation string) (*workspace, bool) {
	w := &workspace{}
	opts := f.loadOptions(g)
	cfg, diags := loadManifests(g, opts)
	if diags.HasErrors() {
		v.Diagnostics(cfg.Files, diags)
		return nil, false
	}
	client, closeGraph, err := connect(g, v, cfg.Graph)
	if err != nil {
		errorf(v, "Cannot reach Microsoft Graph", "%v", err)
		return nil, false
	}
	w.closers = append(w.closers, closeGraph)
	w.client = client
	if needsLookups(cfg) {
		opts.Data = plan.Lookups{Client: client}
		cfg, diags = loadManifests(g, opts)
		if diags.HasErrors() {
			v.Diagnostics(cfg.Files, diags)
			w.close()
			return nil, false
		}
	}
	v.Diagnostics(cfg.Files, diags) // warnings
	w.cfg = cfg

	if diags := backendChanged(g, cfg); diags.HasErrors() {
		v.Diagnostics(cfg.Files, diags)
		w.close()
		return nil, false
	}
	if w.backend, err = openBackend(g, cfg, v.DeviceCode, f.force); err != nil {
		errorf(v, "Cannot open the state backend", "%v", err)
		w.close()
		return nil, false
	}
	w.lockLostErr = func() error { return nil }
	if f.lock {
		unlock, ok := lockState(g, v, w.backend, operation, time.Duration(f.lockTimeout))
		if !ok {
			w.close()
			return nil, false
		}
		w.closers = append(w.closers, unlock)
		lost, errOf, stopWatch := lockWatch(g, v, w.backend)
		w.lockLost, w.lockLostErr = lost, errOf
		w.closers = append(w.closers, stopWatch)
	}
	if w.st, err = w.backend.Read(g.ctx); err != nil {
		errorf(v, "Cannot read the state", "%v", err)
		w.close()
		return nil, false
	}
	diags = append(strandedState(g, cfg, w.st), freshRunner(g, cfg, w.st)...)
	v.Diagnostics(cfg.Files, diags)
	if diags.HasErrors() {
		w.close()
		return nil, false
	}
	return w, true
}

// needsLookups reports whether data sources are left to resolve.
func needsLookups(cfg *spec.Config) bool {
	if cfg.DataSources > 0 {
		return true
	}
	for _, t := range cfg.Targets {
		if t.Unknown {
			return true
		}
	}
	return false
}

// connect builds the Graph client; endpoint "emulator" starts the embedded
// emulator, keeping its data under .attachform/ so runs see the same items.
// ATTACHFORM_GRAPH_ENDPOINT overrides the manifest's endpoint, so a CI dry
// run can point an unchanged manifest at "attachform emulator". A
// device-code sign-in shows its prompt on v.
func connect(g *globals, v workspaceView, gc spec.Graph) (*graph.Client, func(), error) {
	endpoint, closer := graphEndpoint(g, gc), func() {}
	var uploadOrigin string
	if endpoint != gc.Endpoint {
		g.log.Info("graph endpoint overridden by ATTACHFORM_GRAPH_ENDPOINT", "endpoint", endpoint)
	}
	if endpoint == "emulator" {
		srv, err := emulator.New(emulator.Options{
			DataDir:             filepath.Join(g.dir, ".attachform", "emulator"),
			Demo:                true,
			AutoCreateMailboxes: true,
			Logger:              g.log.Named("emulator"),
		})
		if err != nil {
			return nil, nil, fmt.Errorf("start the embedded emulator: %w", err)
		}
		endpoint, closer = srv.URL(), func() { _ = srv.Close() }
		uploadOrigin = srv.UploadOrigin()
	}
	opts := graph.Options{
		Endpoint: endpoint,
		Cloud:    gc.Cloud,
		Logger:   g.log.Named("graph"),
		// The embedded emulator's second origin; an external one's is
		// learnt from its first upload URL.
		UploadOrigin: uploadOrigin,
		Bounds: graph.Bounds{
			MaxRetryAfter: gc.MaxRetryAfter,
			IdleTimeout:   gc.IdleTimeout,
		},
		Limits: graph.MailboxLimits{
			Concurrency: gc.MailboxConcurrency,
			Requests:    gc.MailboxRequestLimit.N,
			RequestsPer: gc.MailboxRequestLimit.Per,
			UploadBytes: gc.MailboxUploadLimit.Bytes,
			UploadPer:   gc.MailboxUploadLimit.Per,
		},
	}
	if !loopback.Endpoint(endpoint) {
		cred, err := graphCredential(gc, v.DeviceCode)
		if err != nil {
			closer()
			return nil, nil, err
		}
		opts.Credential = cred
	}
	client, err := graph.New(opts)
	if err != nil {
		closer()
		return nil, nil, err
	}
	return client, closer, nil
}
