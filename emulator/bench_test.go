package emulator

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
)

// BenchmarkSustainedUpload pushes 32 MB files through Outlook upload
// sessions in 4 MB ranges, as apply does, and reports throughput and
// allocations per MB (server and in-process client together). Run:
//
//	go test -run '^$' -bench SustainedUpload -benchtime 20x ./emulator/
func BenchmarkSustainedUpload(b *testing.B) {
	for _, persistent := range []bool{false, true} {
		name := "memory"
		if persistent {
			name = "disk"
		}
		b.Run(name, func(b *testing.B) {
			opts := Options{Limits: Limits{Off: true, MessageBytes: 150 * mb}}
			if persistent {
				opts.DataDir = b.TempDir()
			}
			s, _ := newTestServer(b, opts)
			const size, chunk = 32 * mb, 4 * mb
			data := testFile(size)
			item := "/me/messages/" + createItem(b, s, testUser, "messages", "bench")
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			b.SetBytes(size)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r := createSession(b, s, item, "AttachmentItem", map[string]any{"attachmentType": "file", "name": "f.bin", "size": size})
				u := r.json(b)["uploadUrl"].(string)
				var loc string
				for start := 0; start < size; start += chunk {
					end := min(start+chunk, size) - 1
					req, _ := http.NewRequest("PUT", u, bytes.NewReader(data[start:end+1]))
					req.Header.Set("Content-Type", "application/octet-stream")
					req.Header.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end, size))
					res, err := client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					loc = res.Header.Get("Location")
				}
				if loc == "" {
					b.Fatal("no Location after the last range")
				}
				id := loc[strings.LastIndex(loc, "('")+2 : len(loc)-2]
				b.StopTimer()
				// Keep the message under its size limit; deleting is not
				// what is measured.
				if r := do(b, "DELETE", api(s, item+"/attachments/"+id), nil, nil); r.Status != http.StatusNoContent {
					b.Fatalf("delete: %d", r.Status)
				}
				b.StartTimer()
			}
			b.StopTimer()
			runtime.ReadMemStats(&ms1)
			mbs := float64(b.N) * size / mb
			b.ReportMetric(mbs/b.Elapsed().Seconds(), "MB/s")
			b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/mbs, "allocs/MB")
			b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/mbs/mb, "allocMB/MB")
		})
	}
}
