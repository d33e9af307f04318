package generate

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/attachform/attachform/emulator"
	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/internal/download"
	"github.com/attachform/attachform/item"
	"github.com/attachform/attachform/spec"
)

// benchDownloadMB is the attachment's size: small by default, so that CI's
// -benchtime=1x smoke run is quick; ATTACHFORM_BENCH_DOWNLOAD_MB=150 for
// the real measure (BENCHMARKS.md).
func benchDownloadMB(b *testing.B) int64 {
	if v := os.Getenv("ATTACHFORM_BENCH_DOWNLOAD_MB"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 || n > 150 {
			b.Fatalf("ATTACHFORM_BENCH_DOWNLOAD_MB=%q: want 1 to 150", v)
		}
		return n
	}
	return 8
}

// BenchmarkDownload measures Download of one large attachment from the
// emulator (its store on disk, as Graph's is not in this process) into a
// configuration directory: the peak of the live heap and of the process's
// resident memory (Linux: VmHWM, reset first) while it runs.
func BenchmarkDownload(b *testing.B) {
	size := benchDownloadMB(b) * 1000 * 1000
	dir := b.TempDir()
	srv, err := emulator.New(emulator.Options{Demo: true, DataDir: filepath.Join(dir, "emulator"),
		Limits: emulator.Limits{Off: true, MessageBytes: 150 << 20}}) // the largest an administrator allows
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	client, err := graph.New(graph.Options{Endpoint: srv.URL(), Limits: graph.MailboxLimits{UploadBytes: -1}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	msg := item.Ref{Mailbox: emulator.DemoMailbox, Kind: item.Message, ID: demoMessageID(b, srv)}
	s, err := client.CreateUploadSession(ctx, msg, graph.NewAttachment{Name: "big.bin", ContentType: "application/octet-stream", Size: size})
	if err != nil {
		b.Fatal(err)
	}
	id, err := client.Upload(ctx, s, patterned{}, size, nil)
	if err != nil {
		b.Fatal(err)
	}
	target := &spec.Target{Name: "welcome", Item: msg}
	var heapPeak, rssPeak float64
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		cfg := filepath.Join(dir, "config"+strconv.Itoa(i))
		if err := os.Mkdir(cfg, 0o755); err != nil {
			b.Fatal(err)
		}
		d, err := download.Open(cfg)
		if err != nil {
			b.Fatal(err)
		}
		cands := []Candidate{{Target: target, Live: graph.Attachment{ID: id, Name: "big.bin"}, File: "imported/welcome/big.bin"}}
		runtime.GC()
		resetPeakRSS()
		stop := sampleHeap()
		b.StartTimer()
		err = Download(ctx, client, d, cands)
		b.StopTimer()
		heap := stop()
		heapPeak, rssPeak = max(heapPeak, heap), max(rssPeak, peakRSS())
		d.Close()
		if err != nil {
			b.Fatal(err)
		}
		if fi, err := os.Stat(filepath.Join(cfg, "imported", "welcome", "big.bin")); err != nil || fi.Size() != size {
			b.Fatalf("downloaded %v, %v; want %d bytes", fi, err, size)
		}
		os.RemoveAll(cfg)
		b.StartTimer()
	}
	b.SetBytes(size)
	b.ReportMetric(heapPeak/(1<<20), "peak-heap-MiB")
	if rssPeak > 0 {
		b.ReportMetric(rssPeak/(1<<20), "peak-RSS-MiB")
	}
}

// patterned is endless bytes that depend on their offset.
type patterned struct{}

func (patterned) ReadAt(p []byte, off int64) (int, error) {
	for i := range p {
		p[i] = byte((off + int64(i)) * 131 >> 3)
	}
	return len(p), nil
}

func demoMessageID(b *testing.B, srv *emulator.Server) string {
	u := srv.URL() + "/v1.0/users/" + emulator.DemoMailbox + "/messages?$filter=" + url.QueryEscape("subject eq '"+emulator.DemoMessageSubject+"'")
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", "Bearer bench")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct {
		Value []struct{ ID string } `json:"value"`
	}
	body, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(body, &v); err != nil || len(v.Value) != 1 {
		b.Fatalf("demo message: %v %s", err, body)
	}
	return v.Value[0].ID
}

// sampleHeap samples the live heap every millisecond until the returned
// function is called, which answers the peak in bytes.
func sampleHeap() func() float64 {
	var peak atomic.Uint64
	read := func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		metrics.Read(s)
		if v := s[0].Value.Uint64(); v > peak.Load() {
			peak.Store(v)
		}
	}
	read()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				read()
			}
		}
	})
	return func() float64 {
		close(done)
		wg.Wait()
		read()
		return float64(peak.Load())
	}
}

// resetPeakRSS starts a new peak of resident memory (Linux: writing 5 to
// clear_refs resets VmHWM); elsewhere it does nothing.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS is VmHWM in bytes since resetPeakRSS; 0 where unknown.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(b) {
		if v, ok := strings.CutPrefix(string(line), "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}
