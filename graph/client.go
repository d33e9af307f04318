package graph

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-retryablehttp"
)

// DefaultRangeSize is the upload-session range size: under Outlook's 4 MB
// guidance and To Do's hard 4 MB cap per PUT.
const DefaultRangeSize = 3840 << 10 // 3.75 MiB

// maxRangeSize is To Do's cap on one PUT.
const maxRangeSize = 4 << 20

// rangeUnit is what a range shortened to fit a mailbox's upload window is
// a multiple of: 320 KiB, the unit Graph's OneDrive sessions want, which
// DefaultRangeSize is a multiple of (12 units) and which apply's 64 KiB
// verification blocks divide.
const rangeUnit = 320 << 10

// Options configure a Client.
type Options struct {
	// Endpoint is Graph's origin, e.g. "https://graph.microsoft.com" or the
	// emulator's "http://127.0.0.1:PORT"; the client appends /v1.0. Empty:
	// the cloud's Graph endpoint.
	Endpoint string
	// Cloud is "global" (default), "usgov", "usgov_dod" or "china": it sets
	// the default endpoint, the token scope and the hosts allowed for
	// Outlook upload URLs.
	Cloud string
	// Credential supplies bearer tokens (see NewCredential). nil is only
	// allowed for a loopback endpoint, which then gets LoopbackToken.
	Credential azcore.TokenCredential
	// Logger receives one trace line per HTTP attempt and debug lines for
	// retries and throttling; secrets never reach it. nil: no logging.
	Logger hclog.Logger
	// RangeSize is the upload-session range size; 0 = DefaultRangeSize. At
	// most 4 MiB (To Do refuses larger PUTs).
	RangeSize int64
	// Limits throttle requests per mailbox; zero = Outlook's documented
	// limits.
	Limits MailboxLimits
	// Retry tunes the retry policy; zero = defaults.
	Retry RetryOptions
	// Transport carries the HTTP requests; nil = a pooled transport of our
	// own. The client adds authorization, limits and retries on top.
	Transport http.RoundTripper
	// Now is the clock that judges upload-session expiry; nil = time.Now.
	// Tests pass the emulator's fake clock.
	Now func() time.Time
	// Bounds limit how long the client waits on an answer and how much
	// of one it reads; zero fields = defaults (see Bounds).
	Bounds Bounds
	// UploadOrigin is the emulator's second origin, where its Outlook
	// upload URLs point (emulator.Server.UploadOrigin); only for a
	// loopback Endpoint. Empty with a loopback Endpoint: the first
	// loopback origin an Outlook upload URL names becomes it. Upload URLs
	// and the Location of a finished upload must be on the Graph origin
	// or this one; on a real cloud, on the hosts Graph documents for it.
	UploadOrigin string
}

// Client is a Microsoft Graph client for file attachments. It is safe for
// concurrent use.
type Client struct {
	base      *url.URL // endpoint + /v1.0, no trailing slash
	origin    string   // origin(base): the only place bearer tokens go
	cloud     cloudInfo
	loopback  bool
	tokens    *tokenCache
	http      *retryablehttp.Client
	log       hclog.Logger
	rangeSize int64
	limits    *limiters
	hosts     hostWatches // what each host's silence is, for ErrNoAnswer
	retry     RetryOptions
	bounds    Bounds
	now       func() time.Time

	uploadMu     sync.Mutex
	uploadOrigin string // loopback only: the emulator's upload origin, once known

	// seenLabels are the labels lookups found (labelKey → string): a
	// refresh of an item a data source found does not ask its subject,
	// title or list name again.
	seenLabels sync.Map
}

