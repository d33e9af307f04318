package graph

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/attachform/attachform/internal/clouds"
	"github.com/attachform/attachform/internal/loopback"
	"github.com/attachform/attachform/item"
)

// Cloud names accepted in Options.Cloud and AuthConfig.Cloud; they match the
// manifest's `cloud` attribute (internal/clouds holds the table).
const (
	CloudGlobal   = "global"
	CloudUSGov    = "usgov"
	CloudUSGovDoD = "usgov_dod"
	CloudChina    = "china"
)

// cloudInfo is what a national cloud changes: where Graph is, who issues
// tokens, and which hosts may serve Outlook's pre-authenticated upload URLs.
// The hosts are internal/clouds'; an upload URL elsewhere is refused
// because it would receive file content.
type cloudInfo struct {
	name         string
	graph        string // origin, no trailing slash
	login        cloud.Configuration
	outlookHosts []string
}

// logins are the azidentity authorities of the clouds.
var logins = map[string]cloud.Configuration{
	CloudGlobal:   cloud.AzurePublic,
	CloudUSGov:    cloud.AzureGovernment,
	CloudUSGovDoD: cloud.AzureGovernment,
	CloudChina:    cloud.AzureChina,
}

func lookupCloud(name string) (cloudInfo, error) {
	c, ok := clouds.Lookup(name)
	login, known := logins[c.Name]
	if !ok || !known {
		return cloudInfo{}, fmt.Errorf("unknown cloud %q: use %s", name, strings.Join(clouds.Names(), ", "))
	}
	return cloudInfo{name: c.Name, graph: c.Graph, login: login, outlookHosts: c.Outlook}, nil
}

// checkEndpointCloud refuses a Graph endpoint that is not the cloud's own
// Graph: the token is for that Graph, from that cloud's sign-in, and goes
// nowhere else. Loopback endpoints (the emulator) get no real token.
func checkEndpointCloud(base *url.URL, loopback bool, ci cloudInfo) error {
	if loopback {
		return nil
	}
	if c, ok := clouds.ByEndpoint(base.String()); ok && c.Name == ci.name {
		return nil
	}
	host, cloud := base.Host, ci.name
	if c, ok := clouds.ByEndpoint("https://" + host); ok {
		return fmt.Errorf("graph endpoint %s is the Graph of the %s cloud, but the cloud is %s: set cloud = %q, or leave endpoint out", clean(host, 100), c.Name, cloud, c.Name)
	}
	var known []string
	for _, c := range clouds.All {
		known = append(known, c.Graph+" ("+c.Name+")")
	}
	return fmt.Errorf("graph endpoint %s is not Microsoft Graph in any cloud (%s): a token is sent only to the cloud's Graph, or to an emulator on this machine", clean(host, 100), strings.Join(known, ", "))
}

// isLoopback reports whether host (no port) names this machine. Only
// loopback endpoints may go without credentials or TLS: traffic to them never
// leaves the machine. The rule is loopback.Host's, the one spec checks
// manifests with.
func isLoopback(host string) bool { return loopback.Host(host) }

// origin is scheme://host[:port] in canonical form, so that two URLs can be
// compared for "same server" before a token is attached.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	switch {
	case port == "" && scheme == "https":
		port = "443"
	case port == "" && scheme == "http":
		port = "80"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// checkUploadURL refuses an upload URL that would send file bytes, or for
