package spec

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/attachform/attachform/internal/authmode"
	"github.com/attachform/attachform/internal/bytesize"
	"github.com/attachform/attachform/internal/clouds"
	"github.com/attachform/attachform/internal/loopback"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Values the graph block accepts: internal/clouds and internal/authmode
// are their tables, which graph builds clients and credentials from.
var (
	Clouds    = clouds.Names()
	AuthModes = authmode.Names()
)

// MaxMailboxConcurrency is Outlook's limit of concurrent requests per app
// and mailbox; more only earns 429s.
const MaxMailboxConcurrency = 4

// graphAllowed is what graph arguments may refer to: variables and local
// values, as long as those do not depend on data sources or targets (data
// sources are looked up through the client the graph block configures).
const graphAllowed = refVar | refLocal

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func (l *loader) decodeGraph() {
	if l.graphBlock == nil {
		return
	}
	content, diags := l.graphBlock.Body.Content(graphSchema)
	l.add(diags...)
	g := &l.cfg.Graph
	authBad := false // an auth reported wrong: its tenant and client rules are moot
	for _, name := range keys(content.Attributes) {
		a := content.Attributes[name]
		if !l.graphIndependent(a) {
			continue
		}
		switch name {
		case "mailbox_concurrency":
			if n, ok := l.graphWhole(a, 1, MaxMailboxConcurrency, fmt.Sprintf("mailbox_concurrency must be a whole number from 1 to %d: Outlook allows %d concurrent requests per app and mailbox.", MaxMailboxConcurrency, MaxMailboxConcurrency)); ok {
				g.MailboxConcurrency = n
			}
			continue
		case "response_timeout", "min_transfer_rate":
			// Deadlines sized to bytes went: they let a silent Graph hold a
			// run for many minutes per attempt.
			l.add(graphError(a, "Removed argument",
				fmt.Sprintf("%s is gone: requests no longer get a deadline sized to their bytes, they fail when nothing has moved for idle_timeout (default \"60s\"), and a transfer that is slow but moving is never cut. Remove %s; set idle_timeout if a wait while nothing moves should be other than a minute.", a.Name, a.Name)))
			continue
		case "mass_destroy_minimum":
			if n, ok := l.graphWhole(a, 1, 1<<30, "mass_destroy_minimum must be a whole number of at least 1: the mass-destroy guard applies once this many attachments are managed (default 10)."); ok {
				g.MassDestroyMinimum = n
			}
			continue
		}
		s, st := l.evalString(a, graphAllowed, nil)
		if st != valueKnown {
			continue
		}
		switch name {
		case "endpoint":
			if problem := endpointProblem(s); problem != "" {
				l.add(graphError(a, "Invalid endpoint", problem))
				continue
			}
			g.Endpoint = strings.TrimSuffix(s, "/")
		case "cloud":
			if !slices.Contains(Clouds, s) {
				l.add(graphError(a, "Invalid cloud", fmt.Sprintf("%q is not a cloud. Use one of %s.%s", s, strings.Join(Clouds, ", "), suggest(s, Clouds))))
				continue
			}
			g.Cloud = s
		case "tenant_id":
			if !guidRE.MatchString(s) && !domainRE.MatchString(s) {
				l.add(graphError(a, "Invalid tenant_id", fmt.Sprintf("%q is neither a tenant id (a GUID) nor a tenant domain such as contoso.onmicrosoft.com.", s)))
				continue
			}
			g.TenantID = s
		case "client_id":
			if !guidRE.MatchString(s) {
				l.add(graphError(a, "Invalid client_id", fmt.Sprintf("%q is not an application (client) id: it is a GUID such as 00000000-0000-0000-0000-000000000000.", s)))
				continue
			}
			g.ClientID = s
		case "auth":
			if !slices.Contains(AuthModes, s) {
				l.add(graphError(a, "Invalid auth", fmt.Sprintf("%q is not an authentication mode. Use one of %s.%s", s, strings.Join(AuthModes, ", "), suggest(s, AuthModes))))
				authBad = true
				continue
			}
			if s != authmode.Default {
				g.Auth = s
			}
		case "mailbox_upload_limit":
			r, err := ParseByteRate(s)
			if err != nil {
				l.add(graphError(a, "Invalid mailbox_upload_limit", err.Error()+". Outlook's own limit is \"150MB/5m\"."))
				continue
			}
			g.MailboxUploadLimit = r
		case "mailbox_request_limit":
			r, err := ParseRate(s)
			if err != nil {
				l.add(graphError(a, "Invalid mailbox_request_limit", err.Error()+". Outlook's own limit is \"10000/10m\"."))
				continue
			}
			g.MailboxRequestLimit = r
		case "max_message_size":
			n, err := bytesize.Parse(s)
			if err == nil && (n < MiB || n > MaxMessageSizeCeiling) {
				err = fmt.Errorf("%s is outside what Exchange Online allows (1 MiB to 150 MiB)", bytesize.Format(n))
			}
			if err != nil {
				l.add(graphError(a, "Invalid max_message_size", err.Error()+". Exchange Online's default is \"35MB\"; administrators can raise it up to \"150MB\"."))
				continue
			}
			g.MaxMessageSize = n
		case "max_retry_after":
			d, ok := l.graphDuration(a, s, MinRetryAfterSetting, MaxRetryAfterSetting,
				"Graph's own waits are seconds to minutes; the default, \"15m\", honours them and refuses a wait a run cannot usefully make.")
			if ok {
				g.MaxRetryAfter = d
			}
		case "idle_timeout":
			d, ok := l.graphDuration(a, s, MinIdleTimeout, MaxIdleTimeout,
				"It is how long a request waits while no byte moves, either way, before that attempt fails and is retried; the default is \"60s\". Graph can take several seconds to answer a large request: keep it well above that.")
			if ok {
				g.IdleTimeout = d
			}
		case "mass_destroy_threshold":
			share, err := parsePercent(s)
			if err != nil {
				l.add(graphError(a, "Invalid mass_destroy_threshold", err.Error()+`. Write a share of the managed attachments from "1%" to "100%", as in "30%" (the default); "100%" turns the guard off.`))
				continue
			}
			g.MassDestroyThreshold = share
		}
	}
	l.checkAgreement(content.Attributes, authBad)
}

