package emulator

import (
	"bytes"
	"io"
	"net/http"
)

// StallKind is how a request picked by Faults.Stall goes silent.
//
// A test hook, not a Graph behaviour: no Graph document describes a
// service that holds a connection open and sends nothing. Dead proxies and
// hung load balancers in front of it do, and clients must end such waits
// by themselves (issue 18). The connection stays open and silent until
// the client gives up or the emulator closes.
type StallKind int

const (
	NoStall StallKind = iota
	// StallUnanswered: the request is read in full and never served nor
	// answered: it takes no effect.
	StallUnanswered
	// StallMidAnswer: the request is served in full (it takes effect);
	// its answer stops after the headers and half of its body.
	StallMidAnswer
	// StallMidRequest: half of the request's body is read, then nothing
	// more: it is not served and takes no effect.
	StallMidRequest
)

// statusStalled marks, in statistics, a request that was left silent.
const statusStalled = -2

// stall leaves r silent as kind says.
func (s *Server) stall(w *statusRecorder, r *http.Request, next http.Handler, kind StallKind) {
	switch kind {
	case StallUnanswered:
		_, _ = io.Copy(io.Discard, r.Body)
		w.status = statusStalled
	case StallMidRequest:
		_, _ = io.CopyN(io.Discard, r.Body, max(r.ContentLength/2, 0))
		w.status = statusStalled
	case StallMidAnswer:
		buf := &bufferedAnswer{h: http.Header{}}
		next.ServeHTTP(buf, r)
		for k, v := range buf.h {
			w.Header()[k] = v
		}
		body := buf.b.Bytes()
		w.WriteHeader(buf.statusOrOK())
		_, _ = w.Write(body[:len(body)/2])
		_ = http.NewResponseController(w).Flush()
	}
	select {
	case <-r.Context().Done():
	case <-s.closed:
	}
}

// bufferedAnswer holds an answer whole, for StallMidAnswer to send part of.
type bufferedAnswer struct {
	h      http.Header
	status int
	b      bytes.Buffer
}

func (a *bufferedAnswer) Header() http.Header { return a.h }
func (a *bufferedAnswer) WriteHeader(code int) {
	if a.status == 0 {
		a.status = code
	}
}
func (a *bufferedAnswer) Write(p []byte) (int, error) {
	if a.status == 0 {
		a.status = http.StatusOK
	}
	return a.b.Write(p)
}
func (a *bufferedAnswer) statusOrOK() int {
	if a.status == 0 {
		return http.StatusOK
	}
	return a.status
}
