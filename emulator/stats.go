package emulator

import (
	"net/http"
	"strconv"
	"sync"
)

// Stats is the JSON answer of GET /_emulator/stats (and of Server.Stats).
// The package doc shows its shape.
type Stats struct {
	Requests           RequestStats   `json:"requests"`
	OpenUploadSessions int            `json:"openUploadSessions"`
	SessionBytes       int64          `json:"sessionBytes"` // bytes received by open sessions
	Mailboxes          int            `json:"mailboxes"`
	Items              int            `json:"items"`
	Attachments        int            `json:"attachments"`
	AttachmentsPerItem map[string]int `json:"attachmentsPerItem"` // item id (REST id) → attachments, every item
	BytesStored        int64          `json:"bytesStored"`        // attachment contents, exact byte counts
	Throttled          int64          `json:"throttled"`          // 429s from the mailbox limits
	Faults             FaultStats     `json:"faults"`
}

// RequestStats counts HTTP requests on both origins; /_emulator/ is not
// counted. Inner $batch requests count in Batched only.
type RequestStats struct {
	Total    int64            `json:"total"`
	Batched  int64            `json:"batched"`
	ByMethod map[string]int64 `json:"byMethod"`
	ByStatus map[string]int64 `json:"byStatus"` // "200", "429", …; "reset" for dropped connections
}

// FaultStats counts injected faults.
type FaultStats struct {
	Unavailable int64 `json:"503"`
	Throttled   int64 `json:"429"`
	Reset       int64 `json:"reset"`
	Delayed     int64 `json:"latency"`
}

type statsCounter struct {
	mu       sync.Mutex
	total    int64
	batched  int64
	byMethod map[string]int64
	byStatus map[string]int64
}

func newStatsCounter() *statsCounter {
	return &statsCounter{byMethod: map[string]int64{}, byStatus: map[string]int64{}}
}

func (c *statsCounter) record(method string, status int) {
	key := strconv.Itoa(status)
	switch status {
	case statusReset:
		key = "reset"
	case statusStalled:
		key = "stalled"
	}
	c.mu.Lock()
	c.total++
	c.byMethod[method]++
	c.byStatus[key]++
	c.mu.Unlock()
}

func (c *statsCounter) recordBatched(n int) {
	c.mu.Lock()
	c.batched += int64(n)
	c.mu.Unlock()
}

// Stats returns the same figures as GET /_emulator/stats.
func (s *Server) Stats() Stats {
	var out Stats
	c := s.stats
	c.mu.Lock()
	out.Requests = RequestStats{Total: c.total, Batched: c.batched, ByMethod: map[string]int64{}, ByStatus: map[string]int64{}}
	for k, v := range c.byMethod {
		out.Requests.ByMethod[k] = v
	}
	for k, v := range c.byStatus {
		out.Requests.ByStatus[k] = v
	}
	c.mu.Unlock()

	st := s.store
	st.mu.Lock()
	st.purgeExpired(s.clock.Now())
	out.OpenUploadSessions = len(st.sessions)
	for _, ss := range st.sessions {
		out.SessionBytes += ss.Received
	}
	out.Mailboxes = len(st.meta.Mailboxes)
	out.AttachmentsPerItem = map[string]int{}
	count := func(items []*item) {
		for _, it := range items {
			out.Items++
			out.AttachmentsPerItem[it.ID] = len(it.Attachments)
			out.Attachments += len(it.Attachments)
			for _, a := range it.Attachments {
				out.BytesStored += a.Bytes
			}
		}
	}
	for _, mb := range st.meta.Mailboxes {
		for _, k := range kindOrder {
			if in := k.def().items; in != nil {
				count(*in(mb))
			}
		}
		for _, l := range mb.Lists {
			count(l.Tasks)
		}
	}
	st.mu.Unlock()

	out.Throttled = s.throttle.throttled.Load()
	out.Faults = FaultStats{
		Unavailable: s.faults.n503.Load(),
		Throttled:   s.faults.n429.Load(),
		Reset:       s.faults.nReset.Load(),
		Delayed:     s.faults.nLat.Load(),
	}
	return out
}

// serveIntrospection serves /_emulator/, outside Graph's namespace.
func (s *Server) serveIntrospection(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/_emulator/stats" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	writeJSON(w, http.StatusOK, s.Stats())
}
