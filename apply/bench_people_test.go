package apply_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/attachform/attachform/apply"
	"github.com/attachform/attachform/emulator"
	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state/local"
	"golang.org/x/sync/errgroup"
)

// applyPeopleSizes: ATTACHFORM_BENCH_PEOPLE (comma-separated) or 200, so
// that the smoke run stays quick. Issue 19's figure is for 5,000:
//
//	ATTACHFORM_BENCH_PEOPLE=5000 go test ./apply -run '^$' -bench ApplyPeople -benchtime 1x
func applyPeopleSizes(b *testing.B) []int {
	v := os.Getenv("ATTACHFORM_BENCH_PEOPLE")
	if v == "" {
		return []int{200}
	}
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			b.Fatalf("ATTACHFORM_BENCH_PEOPLE=%q: want counts like 500,5000", v)
		}
		out = append(out, n)
	}
	return out
}

// BenchmarkApplyPeople is the first apply of one small file to the
// "Welcome aboard" draft of each of n mailboxes (data lookups, for_each),
// against the emulator answering every request after 20 ms, and in the same
// benchmark a plain net/http loop making the same POSTs (one per mailbox,
// base64 in JSON) at the same parallelism, 10. Only apply.Run and the loop
// are timed, alternating which goes first; drafts, plan and state are set
// up untimed. Issue 19's goal: apply within 1.5× the loop.
func BenchmarkApplyPeople(b *testing.B) {
	const parallelism = 10
	for _, n := range applyPeopleSizes(b) {
		b.Run(fmt.Sprintf("mailboxes=%d", n), func(b *testing.B) {
			dir := benchDir(b)
			var upns []string
			var people strings.Builder
			for i := range n {
				upns = append(upns, fmt.Sprintf("p%05d@contoso.com", i))
				fmt.Fprintf(&people, "    %q,\n", upns[i])
			}
			srv, err := emulator.New(emulator.Options{Users: upns})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { srv.Close() })
			client, err := graph.New(graph.Options{Endpoint: srv.URL()})
			if err != nil {
				b.Fatal(err)
			}
			raw := newRawGraph(srv)
			pack := []byte("# Welcome to Contoso\n\nYour first week, day by day.\n")
			if err := os.WriteFile(filepath.Join(dir, "pack.md"), pack, 0o644); err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			var applyTime, rawTime time.Duration
			var applyRequests int64
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				subject := fmt.Sprintf("Welcome aboard %d", i)
				rawIDs := draftsFor(b, raw, upns, subject, subject+" (raw)")
				manifest := "variable \"people\" {\n  type = list(string)\n  default = [\n" + people.String() + "  ]\n}\n" +
					strings.ReplaceAll(applyPeopleManifest, "SUBJECT", subject)
				if err := os.WriteFile(filepath.Join(dir, "main.attach.hcl"), []byte(manifest), 0o644); err != nil {
					b.Fatal(err)
				}
				p, backend := planPeople(b, dir, client)
				if err := srv.SetFaults(emulator.Faults{Latency: 20 * time.Millisecond}); err != nil {
					b.Fatal(err)
				}
				runApply := func() {
					t0, r0 := time.Now(), srv.Stats().Requests.Total
					_, res, err := apply.Run(ctx, p, nil, backend, client, apply.Options{Parallelism: parallelism})
					applyTime += time.Since(t0)
					applyRequests += srv.Stats().Requests.Total - r0
					if err != nil || len(res.Errors) > 0 || res.Added != n {
						b.Fatalf("apply: %v %v %+v", err, res.Errors, res)
					}
				}
				runRaw := func() {
					t0 := time.Now()
					body, _ := json.Marshal(map[string]any{
						"@odata.type": "#microsoft.graph.fileAttachment", "name": "pack.md",
						"contentType": "text/markdown", "contentBytes": base64.StdEncoding.EncodeToString(pack),
					})
					var g errgroup.Group
					g.SetLimit(parallelism)
					for k, upn := range upns {
						g.Go(func() error {
							u := srv.URL() + "/v1.0/users/" + url.PathEscape(upn) + "/messages/" + url.PathEscape(rawIDs[k]) + "/attachments"
							resp, out, err := raw.do("POST", u, bytes.NewReader(body), int64(len(body)), map[string]string{
								"Authorization": "Bearer bench", "Content-Type": "application/json",
							})
							if err != nil || resp.StatusCode != http.StatusCreated {
								return fmt.Errorf("POST %s: %v %s", upn, err, out)
							}
							return nil
						})
					}
					if err := g.Wait(); err != nil {
						b.Fatal(err)
					}
					rawTime += time.Since(t0)
				}
				b.StartTimer()
				if i%2 == 0 {
					runApply()
					runRaw()
				} else {
					runRaw()
					runApply()
				}
				b.StopTimer()
				if err := srv.SetFaults(emulator.Faults{}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(applyTime.Seconds()/float64(b.N), "apply-s/op")
			b.ReportMetric(rawTime.Seconds()/float64(b.N), "raw-s/op")
			b.ReportMetric(applyTime.Seconds()/rawTime.Seconds(), "x-raw")
			b.ReportMetric(float64(applyRequests)/float64(b.N), "apply-requests/op")
		})
	}
}

const applyPeopleManifest = `
data "message" "welcome" {
  for_each = toset(var.people)
  mailbox  = each.key
  filter   = "subject eq 'SUBJECT'"
}

target "welcome" {
  for_each = data.message.welcome
  mailbox  = each.key
  message  = each.value.id
}

attachment "pack" {
  for_each     = target.welcome
  target       = each.value
  source       = "pack.md"
  content_type = "text/markdown"
}
`

