package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/attachform/attachform/emulator"
	"github.com/attachform/attachform/internal/azurite"
	"github.com/attachform/attachform/state"
)

// An apply of 500 attachments against a state blob in Azurite writes the
// blob at most 30 times (issue 19's goal), though every change is written
// ahead as an intent and again when it is done: intents are written ahead
// in groups, outcomes are coalesced, remote writes are paced (one a
// second) and each carries every change recorded meanwhile. Nothing is
// lost by it: the blob ends with all 500, no intent, no session, and the
// next plan has nothing to do. The writes are counted at the blob
// service's door, by a proxy in front of Azurite.
func TestRemoteWritesOfALargeApply(t *testing.T) {
	if testing.Short() {
		t.Skip("applies 500 attachments")
	}
	// Mostly waiting for its paced writes: let the package's other tests
	// run meanwhile.
	t.Parallel()
	const n, maxWrites = 500, 30
	endpoint, name := azurite.Container(t)
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	var writes atomic.Int64
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: u.Scheme, Host: u.Host})
	door := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && r.URL.Query().Get("comp") == "" && strings.HasSuffix(r.URL.Path, "/large.json") {
			writes.Add(1) // Put Blob: one write of the whole state
		}
		proxy.ServeHTTP(w, r)
	}))
	defer door.Close()

	emu, err := emulator.New(emulator.Options{Demo: true, AutoCreateMailboxes: true})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()

	dir := t.TempDir()
	var m strings.Builder
	fmt.Fprintf(&m, largeHeader, door.URL+u.Path, name)
	if err := os.Mkdir(filepath.Join(dir, "files"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		file := fmt.Sprintf("files/f%03d.txt", i)
		if err := os.WriteFile(filepath.Join(dir, file), fmt.Appendf(nil, "file %d of the large apply\n", i), 0o644); err != nil {
			t.Fatal(err)
		}
		target := []string{"welcome", "all_hands"}[i%2]
		fmt.Fprintf(&m, "attachment \"f%03d\" {\n  target = target.%s\n  source = %q\n}\n", i, target, file)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.attach.hcl"), []byte(m.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	environ := []string{"ARM_ACCESS_KEY=" + azurite.Key, "ATTACHFORM_GRAPH_ENDPOINT=" + emu.URL()}

	start := time.Now()
	res := runCLI(t, dir, environ, "", "apply", "-auto-approve", "-no-color")
	took := time.Since(start)
	if res.code != exitOK || !strings.Contains(res.out, fmt.Sprintf("Apply complete! Resources: %d added", n)) {
		t.Fatalf("apply exited %d\n%s\n%s", res.code, tail(res.out, 2000), res.err)
	}
	got := writes.Load()
	t.Logf("apply of %d attachments: %d writes of the state blob in %s", n, got, took.Round(time.Millisecond))
	if got > maxWrites {
		t.Errorf("%d writes of the state blob for %d attachments; want at most %d", got, n, maxWrites)
	}

	c, err := azurite.Client(endpoint, name)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.NewBlobClient("large.json").DownloadStream(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	st, err := state.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Attachments) != n || len(st.Intents) > 0 || len(st.Sessions) > 0 || st.Serial == 0 {
		t.Fatalf("the blob records %d attachments, %d intents, %d sessions, serial %d; want %d, none, none, > 0",
			len(st.Attachments), len(st.Intents), len(st.Sessions), st.Serial, n)
	}
	if res := runCLI(t, dir, environ, "", "plan", "-detailed-exitcode", "-no-color"); res.code != exitOK {
		t.Fatalf("plan after the apply exited %d\n%s\n%s", res.code, tail(res.out, 2000), res.err)
	}
}

const largeHeader = `graph {
  endpoint = "emulator"
}

backend "azurerm" {
  endpoint       = %q
  container_name = %q
  key            = "large.json"
}

data "message" "welcome" {
  mailbox = "demo@contoso.example"
  filter  = "subject eq 'Welcome to attachform'"
}

data "event" "all_hands" {
  mailbox = "demo@contoso.example"
  filter  = "subject eq 'Quarterly all hands'"
}

target "welcome" {
  mailbox = "demo@contoso.example"
  message = data.message.welcome.id
}

target "all_hands" {
  mailbox = "demo@contoso.example"
  event   = data.event.all_hands.id
}

`

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