// graphWhole evaluates a whole-number argument from least to most,
// reporting problem otherwise.
func (l *loader) graphWhole(a *hcl.Attribute, least, most int64, problem string) (int, bool) {
	v, st := l.evalAs(a, cty.Number, graphAllowed, nil)
	if st != valueKnown {
		return 0, false
	}
	n, acc := v.AsBigFloat().Int64()
	if !v.AsBigFloat().IsInt() || acc != 0 || n < least || n > most {
		l.add(graphError(a, "Invalid "+a.Name, problem))
		return 0, false
	}
	return int(n), true
}

// parsePercent reads "30%" as 0.3: from 1 % to 100 %.
func parsePercent(s string) (float64, error) {
	num, ok := strings.CutSuffix(strings.TrimSpace(s), "%")
	f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if !ok || err != nil || math.IsNaN(f) {
		return 0, fmt.Errorf("%q is not a percentage", s)
	}
	if f < 1 || f > 100 {
		return 0, fmt.Errorf("%q is outside 1%% to 100%%", s)
	}
	return f / 100, nil
}

// Ranges of the graph block's bounds on a misbehaving Graph.
const (
	MinRetryAfterSetting = time.Second
	MaxRetryAfterSetting = 24 * time.Hour
	MinIdleTimeout       = time.Second
	MaxIdleTimeout       = time.Hour
)

// graphDuration reads a duration such as "15m" within [lo, hi].
func (l *loader) graphDuration(a *hcl.Attribute, s string, lo, hi time.Duration, about string) (time.Duration, bool) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	switch {
	case err != nil:
		l.add(graphError(a, "Invalid "+a.Name, fmt.Sprintf("%q is not a duration: write a number and a unit, as in \"90s\", \"15m\" or \"1h\". %s", s, about)))
		return 0, false
	case d < lo || d > hi:
		l.add(graphError(a, "Invalid "+a.Name, fmt.Sprintf("%s must be from %s to %s. %s", a.Name, shortDuration(lo), shortDuration(hi), about)))
		return 0, false
	}
	return d, true
}

