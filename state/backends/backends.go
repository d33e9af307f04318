// Package backends is the registry of state backend types: every type this
// build of attachform knows, what its manifest block takes (settings,
// defaults, rules) and how to open it. The CLI checks manifests against it
// in validate, plan and apply alike, and opens backends through it, so
// that a manifest validate accepts is one plan can open.
//
// The list is written out here rather than filled by init functions of the
// backend packages: a build cannot lose a backend to a missing blank import,
// and the order (the default first) is the documentation's.
package backends

import (
	"errors"
	"fmt"
	"strings"

	"github.com/attachform/attachform/internal/backendconf"
	"github.com/attachform/attachform/state"
	"github.com/attachform/attachform/state/azurerm"
	"github.com/attachform/attachform/state/backend"
	"github.com/attachform/attachform/state/local"
)

// Default is the type used when the manifests have no backend block.
const Default = "local"

// types are all known types, Default first.
var types = []backend.Type{local.Type, azurerm.Type}

// Types returns every known type, available or not, Default first.
func Types() []backend.Type {
	return append([]backend.Type(nil), types...)
}

// Declared returns every known type's block, Default first: what spec
// checks manifests against.
func Declared() []backendconf.Type {
	out := make([]backendconf.Type, 0, len(types))
	for _, t := range types {
		out = append(out, t.Type)
	}
	return out
}

// Lookup returns the type named name.
func Lookup(name string) (backend.Type, bool) {
	for _, t := range types {
		if t.Name == name {
			return t, true
		}
	}
	return backend.Type{}, false
}

// Open opens a backend of the type named name with opts; settings opts
// does not give take their defaults. Manifests are checked against the same
// types before anything is opened, so an error here is one the manifest
// check has already shown with its file and line; Open checks again so
// that no backend is ever opened with settings its type refuses.
func Open(name string, opts backend.Options) (state.Backend, error) {
	t, ok := Lookup(name)
	switch {
	case !ok:
		return nil, fmt.Errorf("there is no backend %q", name)
	case t.Open == nil:
		return nil, errors.New(t.Unavailable)
	}
	settings := map[string]string{}
	for _, s := range t.Settings {
		if s.Default != "" {
			settings[s.Name] = s.Default
		}
	}
	for k, v := range opts.Settings {
		if !t.Has(k) {
			return nil, fmt.Errorf("the %s backend has no setting %q", name, k)
		}
		settings[k] = v
	}
	if t.Check != nil {
		if problems := t.Check(settings); len(problems) > 0 {
			var msgs []string
			for _, p := range problems {
				msgs = append(msgs, p.Summary+": "+p.Detail)
			}
			return nil, fmt.Errorf("backend %q: %s", name, strings.Join(msgs, " "))
		}
	}
	opts.Settings = settings
	return t.Open(opts)
}
