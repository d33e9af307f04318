package emulator

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Faults make the emulator misbehave on purpose, the way the real service
// does. Shares are of requests (0..1, summing to at most 1); each request,
// and each request inside a $batch, draws once from a generator seeded with
// Options.Seed, so a client that sends the same requests in the same order
// meets the same faults. The package doc says how faults look inside $batch.
type Faults struct {
	Latency   time.Duration // server time every HTTP request takes, inside its mailbox's concurrency slot (package doc; not per inner $batch request)
	Rate503   float64       // answered 503 + Retry-After, without effect
	Rate429   float64       // answered 429 + Retry-After, without effect
	RateReset float64       // served, then the connection is dropped before the answer (inside $batch: 504)
	// Only, when set, limits the faults (latency included) to the requests
	// it accepts, e.g. only a client's POSTs; others are served normally and
	// draw nothing, so the matching requests meet a reproducible sequence.
	// It is asked about the outer POST of a $batch and about each inner
	// request, the latter seen as if sent alone (method, URL under the batch's
	// version, own headers, a copy of the body).
	Only func(r *http.Request) bool
	// RetryAfterZero makes injected 503s and 429s say "Retry-After: 0"
	// instead of 1, for tests that meet many faults and must not sleep
	// through them (a client honours the header, so 1 s each adds up).
	// Throttling by the mailbox limits is not affected.
	RetryAfterZero bool
	// Stall, when set, is asked about every HTTP request (not the inner
	// requests of a $batch) before any other fault; one it picks goes
	// silent as the StallKind says. A test hook: see StallKind.
	Stall func(r *http.Request) StallKind
}

func (f Faults) validate() error {
	for _, r := range []float64{f.Rate503, f.Rate429, f.RateReset} {
		if r < 0 || r > 1 {
			return fmt.Errorf("emulator: faults: share %v is not between 0 and 1", r)
		}
	}
	if f.Rate503+f.Rate429+f.RateReset > 1 {
		return fmt.Errorf("emulator: faults: shares add up to more than 1")
	}
	if f.Latency < 0 {
		return fmt.Errorf("emulator: faults: negative latency")
	}
	return nil
}

// ParseFaults reads the CLI's fault spec, e.g.
// "503=0.05,429=0.02,reset=0.01,latency=20ms"; any subset, "" for none.
func ParseFaults(spec string) (Faults, error) {
	var f Faults
	spec = strings.TrimSpace(spec)
	if spec == "" || spec == "none" {
		return f, nil
	}
	for _, part := range strings.Split(spec, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return Faults{}, fmt.Errorf("faults: %q is not KEY=VALUE", part)
		}
		var err error
		switch k {
		case "503":
			f.Rate503, err = parseShare(v)
		case "429":
			f.Rate429, err = parseShare(v)
		case "reset":
			f.RateReset, err = parseShare(v)
		case "latency":
			f.Latency, err = time.ParseDuration(v)
		default:
			return Faults{}, fmt.Errorf("faults: unknown fault %q (want 503, 429, reset or latency)", k)
		}
		if err != nil {
			return Faults{}, fmt.Errorf("faults: %s=%s: %w", k, v, err)
		}
	}
	if err := f.validate(); err != nil {
		return Faults{}, err
	}
	return f, nil
}

func parseShare(s string) (float64, error) {
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || x < 0 || x > 1 {
		return 0, fmt.Errorf("want a share between 0 and 1")
	}
	return x, nil
}

type faultInjector struct {
	mu                       sync.Mutex // guards f and rng
	f                        Faults
	rng                      *rand.Rand
	n503, n429, nReset, nLat atomic.Int64
}

func newFaultInjector(f Faults, seed int64) *faultInjector {
	return &faultInjector{f: f, rng: rand.New(rand.NewPCG(uint64(seed), 0x6661756c7473))}
}

// statusReset marks, in statistics, a request whose connection was dropped.
const statusReset = -1

// SetFaults replaces the faults in force, e.g. to switch them on once a
// test has set up its items. The generator keeps its sequence.
func (s *Server) SetFaults(f Faults) error {
	if err := f.validate(); err != nil {
		return err
	}
	s.faults.mu.Lock()
	s.faults.f = f
	s.faults.mu.Unlock()
	return nil
}

// fault is the outcome of one draw.
type fault int

const (
	noFault fault = iota
	fault503
	fault429
	faultReset
)

// draw decides r's fault. applies is false when Only refuses r: then
// nothing is drawn and no latency added, so the requests Only accepts meet
// a sequence that does not depend on the others.
func (fi *faultInjector) draw(r *http.Request) (f fault, latency time.Duration, applies bool) {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	cfg := fi.f
	if cfg.Only != nil && !cfg.Only(r) {
		return noFault, 0, false
	}
	if cfg.Rate503+cfg.Rate429+cfg.RateReset == 0 {
		return noFault, cfg.Latency, true
	}
	switch u := fi.rng.Float64(); {
	case u < cfg.Rate503:
		return fault503, cfg.Latency, true
	case u < cfg.Rate503+cfg.Rate429:
		return fault429, cfg.Latency, true
	case u < cfg.Rate503+cfg.Rate429+cfg.RateReset:
		return faultReset, cfg.Latency, true
	}
	return noFault, cfg.Latency, true
}

// refusal is the answer to an injected 503 or 429, and counts it.
func (fi *faultInjector) refusal(f fault) *apiErr {
	fi.mu.Lock()
	after := 1
	if fi.f.RetryAfterZero {
		after = retryAfterZero
	}
	fi.mu.Unlock()
	if f == fault503 {
		fi.n503.Add(1)
		return &apiErr{Status: http.StatusServiceUnavailable, Code: "ServiceUnavailable", Msg: "The service is temporarily unavailable (injected fault).", RetryAfter: after}
	}
	fi.n429.Add(1)
	return &apiErr{Status: http.StatusTooManyRequests, Code: "ApplicationThrottled", Msg: "Application is over its limit (injected fault).", RetryAfter: after}
}

func (fi *faultInjector) serve(s *Server, w *statusRecorder, r *http.Request, next http.Handler) {
	fi.mu.Lock()
	stall := fi.f.Stall
	fi.mu.Unlock()
	if stall != nil {
		if kind := stall(r); kind != NoStall {
			s.stall(w, r, next, kind)
			return
		}
	}
	f, latency, applies := fi.draw(r)
	if !applies {
		next.ServeHTTP(w, r)
		return
	}
	var debt *latencyDebt // nil: none owed
	if latency > 0 {
		fi.nLat.Add(1)
		r, debt = owingLatency(r, latency)
	}
	switch f {
	case fault503, fault429:
		// Refused at the door: the latency, then the refusal.
		if !debt.spend(r.Context()) {
			return
		}
		s.writeErr(w, fi.refusal(f))
	case faultReset:
		fi.nReset.Add(1)
		// The request takes full effect; its answer goes nowhere and the
		// connection is dropped: the case that turns naive retries into
		// duplicates.
		next.ServeHTTP(&discardWriter{h: http.Header{}}, r)
		debt.spend(r.Context())
		w.status = statusReset
		panic(http.ErrAbortHandler)
	default:
		if debt == nil {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(&latencyWriter{ResponseWriter: w, debt: debt, ctx: r.Context()}, r)
	}
}

// discardWriter swallows an answer.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}
