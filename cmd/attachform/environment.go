package main

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/attachform/attachform/internal/loopback"
	"github.com/attachform/attachform/state/azurerm"
)

// lookupEnv is getenv that also says whether key is set at all: an empty
// value is not the same as no value where the variable chooses where data
// goes.
func (g *globals) lookupEnv(key string) (string, bool) {
	prefix := key + "="
	for i := len(g.environ) - 1; i >= 0; i-- {
		if strings.HasPrefix(g.environ[i], prefix) {
			return g.environ[i][len(prefix):], true
		}
	}
	return "", false
}

// routingEnv are the variables that choose where requests go or which
// credential signs them. One that is set but empty is nearly always a
// script's mistake (a command substitution that printed nothing, a CI
// secret that does not exist); taking it as unset would send the run to
// the manifest's real tenant, or sign in with whatever else the machine
// offers. So each is checked before any command runs.
var routingEnv = []struct {
	name  string
	check func(value string) error
}{
	{"ATTACHFORM_GRAPH_ENDPOINT", checkEndpointOverride},
	{azurerm.EnvAccessKey, nil},
	{azurerm.EnvSASToken, nil},
}

// checkEnvironment reports the first routing variable that is set but
// empty or malformed, by name, with what to do.
func checkEnvironment(g *globals) error {
	for _, e := range routingEnv {
		value, set := g.lookupEnv(e.name)
		if !set {
			continue
		}
		if strings.TrimSpace(value) == "" {
			return fmt.Errorf("%s is set but empty: give it a value, or unset it. Nothing was sent: an empty value is not taken as unset, which would choose another endpoint or credential", e.name)
		}
		if e.check != nil {
			if err := e.check(value); err != nil {
				return fmt.Errorf("%s: %w", e.name, err)
			}
		}
	}
	return nil
}

// checkEndpointOverride accepts what connect can use: "emulator", or a
// Graph origin — https, or plain http to this machine only.
func checkEndpointOverride(value string) error {
	if value == "emulator" {
		return nil
	}
	u, err := url.Parse(value)
	shown := value
	if err == nil && u.User != nil {
		shown = u.Redacted() // a password in the URL is never repeated
	}
	shown = redactText(shown)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.TrimSpace(value) != value ||
		(u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%q is not \"emulator\" or a Graph origin such as https://graph.microsoft.com or http://127.0.0.1:PORT", shown)
	}
	if u.Scheme == "http" && !loopback.Endpoint(value) {
		return fmt.Errorf("%q uses plain http to another machine: only loopback addresses (the emulator) may, use https", shown)
	}
	return nil
}