// draftsFor writes, in every mailbox, a draft called subject (for apply)
// and one called rawSubject (for the loop), 20 at a time; it returns the
// loop's draft ids in the order of upns.
func draftsFor(b *testing.B, raw *rawGraph, upns []string, subject, rawSubject string) []string {
	b.Helper()
	ids := make([]string, len(upns))
	var g errgroup.Group
	g.SetLimit(20)
	for k, upn := range upns {
		g.Go(func() error {
			raw.message(b, upn, subject)
			ids[k] = raw.message(b, upn, rawSubject)
			return nil
		})
	}
	_ = g.Wait()
	return ids
}

// planPeople plans dir's manifests (lookups through Graph) against a fresh
// state, as a first apply would.
func planPeople(b *testing.B, dir string, client *graph.Client) (*plan.Plan, *local.Backend) {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(dir, "attachform.state.json")
	_ = os.Remove(path)
	backend := local.New(path)
	cfg, diags := spec.Load(ctx, dir, spec.LoadOptions{Data: plan.Lookups{Client: client}})
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	live, err := plan.Refresh(ctx, client, plan.Touched(cfg, nil))
	if err != nil {
		b.Fatal(err)
	}
	p, diags := plan.Build(ctx, cfg, nil, live, client, plan.Options{Now: time.Now()})
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	return p, backend
}

// BenchmarkPlanApplyUpload is plan (which hashes every file) then apply of
// 8 new 24 MB attachments on drafts of one mailbox, against the emulator
// answering every request after 20 ms (throttling off), beside a plain
// client that hashes every file on all cores and then uploads them four at
// a time (the mailbox's concurrency), with the same ranges. Both are timed
// whole, alternating which goes first. Issue 19's goal: ≥ 95 % of the
// plain client's throughput (%-of-raw).
//
//	go test ./apply -run '^$' -bench PlanApplyUpload -benchtime 3x
func BenchmarkPlanApplyUpload(b *testing.B) {
	const files, size = 8, 24_000_000
	const mailbox = uploadBenchMailbox
	u := newUploadBench(b)
	srv, client, raw, cfgDir := u.srv, u.client, u.raw, u.cfgDir
	var paths []string
	for i := range files {
		paths = append(paths, filepath.Join(cfgDir, "files", fmt.Sprintf("f%d.bin", i)))
		benchFile(b, paths[i], size, byte(i))
	}
	ctx := context.Background()
	var oursTime, rawTime time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		if err := srv.SetFaults(emulator.Faults{}); err != nil {
			b.Fatal(err)
		}
		var m strings.Builder
		var ids, rawIDs []string
		for f := range files {
			id := raw.message(b, mailbox, fmt.Sprintf("ours %d.%d", i, f))
			ids = append(ids, id)
			rawIDs = append(rawIDs, raw.message(b, mailbox, fmt.Sprintf("raw %d.%d", i, f)))
			fmt.Fprintf(&m, "target \"t%d\" {\n  mailbox = %q\n  message = %q\n}\n", f, mailbox, id)
			fmt.Fprintf(&m, "attachment \"f%d\" {\n  target = target.t%d\n  source = \"files/f%d.bin\"\n}\n", f, f, f)
		}
		if err := os.WriteFile(filepath.Join(cfgDir, "main.attach.hcl"), []byte(m.String()), 0o644); err != nil {
			b.Fatal(err)
		}
		if err := srv.SetFaults(emulator.Faults{Latency: 20 * time.Millisecond}); err != nil {
			b.Fatal(err)
		}
		runOurs := func() {
			t0 := time.Now()
			p, backend, _ := planFor(b, cfgDir, client)
			_, res, err := apply.Run(ctx, p, nil, backend, client, apply.Options{})
			oursTime += time.Since(t0)
			if err != nil || len(res.Errors) > 0 || res.Added != files {
				b.Fatalf("apply: %v %v %+v", err, res.Errors, res)
			}
		}
		runRaw := func() {
			t0 := time.Now()
			var h errgroup.Group
			h.SetLimit(runtime.GOMAXPROCS(0))
			for _, path := range paths {
				h.Go(func() error {
					f, err := os.Open(path)
					if err != nil {
						return err
					}
					defer f.Close()
					d := sha256.New()
					_, err = io.Copy(d, f)
					return err
				})
			}
			if err := h.Wait(); err != nil {
				b.Fatal(err)
			}
			var g errgroup.Group
			g.SetLimit(4)
			for f, id := range rawIDs {
				g.Go(func() error { return raw.upload(mailbox, id, paths[f], size) })
			}
			if err := g.Wait(); err != nil {
				b.Fatal(err)
			}
			rawTime += time.Since(t0)
		}
		b.StartTimer()
		if i%2 == 0 {
			runOurs()
			runRaw()
		} else {
			runRaw()
			runOurs()
		}
		b.StopTimer()
		if err := srv.SetFaults(emulator.Faults{}); err != nil {
			b.Fatal(err)
		}
		for _, id := range append(ids, rawIDs...) {
			raw.json(b, "DELETE", "/users/"+url.PathEscape(mailbox)+"/messages/"+url.PathEscape(id), nil)
		}
		b.StartTimer()
	}
	mb := float64(files*size) * float64(b.N) / 1e6
	b.ReportMetric(mb/oursTime.Seconds(), "ours-MB/s")
	b.ReportMetric(mb/rawTime.Seconds(), "raw-MB/s")
	b.ReportMetric(100*rawTime.Seconds()/oursTime.Seconds(), "%-of-raw")
}
