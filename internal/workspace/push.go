package workspace

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/attachform/attachform/state"
	"github.com/hashicorp/hcl/v2"
)

// ReadStateFile decodes the state in path ("-": stdin), relative to dir
// unless absolute, as state push reads it.
func ReadStateFile(dir string, stdin io.Reader, path string) (*state.State, error) {
	var r io.Reader
	if path == "-" {
		r = stdin
	} else {
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(data)
	}
	return state.Decode(r)
}

// Push is state push: the state to write in place of cur (nil: none
// stored), which is pushed with the upload URLs state pull redacted taken
// back from cur, and a serial above both. Refused, unless force, when
// pushed is another state or older than cur (see pushRefused).
func Push(cur, pushed *state.State, force bool) (*state.State, hcl.Diagnostics) {
	if msg := pushRefused(cur, pushed); msg != "" && !force {
		return nil, stateError("Cannot push this state", "%s\n\nNothing was written. To replace the stored state all the same, run state push -force.", msg)
	}
	if diags := restoreURLs(cur, pushed); diags.HasErrors() {
		return nil, diags
	}
	if cur != nil {
		pushed.Serial = max(pushed.Serial, cur.Serial)
	}
	return pushed, nil
}

// pushRefused says why pushed may not replace cur without -force, or "".
func pushRefused(cur, pushed *state.State) string {
	switch {
	case cur == nil:
		return ""
	case cur.Lineage != pushed.Lineage:
		return fmt.Sprintf("The stored state has lineage %s and the file %s: they are different states, and pushing would replace one with the other.", cur.Lineage, pushed.Lineage)
	case pushed.Serial < cur.Serial:
		return fmt.Sprintf("The file's serial (%d) is lower than the stored state's (%d): it is older, and pushing would undo what runs recorded since.", pushed.Serial, cur.Serial)
	case pushed.Serial == cur.Serial && !sameContent(cur, pushed):
		return fmt.Sprintf("The file has the stored state's serial (%d) but other content: it was changed by hand without the serial moving.", cur.Serial)
	}
	return ""
}

func sameContent(a, b *state.State) bool {
	var x, y bytes.Buffer
	ac, bc := a.Clone(), b.Clone()
	ac.Writer, bc.Writer = "", ""
	_ = state.Encode(&x, ac.Redacted())
	_ = state.Encode(&y, bc.Redacted())
	return bytes.Equal(x.Bytes(), y.Bytes())
}

// restoreURLs puts back the upload URLs state pull redacted, from the
// stored state's sessions of the same id.
func restoreURLs(cur, pushed *state.State) hcl.Diagnostics {
	for i, s := range pushed.Sessions {
		if s.UploadURL != state.Redacted {
			continue
		}
		var stored state.Session
		found := false
		if cur != nil {
			stored, found = cur.Session(s.ID)
		}
		if !found || stored.UploadURL == "" {
			return stateError("Cannot push a redacted upload URL", "The interrupted upload %s of %s has its upload URL redacted, and the stored state does not have it. "+
				"Remove that entry of upload_sessions from the file (the next apply then uploads the file anew), and push again.", s.ID, s.Address)
		}
		pushed.Sessions[i].UploadURL = stored.UploadURL
	}
	return nil
}

// Pulled is state pull's document: st with its upload URLs redacted, and
// how many were.
func Pulled(st *state.State) (*state.State, int) {
	redacted := 0
	for _, s := range st.Sessions {
		if s.UploadURL != "" {
			redacted++
		}
	}
	return st.Redacted(), redacted
}
