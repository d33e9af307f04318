//go:build unix

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attachform/attachform/emulator"
	"github.com/attachform/attachform/internal/azurite"
	"github.com/attachform/attachform/state"
)

// storeRun is one project of these tests: manifests keeping the state in
// an Azurite of the test's own, Graph an emulator in this process.
type storeRun struct {
	t       *testing.T
	dir     string
	environ []string
	emu     *emulator.Server
	files   []string // the attachments' file names, each in files/
}

const storeHeader = `graph {
  endpoint = "emulator"
}

backend "azurerm" {
  endpoint       = %q
  container_name = %q
  key            = "store.json"
  idle_timeout   = "1s"
}

data "message" "welcome" {
  mailbox = "demo@contoso.example"
  filter  = "subject eq 'Welcome to attachform'"
}

target "welcome" {
  mailbox = "demo@contoso.example"
  message = data.message.welcome.id
}
`

func newStoreRun(t *testing.T, p *azurite.Process, observe func(r *http.Request, served bool)) *storeRun {
	t.Helper()
	emu, err := emulator.New(emulator.Options{Demo: true, AutoCreateMailboxes: true, Observe: observe})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	dir, home := t.TempDir(), t.TempDir()
	r := &storeRun{t: t, dir: dir, emu: emu, environ: []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home, "XDG_CACHE_HOME=" + filepath.Join(home, "cache"),
		"ARM_ACCESS_KEY=" + azurite.Key, "ATTACHFORM_GRAPH_ENDPOINT=" + emu.URL(), "ATTACHFORM_AZURERM_LEASE=15s",
	}}
	if err := os.WriteFile(filepath.Join(dir, "main.attach.hcl"), fmt.Appendf(nil, storeHeader, p.Endpoint, p.Container()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "files"), 0o755); err != nil {
		t.Fatal(err)
	}
	return r
}

// add declares n more attachments, each with a file of its own.
func (r *storeRun) add(n int) {
	r.t.Helper()
	var m strings.Builder
	for range n {
		i := len(r.files)
		name := fmt.Sprintf("f%03d.txt", i)
		if err := os.WriteFile(filepath.Join(r.dir, "files", name), fmt.Appendf(nil, "file %d, written while the state store comes and goes\n", i), 0o644); err != nil {
			r.t.Fatal(err)
		}
		fmt.Fprintf(&m, "attachment \"f%03d\" {\n  target = target.welcome\n  source = \"files/%s\"\n}\n", i, name)
		r.files = append(r.files, name)
	}
	f, err := os.OpenFile(filepath.Join(r.dir, "main.attach.hcl"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		r.t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(m.String()); err != nil {
		r.t.Fatal(err)
	}
}

// storeDeadline bounds every command of these tests.
const storeDeadline = 90 * time.Second

// run runs attachform in the project's directory, as a person would, and
// returns its exit code, stdout and stderr.
func (r *storeRun) run(args ...string) (int, string, string) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), storeDeadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "attachform"), args...)
	cmd.Dir, cmd.Env = r.dir, r.environ
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		r.t.Fatalf("attachform %s did not end within %s\n%s\n%s", strings.Join(args, " "), storeDeadline, tail(out.String(), 3000), errb.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		r.t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

// converged checks that Graph holds every declared file exactly once, byte
// for byte, and that the next plan has nothing to do.
func (r *storeRun) converged() {
	r.t.Helper()
	base := r.emu.URL() + "/v1.0/users/demo@contoso.example/messages"
	var items struct {
		Value []struct{ ID string } `json:"value"`
	}
	getJSONTo(r.t, base+"?$filter="+url.QueryEscape("subject eq 'Welcome to attachform'"), &items)
	if len(items.Value) != 1 {
		r.t.Fatalf("%d welcome messages", len(items.Value))
	}
	atts := base + "/" + url.PathEscape(items.Value[0].ID) + "/attachments"
	var list struct {
		Value []struct{ ID, Name string } `json:"value"`
	}
	getJSONTo(r.t, atts+"?$select=id,name&$top=999", &list)
	seen := map[string]int{}
	for _, a := range list.Value {
		seen[a.Name]++
		if seen[a.Name] > 1 {
			r.t.Errorf("%s is on the message twice", a.Name)
			continue
		}
		want, err := os.ReadFile(filepath.Join(r.dir, "files", a.Name))
		if err != nil {
			continue // one of the demo's own
		}
		if got := getRaw(r.t, atts+"/"+url.PathEscape(a.ID)+"/$value"); !bytes.Equal(got, want) {
			r.t.Errorf("%s on the message differs from its file", a.Name)
		}
	}
	for _, f := range r.files {
		if seen[f] != 1 {
			r.t.Errorf("%s is on the message %d times; want once", f, seen[f])
		}
	}
	if code, out, errs := r.run("plan", "-detailed-exitcode", "-no-color"); code != exitOK {
		r.t.Fatalf("plan after converging exited %d\n%s\n%s", code, tail(out, 2000), errs)
	}
}

func getRaw(t *testing.T, u string) []byte {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+scriptToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %v %s", u, err, resp.Status)
	}
	return body
}

