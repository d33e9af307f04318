package generate

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/internal/download"
	"github.com/attachform/attachform/item"
	"github.com/attachform/attachform/spec"
)

// stalling is a Graph whose attachments' $value answers stop after their
// first half (headers sent, then nothing until the client leaves) as many
// times as stalls says for that attachment's id, then come whole.
type stalling struct {
	files  map[string][]byte // attachment id → its bytes
	mu     sync.Mutex
	stalls map[string]int // attachment id → answers still to stop midway
	gets   map[string]int
}

func (s *stalling) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for id, b := range s.files {
		if !strings.Contains(r.URL.Path, id) || !strings.HasSuffix(r.URL.Path, "/$value") {
			continue
		}
		s.mu.Lock()
		s.gets[id]++
		stall := s.stalls[id] > 0
		s.stalls[id]--
		s.mu.Unlock()
		if !stall {
			w.Write(b)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.Write(b[:len(b)/2])
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		return
	}
	http.NotFound(w, r)
}

// downloadFrom runs Download of cands from a stalling Graph into a new
// configuration directory, with a tiny idle timeout (the waits are a
// silent server's, inherent) and no backoff sleeps.
func downloadFrom(t *testing.T, g *stalling, cands []Candidate) (string, error) {
	t.Helper()
	g.gets = map[string]int{}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	client, err := graph.New(graph.Options{
		Endpoint: srv.URL,
		Bounds:   graph.Bounds{IdleTimeout: 150 * time.Millisecond, AttemptCap: time.Minute},
		Retry:    graph.RetryOptions{Wait: func(time.Duration) time.Duration { return 0 }},
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := t.TempDir()
	d, err := download.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	return cfg, Download(context.Background(), client, d, cands)
}

// filesUnder lists every file under dir, temporary ones included.
func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func stallingCands() (*stalling, []Candidate) {
	agenda := bytes.Repeat([]byte("agenda, first draft. "), 3000)
	minutes := bytes.Repeat([]byte{0, 1, 2, 3, 250, 251}, 5000)
	g := &stalling{files: map[string][]byte{"att-agenda": agenda, "att-minutes": minutes}, stalls: map[string]int{}}
	target := &spec.Target{Name: "welcome", Item: item.Ref{Mailbox: "alice@contoso.example", Kind: item.Message, ID: "AAMkAD="}}
	return g, []Candidate{
		{Target: target, Live: graph.Attachment{ID: "att-agenda", Name: "agenda.txt"}, File: "imported/welcome/agenda.txt"},
		{Target: target, Live: graph.Attachment{ID: "att-minutes", Name: "minutes.bin"}, File: "imported/welcome/minutes.bin"},
	}
}

// A download whose answer goes silent midway once is read again from the
// start: the file is byte for byte what Graph holds, and the partial
// temporary file is gone.
func TestDownloadRestartsAnAnswerThatStopped(t *testing.T) {
	g, cands := stallingCands()
	g.stalls["att-minutes"] = 1
	cfg, err := downloadFrom(t, g, cands)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cands {
		got, err := os.ReadFile(filepath.Join(cfg, filepath.FromSlash(c.File)))
		if err != nil || !bytes.Equal(got, g.files[c.Live.ID]) {
			t.Errorf("%s holds %d bytes (%v), want the %d Graph holds", c.File, len(got), err, len(g.files[c.Live.ID]))
		}
	}
	if files := filesUnder(t, cfg); len(files) != 2 {
		t.Errorf("files left: %v; want the two downloaded", files)
	}
	if n := g.gets["att-minutes"]; n != 2 {
		t.Errorf("minutes.bin asked for %d times, want 2", n)
	}
}

// A download whose answer always goes silent midway ends as a silent
// Graph ends any request: after graph.SilentAttempts attempts, with the
// message that names the host, and nothing is left in the folder, not the
// file downloaded before it, nor a partial one.
func TestDownloadGivesUpOnASilentGraph(t *testing.T) {
	g, cands := stallingCands()
	g.stalls["att-minutes"] = 1 << 20
	start := time.Now()
	cfg, err := downloadFrom(t, g, cands)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %v: the idle timeout did not end the attempts", took)
	}
	if err == nil || !errors.Is(err, graph.ErrNoAnswer) {
		t.Fatalf("error %v; want ErrNoAnswer", err)
	}
	for _, want := range []string{`download "minutes.bin" from target.welcome: Graph (127.0.0.1:`, "did not answer for 150ms, 3 attempts: read attachment content, reading the answer (15000 bytes came)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if files := filesUnder(t, cfg); len(files) != 0 {
		t.Errorf("files left: %v", files)
	}
	if n := g.gets["att-minutes"]; n != graph.SilentAttempts {
		t.Errorf("minutes.bin asked for %d times, want %d", n, graph.SilentAttempts)
	}
}
