package workspace

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/attachform/attachform/internal/atomicfile"
	"github.com/attachform/attachform/state"
)

// ErroredStateFile is state.ErroredFile, where Apply keeps a state it
// could not write.
const ErroredStateFile = state.ErroredFile

// saveErrored writes st, which holds changes no write made durable, to
// ErroredStateFile in dir (mode 0600: it may hold upload URLs) and returns what to
// tell people: where it is and the command that restores it.
//
// Its serial is two past the last durable write's: the write that failed
// may have landed without its answer (the store went silent after taking
// it), and state push refuses a file whose serial equals the stored one
// with other content.
func saveErrored(dir string, st *state.State) (string, error) {
	errored := st.Clone()
	errored.Serial += 2
	var buf bytes.Buffer
	if err := state.Encode(&buf, errored); err != nil {
		return "", err
	}
	path := filepath.Join(dir, ErroredStateFile)
	if err := atomicfile.Write(path, &buf, 0o600); err != nil {
		return "", err
	}
	return fmt.Sprintf("The state that could not be written is saved in %s. It records what this apply did, "+
		"and the next apply needs it: once the state store answers again, restore it with\n  %s\nthen run apply again. "+
		"(Intents already in the store let the next plan adopt what this run created even without it.)",
		path, pushCommand(dir)), nil
}

// pushCommand is the state push of ErroredStateFile as people would type
// it from the directory they are in. It waits for the lock: the lease of
// the run that failed may still be running out.
func pushCommand(dir string) string {
	cmd := "attachform state push -lock-timeout=2m " + ErroredStateFile
	wd, err := os.Getwd()
	if err == nil && wd == dir {
		return cmd
	}
	rel := dir
	if err == nil {
		if r, err := filepath.Rel(wd, dir); err == nil && !strings.HasPrefix(r, "..") {
			rel = r
		}
	}
	if strings.ContainsAny(rel, " \t'\"$`\\!*?&;|<>()") {
		rel = "'" + strings.ReplaceAll(rel, "'", `'\''`) + "'"
	}
	return "attachform -chdir=" + rel + " state push -lock-timeout=2m " + ErroredStateFile
}