// Azurite stopped (SIGSTOP) in the middle of an apply, after Graph created
// some attachments: the apply ends by itself within the lease (15 s) plus
// 30 s, exit 1, naming the store's host; the state it could not write is
// in errored.state.json (mode 0600) with the command that restores it.
// Once Azurite goes on, that command and one apply converge: every file
// once, byte for byte, and a clean plan.
func TestAnApplyEndsWhenTheStateStoreStops(t *testing.T) {
	t.Parallel()
	p := azurite.Start(t)
	var once sync.Once
	var stoppedAt time.Time
	var armed bool
	var mu sync.Mutex
	posts := 0
	r := newStoreRun(t, p, func(req *http.Request, served bool) {
		if !served || req.Method != http.MethodPost || !strings.HasSuffix(req.URL.Path, "/attachments") {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if posts++; armed && posts == 8 {
			once.Do(func() { p.Stop(); stoppedAt = time.Now() })
		}
	})
	r.add(30)
	if code, out, errs := r.run("init", "-no-color"); code != exitOK {
		t.Fatalf("init exited %d\n%s\n%s", code, out, errs)
	}
	mu.Lock()
	armed = true
	mu.Unlock()
	code, out, errs := r.run("apply", "-auto-approve", "-no-color", "-parallelism=2")
	mu.Lock()
	stopped := stoppedAt
	mu.Unlock()
	if stopped.IsZero() {
		t.Fatalf("the apply ended before the store was stopped (exit %d)\n%s\n%s", code, tail(out, 2000), errs)
	}
	took := time.Since(stopped)
	t.Logf("the apply ended %s after the store stopped", took.Round(time.Millisecond))
	if code != exitError {
		t.Fatalf("apply exited %d; want 1\n%s\n%s", code, tail(out, 2000), errs)
	}
	if took > 45*time.Second {
		t.Errorf("the apply ended %s after the store stopped; want within the lease (15s) plus 30s", took)
	}
	host := strings.TrimPrefix(strings.Split(p.Endpoint, "/"+azurite.Account)[0], "http://")
	for _, want := range []string{"did not answer", host, "errored.state.json", "\n  attachform state push -lock-timeout=2m errored.state.json\n"} {
		if !strings.Contains(errs, want) {
			t.Errorf("apply's errors do not say %q:\n%s", want, errs)
		}
	}
	if !strings.Contains(out, "Waiting for the state store (no answer for ") {
		t.Errorf("progress never said it waited for the state store:\n%s", tail(out, 2000))
	}
	errored := filepath.Join(r.dir, "errored.state.json")
	fi, err := os.Stat(errored)
	if err != nil {
		t.Fatalf("no errored state: %v\n%s", err, errs)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("errored.state.json has mode %v; want 0600", fi.Mode().Perm())
	}
	raw, err := os.ReadFile(errored)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := state.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if len(saved.Attachments) < 8 {
		t.Errorf("errored.state.json records %d attachments; Graph had created at least 8", len(saved.Attachments))
	}

	p.Continue()
	if code, out, errs := r.run("state", "push", "-lock-timeout=2m", "errored.state.json"); code != exitOK {
		t.Fatalf("state push of the errored state exited %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs := r.run("apply", "-auto-approve", "-no-color", "-lock-timeout=60s"); code != exitOK {
		t.Fatalf("apply after the store came back exited %d\n%s\n%s", code, tail(out, 2000), errs)
	}
	r.converged()
}

// Azurite killed and started again from its disk as it was before the
// last apply (that apply's writes lost): the next plan refuses the state
// whose serial went backwards, and one apply -force converges with no
// duplicate: what the lost writes recorded is found on the message,
// checked by its content, and adopted.
func TestAStoreRestoredWithoutItsLastWrites(t *testing.T) {
	t.Parallel()
	p := azurite.Start(t)
	r := newStoreRun(t, p, nil)
	r.add(6)
	if code, out, errs := r.run("apply", "-auto-approve", "-no-color"); code != exitOK {
		t.Fatalf("first apply exited %d\n%s\n%s", code, tail(out, 2000), errs)
	}
	p.Shutdown() // saves its data to disk
	snapshot := p.Snapshot()
	p.Restart()
	r.add(6)
	if code, out, errs := r.run("apply", "-auto-approve", "-no-color"); code != exitOK {
		t.Fatalf("second apply exited %d\n%s\n%s", code, tail(out, 2000), errs)
	}
	p.Kill()
	p.RestoreFrom(snapshot)
	p.Restart()

	code, out, errs := r.run("plan", "-no-color")
	if code != exitError || !strings.Contains(errs, "serial") || !strings.Contains(errs, "-force") {
		t.Fatalf("plan of a state restored without its last writes exited %d; want 1 naming the serial and -force\n%s\n%s", code, tail(out, 2000), errs)
	}
	code, out, errs = r.run("apply", "-force", "-auto-approve", "-no-color")
	if code != exitOK {
		t.Fatalf("apply -force exited %d\n%s\n%s", code, tail(out, 2000), errs)
	}
	if !strings.Contains(out, "0 added") || !strings.Contains(out, "6 adopted") {
		t.Errorf("apply -force did not adopt the six attachments the lost writes recorded:\n%s", tail(out, 2000))
	}
	r.converged()
}
