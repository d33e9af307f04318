package emulator

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Options configure a Server. The zero value is an in-memory emulator with
// no mailboxes, Outlook's documented limits and no faults.
type Options struct {
	DataDir             string        // "" = in memory; else everything survives New on the same dir
	Users               []string      // mailboxes (UPNs) that exist at start; the first one is /me
	AutoCreateMailboxes bool          // unknown mailboxes are created on first use (quickstart only)
	Demo                bool          // on a fresh store, seed the demo mailbox (see package doc)
	Clock               Clock         // nil = real clock
	SessionLifetime     time.Duration // 0 = 2h
	Limits              Limits        // zero value = Outlook's documented defaults
	Faults              Faults        // zero value = none
	Seed                int64         // seeds ids of a fresh store, fault draws and $batch answer order
	Logger              hclog.Logger  // nil = silent; authtokens are never logged
	Listen              string        // Graph origin address; "" = 127.0.0.1 on a free port (the previous one for a persistent store, when free)
	Fixtures            *Fixtures     // created at every start where missing (see the package doc); their mailboxes follow Users
	// Observe is a test hook, nil in normal use. It is called for every
	// request on both origins (not /_emulator/, and once for a whole $batch,
	// not per inner request), twice: with served false as the request
	// arrives, before its fault draw and latency; with served true once the
	// handler has returned, before net/http sends the rest of the answer (all
	// of a small one; none of an injected reset's). It runs on the serving
	// goroutine, so the request waits for it: a chaos test kills its client
	// there at a chosen request, before or after Graph acted on it. It must
	// not read r's body or keep r.
	Observe func(r *http.Request, served bool)
}

// DefaultSessionLifetime is how long an upload session lives when
// Options.SessionLifetime is zero.
const DefaultSessionLifetime = 2 * time.Hour

// Server is a running emulator: the Graph origin and the upload origin
// (where Outlook upload URLs point), both on 127.0.0.1.
type Server struct {
	opts     Options
	log      hclog.Logger
	clock    Clock
	lifetime time.Duration
	limits   Limits
	store    *store
	stats    *statsCounter
	throttle *throttler
	faults   *faultInjector

	graphLn, uploadLn   net.Listener
	graphSrv, uploadSrv *http.Server
	graphOrigin         string
	uploadOrigin        string

	reqSeq    atomic.Uint64
	closed    chan struct{} // closed by Close: stalled requests end
	closeOnce sync.Once
	closeErr  error
}

// New starts an emulator listening on two random 127.0.0.1 ports.
func New(opts Options) (*Server, error) {
	if err := opts.Limits.validate(); err != nil {
		return nil, err
	}
	if err := opts.Faults.validate(); err != nil {
		return nil, err
	}
	if diags := opts.Fixtures.Check(opts.Limits); diags.HasErrors() {
		return nil, fmt.Errorf("emulator: fixtures: %w", diags)
	}
	opts.Users = withFixtureMailboxes(opts.Users, opts.Fixtures)
	s := &Server{
		opts:     opts,
		log:      opts.Logger,
		clock:    opts.Clock,
		lifetime: opts.SessionLifetime,
		limits:   opts.Limits.withDefaults(),
		closed:   make(chan struct{}),
	}
	if s.log == nil {
		s.log = hclog.NewNullLogger()
	}
	if s.clock == nil {
		s.clock = realClock{}
	}
	if s.lifetime <= 0 {
		s.lifetime = DefaultSessionLifetime
	}
	s.stats = newStatsCounter()
	s.throttle = newThrottler(s.limits, s.clock)
	s.faults = newFaultInjector(opts.Faults, opts.Seed)

	st, fresh, err := openStore(opts.DataDir, opts.Seed)
	if err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	s.store = st
	st.mu.Lock()
	if fresh {
		st.meta.Created = s.clock.Now()
		if opts.Demo {
			seedDemo(st, s.clock.Now())
		}
	}
	for _, upn := range opts.Users {
		if st.findMailbox(upn) == nil {
			st.addMailbox(upn)
		}
	}
	if err := s.applyFixtures(st, opts.Fixtures, s.clock.Now()); err != nil {
		st.mu.Unlock()
		return nil, fmt.Errorf("emulator: %w", err)
	}
	if err := st.save(); err != nil {
		st.mu.Unlock()
		return nil, fmt.Errorf("emulator: save store: %w", err)
	}
	graphAddr, uploadAddr := st.meta.GraphAddr, st.meta.UploadAddr
	st.mu.Unlock()

	if err := s.listen(graphAddr, uploadAddr); err != nil {
		return nil, err
	}
	s.graphSrv = &http.Server{Handler: s.front(originGraph, http.HandlerFunc(s.serveGraph)), ReadHeaderTimeout: 30 * time.Second, ErrorLog: s.log.StandardLogger(&hclog.StandardLoggerOptions{ForceLevel: hclog.Debug})}
	s.uploadSrv = &http.Server{Handler: s.front(originUpload, http.HandlerFunc(s.serveUpload)), ReadHeaderTimeout: 30 * time.Second, ErrorLog: s.log.StandardLogger(&hclog.StandardLoggerOptions{ForceLevel: hclog.Debug})}
	go s.graphSrv.Serve(s.graphLn)   //nolint:errcheck // ends with Close
	go s.uploadSrv.Serve(s.uploadLn) //nolint:errcheck // ends with Close
	s.log.Info("emulator listening", "graph", s.graphOrigin, "upload", s.uploadOrigin, "persistent", opts.DataDir != "")
	return s, nil
}

