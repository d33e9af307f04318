package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/attachform/attachform/emulator"
	"github.com/attachform/attachform/state"
	"github.com/rogpeppe/go-internal/testscript"
)

// cmdAttachments checks what the embedded emulator of a configuration
// directory holds on one item: exactly the named attachments, each with the
// bytes of its file. It reads Graph's own API with plain HTTP, so it shares
// nothing with the client under test.
//
//	attachments DIR MAILBOX KIND SUBJECT [NAME=FILE ...]
func cmdAttachments(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 4 {
		ts.Fatalf("usage: attachments DIR MAILBOX message|event SUBJECT [NAME=FILE ...]")
	}
	item, stop := emulatedItem(ts, args[0], args[1], args[2], args[3])
	defer stop()
	var atts struct {
		Value []struct{ ID, Name string } `json:"value"`
	}
	getJSON(ts, item+"?$select=id,name", &atts)

	want := map[string]string{}
	for _, a := range args[4:] {
		name, file, ok := strings.Cut(a, "=")
		if !ok {
			ts.Fatalf("attachments: %q is not NAME=FILE", a)
		}
		want[name] = file
	}
	var got []string
	for _, a := range atts.Value {
		got = append(got, a.Name)
		file, ok := want[a.Name]
		if !ok {
			continue
		}
		content := get(ts, item+"/"+url.PathEscape(a.ID)+"/$value")
		local, err := os.ReadFile(ts.MkAbs(file))
		ts.Check(err)
		if !bytes.Equal(content, local) {
			ts.Fatalf("%s: Graph holds %d bytes that differ from %s (%d bytes)", a.Name, len(content), file, len(local))
		}
	}
	var names []string
	for n := range want {
		names = append(names, n)
	}
	slices.Sort(got)
	slices.Sort(names)
	if !slices.Equal(got, names) {
		ts.Fatalf("attachments on the %s: %q, want %q", args[2], got, names)
	}
}

// emulatedItem opens the embedded emulator's store of configuration
// directory dir — or, after "emulate", uses the script's running emulator —
// and returns the attachments URL of the item with subject.
func emulatedItem(ts *testscript.TestScript, dir, mailbox, kind, subject string) (attachments string, stop func()) {
	srv, stop := scriptEmulator(ts).srv, func() {}
	if srv == nil {
		var err error
		srv, err = emulator.New(emulator.Options{DataDir: filepath.Join(ts.MkAbs(dir), ".attachform", "emulator")})
		ts.Check(err)
		stop = func() { srv.Close() }
	}
	base := srv.URL() + "/v1.0/users/" + url.PathEscape(mailbox) + "/" + kind + "s"
	var items struct {
		Value []struct{ ID string } `json:"value"`
	}
	getJSON(ts, base+"?$filter="+url.QueryEscape("subject eq '"+subject+"'"), &items)
	if len(items.Value) != 1 {
		stop()
		ts.Fatalf("%d %ss with subject %q, want 1", len(items.Value), kind, subject)
	}
	return base + "/" + url.PathEscape(items.Value[0].ID) + "/attachments", stop
}

// cmdAttach puts a file on an item of the embedded emulator behind
// attachform's back, as a person in Outlook would.
//
//	attach DIR MAILBOX KIND SUBJECT NAME FILE
func cmdAttach(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 6 {
		ts.Fatalf("usage: attach DIR MAILBOX message|event SUBJECT NAME FILE")
	}
	item, stop := emulatedItem(ts, args[0], args[1], args[2], args[3])
	defer stop()
	data, err := os.ReadFile(ts.MkAbs(args[5]))
	ts.Check(err)
	body, _ := json.Marshal(map[string]string{
		"@odata.type": "#microsoft.graph.fileAttachment", "name": args[4],
		"contentBytes": base64.StdEncoding.EncodeToString(data),
	})
	req, err := http.NewRequest("POST", item, bytes.NewReader(body))
	ts.Check(err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+scriptToken)
	resp, err := http.DefaultClient.Do(req)
	ts.Check(err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		ts.Fatalf("attach %s: %s", args[4], resp.Status)
	}
}

