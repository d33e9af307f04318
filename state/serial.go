package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/attachform/attachform/internal/atomicfile"
)

// ErrSerialBackwards is wrapped by the error of a state whose serial is
// lower than one already written for its lineage: an older copy restored
// over a newer one. Acting on it could upload again what was uploaded, or
// lose track of attachments created since. Callers refuse it unless the
// user passes -force.
var ErrSerialBackwards = errors.New("the state's serial went backwards")

// SerialError explains a serial that went backwards: which state, what it
// holds, what was written before, and who remembers it.
type SerialError struct {
	Where   string // the state, e.g. its path
	Lineage string
	Serial  uint64 // what the state holds
	Last    uint64 // the highest serial written before
	Source  string // who remembers Last: "recorded beside the state", "remembered on this machine (DIR)"
}

func (e *SerialError) Error() string {
	return fmt.Sprintf("%s holds serial %d of lineage %s, but serial %d was written before (%s): an older copy of the state was restored over a newer one, "+
		"and acting on it could upload again what was uploaded or lose track of attachments created since. "+
		"Restore the newer state (its .backup holds the state before the last run), or, if the older one is meant to stand, run attachform plan or apply with -force once",
		e.Where, e.Serial, e.Lineage, e.Last, e.Source)
}

func (e *SerialError) Unwrap() error { return ErrSerialBackwards }

// CheckSerial refuses s when its serial is below last for its lineage.
func CheckSerial(s *State, where string, last uint64, source string) error {
	if s == nil || s.Serial >= last {
		return nil
	}
	return &SerialError{Where: where, Lineage: s.Lineage, Serial: s.Serial, Last: last, Source: source}
}

// SerialMemory remembers, on this machine, the highest serial written or
// read for each lineage, one small file per lineage in Dir, so that a
// state restored from an old copy is noticed even when everything beside
// it was restored too. A nil *SerialMemory remembers nothing.
//
// Remembering is best effort: a directory that cannot be written only
// weakens the check, it never fails a run.
type SerialMemory struct {
	Dir string
}

// lineageFile keeps lineages to names a file system takes.
var lineageFile = regexp.MustCompile(`^[A-Za-z0-9._-]{1,200}$`)

func (m *SerialMemory) path(lineage string) (string, bool) {
	if m == nil || m.Dir == "" || !lineageFile.MatchString(lineage) || strings.HasPrefix(lineage, ".") {
		return "", false
	}
	return filepath.Join(m.Dir, lineage), true
}

// Last returns the serial remembered for lineage, and whether there is one.
func (m *SerialMemory) Last(lineage string) (uint64, bool) {
	p, ok := m.path(lineage)
	if !ok {
		return 0, false
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimSpace(string(data)), 10, 64)
	return n, err == nil
}

// Remember raises the serial remembered for lineage to serial.
func (m *SerialMemory) Remember(lineage string, serial uint64) {
	if last, ok := m.Last(lineage); ok && last >= serial {
		return
	}
	m.Set(lineage, serial)
}

// Set remembers serial for lineage, even when lower than what was
// remembered (after the user forced an older state to stand).
func (m *SerialMemory) Set(lineage string, serial uint64) {
	p, ok := m.path(lineage)
	if !ok {
		return
	}
	if err := os.MkdirAll(m.Dir, 0o700); err != nil {
		return
	}
	_ = atomicfile.Write(p, strings.NewReader(strconv.FormatUint(serial, 10)+"\n"), 0o600) // best effort, see SerialMemory
}

// Where names the memory for messages.
func (m *SerialMemory) Where() string {
	if m == nil {
		return "nowhere"
	}
	return "remembered on this machine in " + m.Dir
}

// SerialRecord is what a backend keeps beside a state: the lineage and
// serial its last write wrote, so that a state file restored alone, older
// than its record, is noticed.
type SerialRecord struct {
	Lineage string `json:"lineage"`
	Serial  uint64 `json:"serial"`
}

// EncodeSerialRecord and DecodeSerialRecord are the record's format.
func EncodeSerialRecord(r SerialRecord) []byte {
	b, _ := json.Marshal(r)
	return append(b, '\n')
}

func DecodeSerialRecord(data []byte) (SerialRecord, bool) {
	var r SerialRecord
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&r); err != nil || r.Lineage == "" {
		return SerialRecord{}, false
	}
	return r, true
}
