package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/attachform/attachform/internal/atomicfile"
	"github.com/attachform/attachform/spec"
)

// initRecordPath is where attachform init writes down the backend it set
// up, relative to the configuration directory (beside the embedded
// emulator's data, in a directory kept out of git).
const initRecordPath = ".attachform/backend.json"

// initRecord is the backend attachform init set up, so that a later init
// can move the state from it (-migrate-state), plan and apply notice when
// the manifests moved to another backend without init, and commands given
// no -backend-config use init's, as Terraform remembers them. It holds no
// credential: those only ever come from the environment.
type initRecord struct {
	Type string `json:"type"`
	// Settings are the backend's settings as opened: block, then
	// -backend-config, then defaults.
	Settings map[string]string `json:"settings"`
	// BackendConfig are init's -backend-config options as given.
	BackendConfig []string `json:"backend_config,omitempty"`
}

// readInitRecord returns the record, or nil when init has not run here.
func readInitRecord(dir string) (*initRecord, error) {
	data, err := os.ReadFile(filepath.Join(dir, initRecordPath))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", initRecordPath, err)
	}
	var r initRecord
	if err := json.Unmarshal(data, &r); err != nil || r.Type == "" {
		return nil, fmt.Errorf("%s is not what attachform init writes", initRecordPath)
	}
	return &r, nil
}

// writeInitRecord replaces the record atomically.
func writeInitRecord(dir string, r *initRecord) error {
	path := filepath.Join(dir, initRecordPath)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write %s: %w", initRecordPath, err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return err
	}
	if err := atomicfile.Write(path, &buf, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", initRecordPath, err)
	}
	return nil
}

// recordOf is the record of backend b, set up with backendConfig.
func recordOf(b spec.Backend, backendConfig []string) *initRecord {
	return &initRecord{Type: b.Type, Settings: maps.Clone(b.Attrs), BackendConfig: backendConfig}
}

// same reports whether b is the backend the record describes.
func (r *initRecord) same(b spec.Backend) bool {
	return r.Type == b.Type && maps.Equal(r.Settings, b.Attrs)
}

// spec is the record as the manifests would give it.
func (r *initRecord) spec() spec.Backend {
	return spec.Backend{Type: r.Type, Attrs: maps.Clone(r.Settings)}
}

// describeSettings lists settings for people: key = "value", sorted.
func describeSettings(settings map[string]string) string {
	if len(settings) == 0 {
		return "no settings"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		parts = append(parts, fmt.Sprintf("%s = %q", k, settings[k]))
	}
	return strings.Join(parts, ", ")
}
