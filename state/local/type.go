package local

import (
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
		Name:     "local",
		Summary:  "a file next to the manifests",
		Settings: []backendconf.Setting{{Name: "path", Default: DefaultPath}},
		Check:    check,
	},
	Open: open,
}

func check(settings map[string]string) []backendconf.Problem {
	if strings.TrimSpace(settings["path"]) == "" {
		return []backendconf.Problem{{
			Summary: "Empty backend path",
			Detail:  "The local backend needs a file path for the state, such as \"" + DefaultPath + "\".",
		}}
	}
	return nil
}

func open(opts backend.Options) (state.Backend, error) {
	path := opts.Settings["path"]
	if !filepath.IsAbs(path) {
		path = filepath.Join(opts.Dir, path)
	}
	b := New(path)
	b.Memory, b.Force = opts.Memory, opts.Force
	return b, nil
}
