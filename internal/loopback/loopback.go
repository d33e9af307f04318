// Package loopback decides whether a host or URL names this machine. Only
// such endpoints may go without TLS or credentials (a local emulator):
// traffic to them never leaves the machine. Every package that makes that
// decision asks here, so that the manifest check, the client and the CLI
// can never disagree.
package loopback

import (
	"net/netip"
	"net/url"
	"strings"
)

// Host reports whether host (as url.URL.Hostname gives it, no port; an IPv6
// address may keep its brackets) names this machine: "localhost" in any
// case, or a loopback IP address (127.0.0.0/8, ::1, and IPv4 loopback
// written as an IPv6-mapped address).
//
// Anything else is not loopback, even when a resolver might make it so:
// names under localhost or that resolve to 127.0.0.1 ("127.0.0.1.nip.io"),
// shortened or octal forms ("127.1", "0177.0.0.1"), addresses with a zone,
// and "0.0.0.0". When in doubt the answer is no, which is the safe side:
// no means TLS and a real credential are required.
func Host(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || ip.Zone() != "" {
		return false
	}
	return ip.Unmap().IsLoopback()
}

// Endpoint reports whether the absolute URL endpoint names this machine
// (see Host).
func Endpoint(endpoint string) bool {
	u, err := url.Parse(endpoint)
	return err == nil && u.Host != "" && Host(u.Hostname())
}