// listen binds both origins. A persistent store asks for the ports it had
// last time, so upload URLs of sessions still open stay valid across a
// restart; when a port is taken it takes any free one.
func (s *Server) listen(prevGraph, prevUpload string) error {
	host := "127.0.0.1"
	var err error
	switch {
	case s.opts.Listen != "":
		s.graphLn, err = net.Listen("tcp", s.opts.Listen)
		if err != nil {
			return fmt.Errorf("emulator: listen on %s: %w", s.opts.Listen, err)
		}
		if h, _, err := net.SplitHostPort(s.opts.Listen); err == nil && h != "" {
			host = h
		}
	default:
		s.graphLn = listenPreferring(host, prevGraph)
		if s.graphLn == nil {
			return errors.New("emulator: no free port on 127.0.0.1")
		}
	}
	s.uploadLn = listenPreferring(host, prevUpload)
	if s.uploadLn == nil {
		s.graphLn.Close()
		return fmt.Errorf("emulator: no free port on %s for the upload origin", host)
	}
	s.graphOrigin = originURL(s.graphLn.Addr())
	s.uploadOrigin = originURL(s.uploadLn.Addr())
	if s.opts.DataDir != "" {
		s.store.mu.Lock()
		s.store.meta.GraphAddr = s.graphLn.Addr().String()
		s.store.meta.UploadAddr = s.uploadLn.Addr().String()
		err := s.store.save()
		s.store.mu.Unlock()
		if err != nil {
			s.graphLn.Close()
			s.uploadLn.Close()
			return fmt.Errorf("emulator: save store: %w", err)
		}
	}
	return nil
}

func listenPreferring(host, prev string) net.Listener {
	if prev != "" {
		if _, port, err := net.SplitHostPort(prev); err == nil {
			if ln, err := net.Listen("tcp", net.JoinHostPort(host, port)); err == nil {
				return ln
			}
		}
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return nil
	}
	return ln
}

func originURL(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return "http://" + a.String()
	}
	ip := tcp.IP
	if ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return "http://" + net.JoinHostPort(ip.String(), fmt.Sprint(tcp.Port))
}

// URL is the Graph origin, e.g. "http://127.0.0.1:41234"; the API is under
// /v1.0 (and /beta, an alias).
func (s *Server) URL() string { return s.graphOrigin }

// UploadOrigin is the origin Outlook upload URLs point to (Outlook's
// outlook.office.com stand-in).
func (s *Server) UploadOrigin() string { return s.uploadOrigin }

// Close stops both origins, dropping connections in flight, and releases
// the store. Open sessions of a persistent store survive.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.closed)
		err1 := s.graphSrv.Close()
		err2 := s.uploadSrv.Close()
		s.closeErr = errors.Join(err1, err2)
		s.log.Info("emulator stopped")
	})
	return s.closeErr
}

type origin int

const (
	originGraph origin = iota
	originUpload
)

// front is what every request passes first: request ids, statistics,
// introspection and fault injection.
func (s *Server) front(o origin, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o == originGraph && strings.HasPrefix(r.URL.Path, "/_emulator/") {
			s.serveIntrospection(w, r)
			return
		}
		n := s.reqSeq.Add(1)
		h := w.Header()
		h.Set("request-id", fmt.Sprintf("%08x-e0e0-4e0e-8e0e-%012x", uint32(s.opts.Seed), n))
		if id := r.Header.Get("client-request-id"); id != "" {
			h.Set("client-request-id", id)
		} else {
			h.Set("client-request-id", h.Get("request-id"))
		}
		if s.opts.Observe != nil {
			s.opts.Observe(r, false)
		}
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if s.opts.Observe != nil {
				s.opts.Observe(r, true)
			}
			s.stats.record(r.Method, rec.statusOrOK())
			// The path only: upload URLs carry their token in the query.
			s.log.Trace("request", "method", r.Method, "path", r.URL.Path, "status", rec.statusOrOK())
		}()
		s.faults.serve(s, rec, r, next)
	})
}

// statusRecorder remembers the status a handler answered with.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) statusOrOK() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

// Unwrap lets http.ResponseController reach the connection (hijack, flush).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
