package graph

import (
	"context"
	"fmt"
	"github.com/attachform/attachform/item"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/attachform/attachform/emulator"
)

// benchSize is Outlook's largest attachment, "150 MB".
const benchSize = 150_000_000

// blockReaderAt serves a size-byte file that repeats one block: a large
// source that costs no memory and no disk, the same for both contenders.
type blockReaderAt struct {
	block []byte
	size  int64
}

func (r *blockReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= r.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && off < r.size {
		i := int(off % int64(len(r.block)))
		c := copy(p[n:min(len(p), n+int(r.size-off))], r.block[i:])
		n += c
		off += int64(c)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// heapPeak samples the live-and-unswept heap while an upload runs. It
// covers the whole process, so the in-process emulator's own buffers count
// against the client: the figure is an upper bound on the client's.
type heapPeak struct {
	stop chan struct{}
	done sync.WaitGroup
	peak atomic.Uint64
}

func heapNow() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func startHeapPeak() (*heapPeak, uint64) {
	runtime.GC()
	base := heapNow()
	h := &heapPeak{stop: make(chan struct{})}
	h.peak.Store(base)
	h.done.Add(1)
	go func() {
		defer h.done.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-h.stop:
				return
			case <-t.C:
				if v := heapNow(); v > h.peak.Load() {
					h.peak.Store(v)
				}
			}
		}
	}()
	return h, base
}

func (h *heapPeak) end() uint64 {
	close(h.stop)
	h.done.Wait()
	if v := heapNow(); v > h.peak.Load() {
		h.peak.Store(v)
	}
	return h.peak.Load()
}

// rawUpload is the yardstick: a plain net/http loop PUTting the same ranges
// from the same source, with no limiter, retries, checks or parsing.
func rawUpload(hc *http.Client, uploadURL string, src io.ReaderAt, size, rangeSize int64) error {
	for start := int64(0); start < size; start += rangeSize {
		n := min(rangeSize, size-start)
		req, err := http.NewRequest(http.MethodPut, uploadURL, io.NewSectionReader(src, start, n))
		if err != nil {
			return err
		}
		req.ContentLength = n
		req.Header.Set("Content-Type", "application/octet-stream")
		req.Header.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, start+n-1, size))
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		want := http.StatusOK
		if start+n == size {
			want = http.StatusCreated
		}
		if resp.StatusCode != want {
			return fmt.Errorf("range at %d: %s", start, resp.Status)
		}
	}
	return nil
}

// BenchmarkUploadSession uploads 150 MB through an Outlook upload session
// into the emulator with the client and with a raw net/http PUT loop of the
// same ranges, and reports both throughputs, their ratio and the peak heap
// growth during the client's upload.
//
// The emulator keeps its data in a directory (tmpfs when /dev/shm exists),
// streaming ranges to a file as the persistent emulator does, so its heap
// does not hold the 150 MB.
func BenchmarkUploadSession(b *testing.B) {
	dir := b.TempDir()
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if d, err := os.MkdirTemp("/dev/shm", "attachform-bench-"); err == nil {
			dir = d
			b.Cleanup(func() { os.RemoveAll(d) })
		}
	}
	srv, err := emulator.New(emulator.Options{
		DataDir: dir,
		Users:   []string{testUser},
		Limits:  emulator.Limits{Off: true, MessageBytes: 150 << 20},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	c, err := New(Options{Endpoint: srv.URL(), Limits: MailboxLimits{UploadBytes: -1}})
	if err != nil {
		b.Fatal(err)
	}
	e := &env{t: b, srv: srv, client: c}
	src := &blockReaderAt{block: content(1 << 20), size: benchSize}
	rawClient := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	ctx := context.Background()
	na := NewAttachment{Name: "big.bin", ContentType: "application/octet-stream", Size: benchSize}

	var clientTime, rawTime time.Duration
	var peak uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		mine, theirs := e.item(item.Message, "client"), e.item(item.Message, "raw")
		s, err := c.CreateUploadSession(ctx, mine, na)
		if err != nil {
			b.Fatal(err)
		}
		rs, err := c.CreateUploadSession(ctx, theirs, na)
		if err != nil {
			b.Fatal(err)
		}
		runClient := func() {
			h, base := startHeapPeak()
			t0 := time.Now()
			if _, err := c.Upload(ctx, s, src, benchSize, nil); err != nil {
				b.Fatal(err)
			}
			clientTime += time.Since(t0)
			peak = max(peak, h.end()-base)
		}
		runRaw := func() {
			t0 := time.Now()
			if err := rawUpload(rawClient, rs.URL, src, benchSize, DefaultRangeSize); err != nil {
				b.Fatal(err)
			}
			rawTime += time.Since(t0)
		}
		b.StartTimer()
		// Alternate who goes first, so neither always meets a warm (or
		// cold) emulator.
		if i%2 == 0 {
			runClient()
			runRaw()
		} else {
			runRaw()
			runClient()
		}
		b.StopTimer()
		// Free the emulator's disk for the next round.
		for _, it := range []item.Ref{mine, theirs} {
			e.raw("DELETE", "/users/"+testUser+"/messages/"+it.ID, nil, true)
		}
		b.StartTimer()
	}
	mb := float64(benchSize) * float64(b.N) / 1e6
	clientMBs := mb / clientTime.Seconds()
	rawMBs := mb / rawTime.Seconds()
	b.ReportMetric(clientMBs, "client-MB/s")
	b.ReportMetric(rawMBs, "raw-MB/s")
	b.ReportMetric(100*clientMBs/rawMBs, "%-of-raw")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(peak)/float64(DefaultRangeSize), "peak-heap-ranges")
}
