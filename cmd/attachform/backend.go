package main

import (
	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
	"github.com/attachform/attachform/state/backends"
	"github.com/hashicorp/hcl/v2"
)

// loadManifests is spec.Load with the backend block checked against the
// state registry, the one openBackend opens from: validate, plan and apply
// all load through it, so a manifest validate accepts is one plan can open.
func loadManifests(g *globals, opts spec.LoadOptions) (*spec.Config, hcl.Diagnostics) {
	return spec.LoadWithBackends(g.ctx, g.dir, opts, backendTypes())
}

// backendTypes are the registry's types as spec checks manifests with
// them (spec knows nothing of state).
func backendTypes() []spec.BackendType {
	var out []spec.BackendType
	for _, t := range backends.Types() {
		st := spec.BackendType{Name: t.Name, Summary: t.Summary, Unavailable: t.Unavailable}
		for _, s := range t.Settings {
			st.Settings = append(st.Settings, spec.BackendSetting{Name: s.Name, Default: s.Default})
		}
		if check := t.Check; check != nil {
			st.Check = func(settings map[string]string) []spec.BackendProblem {
				var problems []spec.BackendProblem
				for _, p := range check(settings) {
					problems = append(problems, spec.BackendProblem{Summary: p.Summary, Detail: p.Detail})
				}
				return problems
			}
		}
		out = append(out, st)
	}
	return out
}

// openBackend opens the backend the manifests declare, as loadManifests
// checked it.
func openBackend(g *globals, b spec.Backend) (state.Backend, error) {
	return backends.Open(b.Type, state.OpenOptions{Dir: g.dir, Settings: b.Attrs})
}