// To Do the bearer token, anywhere but where Graph's documentation says they
// go. It runs before the first byte of a session is sent.
func (c *Client) checkUploadURL(k item.Kind, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return nil, fmt.Errorf("%w: upload URL is not an absolute URL", ErrUnsafeURL)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: upload URL carries user information", ErrUnsafeURL)
	}
	host := u.Hostname()
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(host):
	default:
		return nil, fmt.Errorf("%w: upload URL must use https (got %s on %s)", ErrUnsafeURL, u.Scheme, host)
	}
	switch k.Traits().Service {
	case item.Todo:
		// To Do's upload URL is a Graph resource and gets the bearer token.
		if origin(u) != c.origin {
			return nil, fmt.Errorf("%w: To Do upload URL is on %s, not on the Graph endpoint %s; the token is only sent to Graph", ErrUnsafeURL, host, c.base.Host)
		}
		return u, nil
	case item.Outlook:
	default:
		// A kind nobody taught the client where its uploads go gets no
		// guess: neither the token nor the bytes.
		return nil, fmt.Errorf("%w: no known upload host for item kind %q", ErrUnsafeURL, k)
	}
	if c.loopback {
		// The emulator: its Graph origin, or its upload origin.
		if err := c.emulatorOrigin(u, "Outlook upload URL"); err != nil {
			return nil, err
		}
		return u, nil
	}
	if slices.ContainsFunc(c.cloud.outlookHosts, func(h string) bool { return strings.EqualFold(h, host) }) {
		return u, nil
	}
	return nil, fmt.Errorf("%w: Outlook upload URL is on %s, which is not an Outlook host of the %s cloud (%s)", ErrUnsafeURL, clean(host, 100), c.cloud.name, strings.Join(c.cloud.outlookHosts, ", "))
}

// emulatorOrigin accepts u, with a loopback endpoint, when it is on one of
// the emulator's two origins: the Graph origin, or its upload origin (from
// Options.UploadOrigin, or else the first loopback origin an Outlook
// upload URL named). what names the URL for the error.
func (c *Client) emulatorOrigin(u *url.URL, what string) error {
	o := origin(u)
	if o == c.origin {
		return nil
	}
	if !isLoopback(u.Hostname()) || u.User != nil {
		return fmt.Errorf("%w: %s is on %s, but the Graph endpoint is a local emulator (%s): only its own loopback origins are accepted", ErrUnsafeURL, what, clean(u.Host, 100), c.base.Host)
	}
	c.uploadMu.Lock()
	defer c.uploadMu.Unlock()
	switch c.uploadOrigin {
	case o:
		return nil
	case "":
		if what == "Outlook upload URL" {
			c.uploadOrigin = o
			return nil
		}
		return fmt.Errorf("%w: %s is on %s, which is neither the emulator's Graph origin %s nor an upload origin it named", ErrUnsafeURL, what, clean(u.Host, 100), c.origin)
	}
	return fmt.Errorf("%w: %s is on %s, but the emulator's origins are %s and %s", ErrUnsafeURL, what, clean(u.Host, 100), c.origin, c.uploadOrigin)
}

// checkLocation checks the Location of a finished upload before its
// attachment id is believed: resolved against the URL the range went to,
// it must be on the Graph endpoint, on the cloud's Graph host (To Do's
// examples) or on one of its Outlook hosts (Outlook's), over https; with a
// loopback endpoint, on the emulator's two origins.
func (c *Client) checkLocation(put, loc string) error {
	base, err := url.Parse(put)
	if err != nil {
		return fmt.Errorf("%w: unreadable upload URL", ErrUnsafeURL)
	}
	u, err := base.Parse(strings.TrimSpace(loc))
	if err != nil || u.Host == "" {
		return fmt.Errorf("%w: the Location is not a URL", ErrUnsafeURL)
	}
	if u.User != nil {
		return fmt.Errorf("%w: the Location carries user information", ErrUnsafeURL)
	}
	if c.loopback {
		return c.emulatorOrigin(u, "the Location")
	}
	host := u.Hostname()
	switch {
	case u.Scheme != "https":
		return fmt.Errorf("%w: the Location is not https (%s on %s)", ErrUnsafeURL, clean(u.Scheme, 20), clean(host, 100))
	case origin(u) == c.origin, strings.EqualFold("https://"+host, c.cloud.graph) && u.Port() == "":
		return nil
	case slices.ContainsFunc(c.cloud.outlookHosts, func(h string) bool { return strings.EqualFold(h, host) }):
		return nil
	}
	return fmt.Errorf("%w: the Location names %s, which is neither Graph nor an Outlook host of the %s cloud (%s)", ErrUnsafeURL, clean(host, 100), c.cloud.name, strings.Join(c.cloud.outlookHosts, ", "))
}