// scriptToken is the bearer token the scripts' own requests carry: the
// emulator, like Graph, requires one on its Graph origin and takes any.
const scriptToken = "testscript"

func get(ts *testscript.TestScript, u string) []byte {
	req, err := http.NewRequest("GET", u, nil)
	ts.Check(err)
	req.Header.Set("Authorization", "Bearer "+scriptToken)
	resp, err := http.DefaultClient.Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	ts.Check(err)
	if resp.StatusCode != http.StatusOK {
		ts.Fatalf("GET %s: %s: %s", u, resp.Status, body)
	}
	return body
}

func getJSON(ts *testscript.TestScript, u string, v any) {
	ts.Check(json.Unmarshal(get(ts, u), v))
}

// cmdState checks a state file: private, and recording exactly the given
// addresses, each with the digest and length of its file.
//
//	state FILE [ADDRESS=FILE ...]
func cmdState(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: state FILE [ADDRESS=FILE ...]")
	}
	path := ts.MkAbs(args[0])
	fi, err := os.Stat(path)
	ts.Check(err)
	if fi.Mode().Perm() != 0o600 {
		ts.Fatalf("%s has mode %v, want 0600", args[0], fi.Mode().Perm())
	}
	f, err := os.Open(path)
	ts.Check(err)
	defer f.Close()
	st, err := state.Decode(f)
	ts.Check(err)
	for _, a := range st.Attachments {
		if a.ID == "" || a.ReportedSize == 0 {
			ts.Fatalf("%s recorded without an id or reported size: %+v", a.Address, a)
		}
	}
	stateRecords(ts, st, args[1:], "state")
	if len(st.Sessions) > 0 {
		ts.Fatalf("state still records %d upload sessions", len(st.Sessions))
	}
	ts.Logf("state serial %d", st.Serial)
}

// stateRecords fails unless st records exactly the addresses of the
// ADDRESS=FILE arguments, each with its file's SHA-256 and size; where
// names the state in messages.
func stateRecords(ts *testscript.TestScript, st *state.State, args []string, where string) {
	var got, want []string
	for _, a := range st.Attachments {
		got = append(got, a.Address)
	}
	for _, arg := range args {
		addr, file, ok := strings.Cut(arg, "=")
		if !ok {
			ts.Fatalf("%q is not ADDRESS=FILE", arg)
		}
		want = append(want, addr)
		a, found := st.Attachment(addr)
		if !found {
			continue
		}
		data, err := os.ReadFile(ts.MkAbs(file))
		ts.Check(err)
		sum := sha256.Sum256(data)
		if a.SHA256 != hex.EncodeToString(sum[:]) || a.Bytes != int64(len(data)) {
			ts.Fatalf("%s: %s records %s (%d bytes), %s is %x (%d bytes)", addr, where, a.SHA256, a.Bytes, file, sum, len(data))
		}
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		ts.Fatalf("%s records %q, want %q", where, got, want)
	}
}

// secretShapes are what a leaked credential looks like in text: an
// authtoken or bearer value that is not the redactor's mark, or a whole
// upload URL.
var secretShapes = regexp.MustCompile(`(?i)authtoken=[^R&\s"]|bearer\s+[^R\s"]|https?://\S*attachmentsessions`)

// cmdNoSecrets fails if any named file (or stdout/stderr of the last
// command) contains a credential.
//
//	nosecrets stdout stderr trace.log
func cmdNoSecrets(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: nosecrets FILE...")
	}
	for _, name := range args {
		text := ts.ReadFile(name)
		if loc := secretShapes.FindStringIndex(text); loc != nil {
			start, end := max(loc[0]-60, 0), min(loc[1]+20, len(text))
			ts.Fatalf("%s leaks a secret near: %q", name, text[start:end])
		}
	}
}
