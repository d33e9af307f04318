package local

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/attachform/attachform/internal/backendconf"
	"github.com/attachform/attachform/state"
	"github.com/attachform/attachform/state/backend"
)

// DefaultPath is the state file, relative to the configuration directory,
// when neither the backend block nor -backend-config names one.
const DefaultPath = "attachform.state.json"

// Type is the local backend as a manifest declares it:
//
//	backend "local" { path = "attachform.state.json" }
var Type = backend.Type{
	Type: backendconf.Type{
		Name:    "local",
		Summary: "a file next to the manifests",
		Settings: []backendconf.Setting{
			{Name: "path", Default: DefaultPath},
			// How long a read, write or lock of the file may go unanswered
			// (a network share that has gone): empty is DefaultIdleTimeout,
			// with no default here so that older init records still match.
			{Name: "idle_timeout"},
		},
		Check: check,
	},
	Open: open,
}

func check(settings map[string]string) []backendconf.Problem {
	var out []backendconf.Problem
	if strings.TrimSpace(settings["path"]) == "" {
		out = append(out, backendconf.Problem{
			Summary: "Empty backend path",
			Detail:  "The local backend needs a file path for the state, such as \"" + DefaultPath + "\".",
		})
	}
	if _, err := backendconf.IdleTimeout(settings["idle_timeout"], DefaultIdleTimeout); err != nil {
		out = append(out, backendconf.Problem{Summary: "Invalid idle_timeout", Detail: err.Error()})
	}
	return out
}

func open(opts backend.Options) (state.Backend, error) {
	path := opts.Settings["path"]
	if !filepath.IsAbs(path) {
		path = filepath.Join(opts.Dir, path)
	}
	idle, err := backendconf.IdleTimeout(opts.Settings["idle_timeout"], DefaultIdleTimeout)
	if err != nil {
		return nil, fmt.Errorf("local backend: idle_timeout: %w", err)
	}
	b := New(path)
	b.Memory, b.Force, b.IdleTimeout = opts.Memory, opts.Force, idle
	return b, nil
}
