package workspace

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

// InitRecordPath is where attachform init writes down the backend it set
// up, relative to the configuration directory (beside the embedded
// emulator's data, in a directory kept out of git).
const InitRecordPath = ".attachform/backend.json"

// InitRecord is the backend attachform init set up, so that a later init
// can move the state from it (-migrate-state), plan and apply notice when
// the manifests moved to another backend without init, and commands given
// no -backend-config use init's, as Terraform remembers them. It holds no
// credential: those only ever come from the environment.
type InitRecord struct {
	Type string `json:"type"`
	// Settings are the backend's settings as opened: block, then
	// -backend-config, then defaults.
	Settings map[string]string `json:"settings"`
	// BackendConfig are init's -backend-config options as given.
	BackendConfig []string `json:"backend_config,omitempty"`
}

// ReadInitRecord returns the record, or nil when init has not run here.
func ReadInitRecord(dir string) (*InitRecord, error) {
	data, err := os.ReadFile(filepath.Join(dir, InitRecordPath))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", InitRecordPath, err)
	}
	var r InitRecord
	if err := json.Unmarshal(data, &r); err != nil || r.Type == "" {
		return nil, fmt.Errorf("%s is not what attachform init writes", InitRecordPath)
	}
	return &r, nil
}

// WriteInitRecord replaces the record atomically.
func WriteInitRecord(dir string, r *InitRecord) error {
	path := filepath.Join(dir, InitRecordPath)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write %s: %w", InitRecordPath, err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return err
	}
	if err := atomicfile.Write(path, &buf, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", InitRecordPath, err)
	}
	return nil
}

// RecordOf is the record of backend b, set up with backendConfig.
func RecordOf(b spec.Backend, backendConfig []string) *InitRecord {
	return &InitRecord{Type: b.Type, Settings: maps.Clone(b.Attrs), BackendConfig: backendConfig}
}

// Same reports whether b is the backend the record describes.
func (r *InitRecord) Same(b spec.Backend) bool {
	return r.Type == b.Type && maps.Equal(r.Settings, b.Attrs)
}

// Backend is the record as the manifests would give it.
func (r *InitRecord) Backend() spec.Backend {
	return spec.Backend{Type: r.Type, Attrs: maps.Clone(r.Settings)}
}

// DescribeSettings lists settings for people: key = "value", sorted.
func DescribeSettings(settings map[string]string) string {
	if len(settings) == 0 {
		return "no settings"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		parts = append(parts, fmt.Sprintf("%s = %q", k, settings[k]))
	}
	return strings.Join(parts, ", ")
}
