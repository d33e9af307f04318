package graph

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/attachform/attachform/internal/loopback"
	"github.com/attachform/attachform/item"
)

// Cloud names accepted in Options.Cloud and AuthConfig.Cloud; they match the
// manifest's `cloud` attribute.
const (
	CloudGlobal   = "global"
	CloudUSGov    = "usgov"
	CloudUSGovDoD = "usgov_dod"
	CloudChina    = "china"
)

// cloudInfo is what a national cloud changes: where Graph is, who issues
// tokens, and which hosts may serve Outlook's pre-authenticated upload URLs.
// Outlook hosts come from Microsoft's national cloud deployment tables; an
// upload URL elsewhere is refused because it would receive file content.
type cloudInfo struct {
	name         string
	graph        string // origin, no trailing slash
	login        cloud.Configuration
	outlookHosts []string
}

var clouds = map[string]cloudInfo{
	CloudGlobal: {
		name:         CloudGlobal,
		graph:        "https://graph.microsoft.com",
		login:        cloud.AzurePublic,
		outlookHosts: []string{"outlook.office.com", "outlook.office365.com"},
	},
	CloudUSGov: {
		name:         CloudUSGov,
		graph:        "https://graph.microsoft.us",
		login:        cloud.AzureGovernment,
		outlookHosts: []string{"outlook.office365.us"},
	},
	CloudUSGovDoD: {
		name:         CloudUSGovDoD,
		graph:        "https://dod-graph.microsoft.us",
		login:        cloud.AzureGovernment,
		outlookHosts: []string{"outlook-dod.office365.us"},
	},
	CloudChina: {
		name:         CloudChina,
		graph:        "https://microsoftgraph.chinacloudapi.cn",
		login:        cloud.AzureChina,
		outlookHosts: []string{"partner.outlook.cn"},
	},
}

func lookupCloud(name string) (cloudInfo, error) {
	if name == "" {
		name = CloudGlobal
	}
	ci, ok := clouds[name]
	if !ok {
		return cloudInfo{}, fmt.Errorf("unknown cloud %q: use %q, %q, %q or %q", name, CloudGlobal, CloudUSGov, CloudUSGovDoD, CloudChina)
	}
	return ci, nil
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
	if c.loopback && isLoopback(host) {
		return u, nil
	}
	if slices.ContainsFunc(c.cloud.outlookHosts, func(h string) bool { return strings.EqualFold(h, host) }) {
		return u, nil
	}
	return nil, fmt.Errorf("%w: Outlook upload URL is on %s, which is not an Outlook host of the %s cloud (%s)", ErrUnsafeURL, host, c.cloud.name, strings.Join(c.cloud.outlookHosts, ", "))
}
