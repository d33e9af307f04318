// Package clouds is the one table of the Microsoft clouds attachform knows:
// the values of the graph block's cloud argument, where each cloud's Graph
// is, and which hosts serve its Outlook upload URLs. spec checks manifests
// with it (cloud and endpoint must agree), graph sends tokens and bytes
// only where it says.
package clouds

import (
	"net/url"
	"strings"
)

// Cloud is one national cloud, or the global one.
type Cloud struct {
	// Name is the manifest's spelling: cloud = "usgov".
	Name string
	// Graph is the origin of Microsoft Graph in this cloud, no trailing
	// slash; tokens are asked for its audience (Graph + "/.default").
	Graph string
	// Login is the Entra ID authority that issues its tokens.
	Login string
	// Outlook are the hosts of Outlook's pre-authenticated upload URLs in
	// this cloud, from Microsoft's national cloud deployment tables. An
	// upload URL elsewhere would receive file content: it is refused.
	Outlook []string
}

// Global is the default cloud's name.
const Global = "global"

// All are the clouds, the default first.
var All = []Cloud{
	{Name: Global, Graph: "https://graph.microsoft.com", Login: "https://login.microsoftonline.com",
		Outlook: []string{"outlook.office.com", "outlook.office365.com"}},
	{Name: "usgov", Graph: "https://graph.microsoft.us", Login: "https://login.microsoftonline.us",
		Outlook: []string{"outlook.office365.us"}},
	{Name: "usgov_dod", Graph: "https://dod-graph.microsoft.us", Login: "https://login.microsoftonline.us",
		Outlook: []string{"outlook-dod.office365.us"}},
	{Name: "china", Graph: "https://microsoftgraph.chinacloudapi.cn", Login: "https://login.chinacloudapi.cn",
		Outlook: []string{"partner.outlook.cn"}},
}

// Lookup returns the cloud called name; "" is the global cloud.
func Lookup(name string) (Cloud, bool) {
	if name == "" {
		name = Global
	}
	for _, c := range All {
		if c.Name == name {
			return c, true
		}
	}
	return Cloud{}, false
}

// Names are the values cloud accepts, the default first.
func Names() []string {
	out := make([]string, len(All))
	for i, c := range All {
		out[i] = c.Name
	}
	return out
}

// ByEndpoint returns the cloud whose Graph endpoint is at the origin of
// endpoint (an https URL; host in any case, port 443 implied or said).
func ByEndpoint(endpoint string) (Cloud, bool) {
	u, err := url.Parse(endpoint)
	if err != nil || !strings.EqualFold(u.Scheme, "https") || (u.Port() != "" && u.Port() != "443") {
		return Cloud{}, false
	}
	for _, c := range All {
		if strings.EqualFold("https://"+u.Hostname(), c.Graph) {
			return c, true
		}
	}
	return Cloud{}, false
}