// New checks opts and returns a Client. It sends nothing.
func New(opts Options) (*Client, error) {
	ci, err := lookupCloud(opts.Cloud)
	if err != nil {
		return nil, err
	}
	endpoint := opts.Endpoint
	if endpoint == "" {
		endpoint = ci.graph
	}
	base, err := url.Parse(strings.TrimRight(endpoint, "/"))
	if err != nil || !base.IsAbs() || base.Host == "" || base.User != nil || base.RawQuery != "" || base.Fragment != "" {
		return nil, fmt.Errorf("graph endpoint %q is not an origin like https://graph.microsoft.com", Redact(endpoint))
	}
	loopback := isLoopback(base.Hostname())
	switch {
	case base.Scheme == "https":
	case base.Scheme == "http" && loopback:
	default:
		return nil, fmt.Errorf("graph endpoint %s must use https (plain http only for loopback addresses)", base.Host)
	}
	if err := checkEndpointCloud(base, loopback, ci); err != nil {
		return nil, err
	}
	if opts.Credential == nil && !loopback {
		return nil, fmt.Errorf("graph endpoint %s needs a credential (only loopback endpoints such as the emulator work without one)", base.Host)
	}
	if strings.TrimRight(base.Path, "/") == "" {
		base.Path = "/v1.0"
	}
	rs := opts.RangeSize
	switch {
	case rs == 0:
		rs = DefaultRangeSize
	case rs < 0 || rs > maxRangeSize:
		return nil, fmt.Errorf("range size %d out of bounds: 1 byte to 4 MiB", rs)
	}
	var uploadOrigin string
	if opts.UploadOrigin != "" {
		u, err := url.Parse(opts.UploadOrigin)
		if err != nil || !loopback || u.Host == "" || !isLoopback(u.Hostname()) || (u.Path != "" && u.Path != "/") || u.User != nil {
			return nil, fmt.Errorf("upload origin %q must be a loopback origin such as http://127.0.0.1:PORT, with a loopback endpoint (the emulator's)", Redact(opts.UploadOrigin))
		}
		uploadOrigin = origin(u)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = hclog.NewNullLogger()
	}
	c := &Client{
		base:      base,
		origin:    origin(base),
		cloud:     ci,
		loopback:  loopback,
		log:       log,
		rangeSize: rs,
		retry:     opts.Retry.withDefaults(),
		bounds:    opts.Bounds.withDefaults(),
		now:       now,

		uploadOrigin: uploadOrigin,
	}
	cred := opts.Credential
	if cred == nil {
		cred = loopbackCredential{} // checked above: the endpoint is loopback
	}
	// The token's audience is the Graph resource itself, e.g.
	// https://graph.microsoft.us/.default in US Government.
	c.tokens = &tokenCache{cred: cred, scope: base.Scheme + "://" + base.Host + "/.default"}
	c.limits = newLimiters(opts.Limits, c.retry.wait)
	rt := opts.Transport
	if rt == nil {
		rt = newTransport(c.bounds.IdleTimeout)
	}
	hc := &http.Client{
		Transport:     &transport{c: c, base: rt},
		CheckRedirect: c.checkRedirect,
	}
	c.http = &retryablehttp.Client{
		HTTPClient:   hc,
		Logger:       nil, // its messages carry URLs; ours are redacted
		RetryWaitMin: c.retry.WaitMin,
		RetryWaitMax: c.retry.WaitMax,
		RetryMax:     c.retry.MaxRetries,
		CheckRetry:   c.checkRetry,
		Backoff:      c.backoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	return c, nil
}

// maxRedirects bounds the redirects of one GET.
const maxRedirects = 5

// checkRedirect follows redirects only where nothing can leak and nothing
// can be done twice: never for a request that sends content or changes
// something (its body, or the change, would go to wherever the redirect
// points), never for upload-session URLs (they are credentials
// themselves), never from https down to plain http, and at most
// maxRedirects times. Bearer tokens are added per attempt by the transport
// and only for the Graph origin, so a redirect to another host never
// carries one.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	m := metaFrom(req.Context())
	first, prev := via[0], via[len(via)-1]
	status := "a redirect"
	if req.Response != nil {
		status = statusText(req.Response.StatusCode)
	}
	switch {
	case m.session:
		return fmt.Errorf("%w: the upload URL answered %s to %s; attachform follows no redirect of an upload URL", ErrUnsafeURL, status, req.URL.Host)
	case first.Method != http.MethodGet && first.Method != http.MethodHead:
		return fmt.Errorf("%w: Graph answered %s, sending the %s to %s; attachform follows no redirect of a request that sends content or changes something", ErrUnsafeURL, status, first.Method, req.URL.Host)
	case len(via) > maxRedirects:
		return fmt.Errorf("%w: stopped after %d redirects (the last %s to %s): a redirect loop at Graph or a proxy", ErrMisbehaving, maxRedirects, status, req.URL.Host)
	case prev.URL.Scheme == "https" && req.URL.Scheme != "https" && !isLoopback(req.URL.Hostname()):
		return fmt.Errorf("%w: redirect from https to %s", ErrUnsafeURL, req.URL.Scheme)
	}
	return nil
}
