package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/attachform/attachform/emulator"
	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/state"
)

// A Graph that turns hostile between two applies (here: every write is
// answered 429 with a Retry-After years away) ends the second apply at
// once with a message that says why, and leaves the state as it was:
// nothing was done, so nothing is recorded as done.
func TestHostileGraphEndsApplyAndKeepsState(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	srv, err := emulator.New(emulator.Options{Demo: true, AutoCreateMailboxes: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	target, _ := url.Parse(srv.URL())
	forward := httputil.NewSingleHostReverseProxy(target)
	var hostile atomic.Bool
	var refused atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hostile.Load() && (r.Method == http.MethodPost && !strings.HasSuffix(r.URL.Path, "/$batch") || r.Method == http.MethodPut || r.Method == http.MethodDelete) {
			io.Copy(io.Discard, r.Body)
			refused.Add(1)
			w.Header().Set("Retry-After", time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC).Format(http.TimeFormat))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"error":{"code":"ApplicationThrottled","message":"Application is over its MailboxConcurrency limit."}}`)
			return
		}
		forward.ServeHTTP(w, r)
	}))
	defer proxy.Close()

	dir := filepath.Join(t.TempDir(), "quickstart")
	if err := copyDir(filepath.Join("..", "..", "examples", "quickstart"), dir); err != nil {
		t.Fatal(err)
	}
	env := []string{"ATTACHFORM_GRAPH_ENDPOINT=" + proxy.URL, "NO_COLOR=1"}
	if code, out, errOut := runIn([]string{"-chdir=" + dir, "apply", "-auto-approve", "-no-color"}, env...); code != exitOK {
		t.Fatalf("first apply: exit %d\n%s%s", code, out, errOut)
	}
	statePath := filepath.Join(dir, "attachform.state.json")
	before := decodeStateFile(t, statePath)

	// A changed file: the second apply must replace it, and Graph refuses.
	if err := os.WriteFile(filepath.Join(dir, "files", "agenda.md"), []byte("# Agenda, second edition\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	hostile.Store(true)
	start := time.Now()
	code, out, errOut := runIn([]string{"-chdir=" + dir, "apply", "-auto-approve", "-no-color"}, env...)
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("the apply took %v against a Retry-After of decades; want well under 30s", took)
	}
	t.Logf("second apply:\n%s%s", out, errOut)
	if code != exitError {
		t.Fatalf("second apply: exit %d, want 1\n%s%s", code, out, errOut)
	}
	for _, w := range []string{"Retry-After", "max_retry_after"} {
		if !strings.Contains(out+errOut, w) {
			t.Errorf("the output does not say %q:\n%s%s", w, out, errOut)
		}
	}
	if refused.Load() == 0 {
		t.Error("no write reached the hostile Graph")
	}
	if leaks := graph.Leaks(out + errOut); len(leaks) > 0 {
		t.Errorf("output leaks %q", leaks)
	}
	after := decodeStateFile(t, statePath)
	if !reflect.DeepEqual(after.Attachments, before.Attachments) || len(after.Deposed) != 0 || len(after.Sessions) != 0 || len(after.Intents) != 0 {
		t.Errorf("the state changed although nothing was done:\nbefore %+v\nafter  %+v", before, after)
	}
}

func decodeStateFile(t *testing.T, path string) *state.State {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := state.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