// checkAgreement refuses graph settings that cannot work together: an
// endpoint that is not the configured cloud's Graph (the token comes from
// that cloud's sign-in and is for its Graph), and a tenant_id or client_id
// the auth mode has no use for (it would look like it chooses something).
func (l *loader) checkAgreement(attrs hcl.Attributes, authBad bool) {
	g := &l.cfg.Graph
	if ca := attrs["cloud"]; ca != nil && g.Cloud == "" {
		return // the cloud is wrong (reported), or not known yet
	}
	if a := attrs["endpoint"]; a != nil && g.Endpoint != "" && g.Endpoint != "emulator" && !loopback.Endpoint(g.Endpoint) {
		cloud, _ := clouds.Lookup(g.Cloud)
		if c, ok := clouds.ByEndpoint(g.Endpoint); !ok {
			var known []string
			for _, c := range clouds.All {
				known = append(known, fmt.Sprintf("%s for cloud = %q", c.Graph, c.Name))
			}
			l.add(graphError(a, "Endpoint is not Microsoft Graph",
				fmt.Sprintf("%q is not the Graph of any cloud (%s). The token attachform gets is for Graph and is sent nowhere else: leave endpoint out to use the cloud's Graph, or point it at the emulator (\"emulator\", or a URL on this machine).", g.Endpoint, strings.Join(known, ", "))))
		} else if c.Name != cloud.Name {
			d := graphError(a, "Endpoint and cloud disagree",
				fmt.Sprintf("%q is the Graph of the %s cloud, but the cloud is %s, whose Graph is %s. Tokens come from the cloud's sign-in and are for its Graph: set cloud = %q, or leave endpoint out.", g.Endpoint, c.Name, cloud.Name, cloud.Graph, c.Name))
			if ca := attrs["cloud"]; ca != nil {
				d.Context = hcl.RangeOver(a.Range, ca.Range).Ptr()
			}
			l.add(d)
		}
	}
	mode, ok := authmode.Lookup(g.Auth)
	if !ok || authBad {
		return
	}
	for _, arg := range []struct {
		name string
		use  authmode.Use
		set  bool
	}{{"tenant_id", mode.TenantID, g.TenantID != ""}, {"client_id", mode.ClientID, g.ClientID != ""}} {
		if a := attrs[arg.name]; a != nil && arg.set && arg.use == authmode.Refused {
			l.add(graphError(a, "Unused "+arg.name,
				fmt.Sprintf("auth = %q does not use %s: %s Remove %s, or choose an auth that uses it (see docs/manifest.md).", mode.Name, arg.name, mode.Summary, arg.name)))
		}
	}
}

var domainRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$`)

// endpointProblem accepts "emulator", or an https URL with no path; plain
// http only for a loopback address (a local emulator), since the bearer
// token travels with every request. It returns what is wrong, or "".
func endpointProblem(s string) string {
	if s == "emulator" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Sprintf("%q is not an endpoint. Use \"emulator\", or the base URL of Graph with no path, as in \"https://graph.microsoft.com\".", s)
	}
	switch u.Scheme {
	case "https":
		return ""
	case "http":
		if loopback.Host(u.Hostname()) {
			return ""
		}
		return fmt.Sprintf("%q uses plain http to a remote host, which would send the access token in the clear. Use https; http is allowed only for this machine: localhost, 127.0.0.1 (any 127.x.x.x) or [::1] (a local emulator).", s)
	}
	return fmt.Sprintf("%q is not an http(s) URL. Use \"emulator\" or an https URL such as \"https://graph.microsoft.com\".", s)
}

// graphIndependent refuses graph arguments that depend, through local
// values, on data sources or targets: those are looked up with the client
// this block configures.
func (l *loader) graphIndependent(a *hcl.Attribute) bool {
	seen := map[string]bool{}
	var walk func(e hcl.Expression) string
	walk = func(e hcl.Expression) string {
		for _, t := range e.Variables() {
			names := traversalNames(t)
			if len(names) >= 2 && names[0] == "local" && l.locals[names[1]] != nil && !seen[names[1]] {
				seen[names[1]] = true
				if bad := walk(l.locals[names[1]].attr.Expr); bad != "" {
					return bad
				}
			}
			if len(names) >= 1 && (names[0] == "data" || names[0] == "target") && len(seen) > 0 {
				return strings.Join(names[:min(len(names), 3)], ".")
			}
		}
		return ""
	}
	if bad := walk(a.Expr); bad != "" {
		l.add(graphError(a, "Graph settings cannot depend on "+strings.Split(bad, ".")[0],
			fmt.Sprintf("The %s argument depends, through local values, on %s. Data sources are looked up with the settings of this block, so the graph block may use only variables and local values built from them.", a.Name, bad)))
		return false
	}
	return true
}

func graphError(a *hcl.Attribute, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: a.Expr.Range().Ptr()}
}
