package azurerm

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/attachform/attachform/internal/backendconf"
	"github.com/attachform/attachform/internal/loopback"
	"github.com/attachform/attachform/state"
	"github.com/attachform/attachform/state/backend"
)

// Environment variables the credentials come from, in the order Terraform's
// azurerm backend reads them; with neither, Entra ID signs in.
const (
	EnvAccessKey = "ARM_ACCESS_KEY" // the storage account's key
	EnvSASToken  = "ARM_SAS_TOKEN"  // a SAS token, with or without its leading "?"
)

// EnvLeaseDuration overrides DefaultLeaseDuration (15s to 60s). It exists
// for tests, which must see a killed holder's lease run out without
// waiting a minute; it is not documented to users.
const EnvLeaseDuration = "ATTACHFORM_AZURERM_LEASE"

// Type is the azurerm backend as a manifest declares it:
//
//	backend "azurerm" {
//	  storage_account_name = "contosostate"
//	  container_name       = "attachform"
//	  key                  = "prod.attachform.json"
//	}
var Type = backend.Type{
	Type: backendconf.Type{
		Name:    "azurerm",
		Summary: "a blob in Azure Storage, locked with a blob lease",
		Settings: []backendconf.Setting{
			{Name: "storage_account_name"},
			{Name: "endpoint"},
			{Name: "container_name"},
			{Name: "key"},
			// How long a state call may go without a byte moving: empty is
			// DefaultIdleTimeout. No default here, so that an init record
			// made before the setting existed still matches.
			{Name: "idle_timeout"},
		},
		Check: Check,
	},
	Open: open,
}

var (
	storageAccountRE = regexp.MustCompile(`^[a-z0-9]{3,24}$`)
	containerRE      = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`) // and 3 to 63 long
)

// Check reports what is wrong with the backend's settings.
func Check(settings map[string]string) []backendconf.Problem {
	var out []backendconf.Problem
	bad := func(summary, detail string) {
		out = append(out, backendconf.Problem{Summary: summary, Detail: detail})
	}
	account, endpoint := settings["storage_account_name"], settings["endpoint"]
	switch {
	case account == "" && endpoint == "":
		bad("Missing storage account", "The azurerm backend needs storage_account_name, or endpoint (the blob service URL). Set one in the block or with -backend-config=storage_account_name=NAME.")
	case account != "" && endpoint != "":
		bad("Both storage_account_name and endpoint", "Give the azurerm backend either storage_account_name or endpoint, not both.")
	case account != "" && !storageAccountRE.MatchString(account):
		bad("Invalid storage_account_name", fmt.Sprintf("%q is not a storage account name: 3 to 24 lowercase letters and digits.", account))
	case endpoint != "":
		if _, _, err := serviceURL(endpoint); err != nil {
			bad("Invalid backend endpoint", fmt.Sprintf("%q is not a blob service URL such as \"https://NAME.blob.core.windows.net\" (plain http only to this machine, as for Azurite: \"http://127.0.0.1:10000/devstoreaccount1\"): %v.", endpoint, err))
		}
	}
	switch c := settings["container_name"]; {
	case c == "":
		bad("Missing container_name", "The azurerm backend needs container_name: the blob container that holds the state. Set it in the block or with -backend-config=container_name=NAME.")
	case len(c) < 3 || len(c) > 63 || !containerRE.MatchString(c):
		bad("Invalid container_name", fmt.Sprintf("%q is not a container name: 3 to 63 lowercase letters, digits and single dashes, starting and ending with a letter or digit.", c))
	}
	switch k := settings["key"]; {
	case strings.TrimSpace(k) == "":
		bad("Missing key", "The azurerm backend needs key: the blob name of the state, such as \"attachform.state.json\". Set it in the block or with -backend-config=key=NAME.")
	case len(k) > 1024 || strings.HasSuffix(k, "/") || strings.HasSuffix(k, "."):
		bad("Invalid key", fmt.Sprintf("%q is not a blob name: at most 1024 characters, not ending with \"/\" or \".\".", k))
	}
	if v := settings["idle_timeout"]; v != "" {
		if _, err := IdleTimeout(v); err != nil {
			bad("Invalid idle_timeout", err.Error())
		}
	}
	return out
}

// IdleTimeout parses the idle_timeout setting ("" is the default).
func IdleTimeout(v string) (time.Duration, error) {
	return backendconf.IdleTimeout(v, DefaultIdleTimeout)
}

// serviceURL checks a blob service endpoint and returns it without a
// trailing slash, with the account it names: the host's first label
// (NAME.blob.core.windows.net), or for an address of this machine (Azurite)
// the first path segment.
func serviceURL(endpoint string) (string, string, error) {
	u, err := url.Parse(endpoint)
	switch {
	case err != nil:
		return "", "", err
	case u.Host == "" || u.Hostname() == "":
		return "", "", errors.New("it has no host")
	case u.Scheme != "https" && !(u.Scheme == "http" && loopback.Host(u.Hostname())):
		return "", "", errors.New("it must use https")
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return "", "", errors.New("it must hold no query, fragment or credentials (give a SAS token in ARM_SAS_TOKEN)")
	}
	base := strings.TrimSuffix(u.String(), "/")
	path := strings.Trim(u.Path, "/")
	if net.ParseIP(u.Hostname()) != nil || strings.EqualFold(u.Hostname(), "localhost") {
		account, _, _ := strings.Cut(path, "/")
		if account == "" {
			return "", "", errors.New("an address of this machine needs the account in the path, as in http://127.0.0.1:10000/devstoreaccount1")
		}
		return base, account, nil
	}
	account, _, _ := strings.Cut(u.Hostname(), ".")
	return base, account, nil
}

// open builds the container client with the first credential the
// environment offers: ARM_ACCESS_KEY, ARM_SAS_TOKEN, else Entra ID.
func open(opts backend.Options) (state.Backend, error) {
	c, err := ContainerClient(opts)
	if err != nil {
		return nil, err
	}
	b := New(c, opts.Settings["key"])
	b.Memory, b.Force = opts.Memory, opts.Force
	if v := opts.Env()(EnvLeaseDuration); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 15*time.Second || d > 60*time.Second {
			return nil, fmt.Errorf("%s=%q is not a lease duration from 15s to 60s", EnvLeaseDuration, v)
		}
		b.LeaseDuration = d
	}
	return b, nil
}

// ContainerClient is the client of the container the settings name, signed
// in with the first credential the environment offers.
func ContainerClient(opts backend.Options) (*container.Client, error) {
	s, getenv := opts.Settings, opts.Env()
	service, account := "https://"+s["storage_account_name"]+".blob.core.windows.net", s["storage_account_name"]
	if e := s["endpoint"]; e != "" {
		var err error
		if service, account, err = serviceURL(e); err != nil {
			return nil, fmt.Errorf("azurerm backend: endpoint %q: %w", e, err)
		}
	}
	containerURL := service + "/" + s["container_name"]
	idle, err := IdleTimeout(s["idle_timeout"])
	if err != nil {
		return nil, fmt.Errorf("azurerm backend: idle_timeout: %w", err)
	}
	// No per-attempt deadline: an attempt ends when no byte has moved for
	// the idle time (idleTransport), so a large state on a slow link is
	// never cut while it moves.
	co := &container.ClientOptions{ClientOptions: azcore.ClientOptions{
		Retry:           policy.RetryOptions{MaxRetries: 4, RetryDelay: 500 * time.Millisecond, MaxRetryDelay: 8 * time.Second},
		Telemetry:       policy.TelemetryOptions{ApplicationID: "attachform"},
		PerCallPolicies: []policy.Policy{policyFunc(countCalls)},
		Transport:       &idleTransport{next: &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}, idle: idle},
	}}
	if key := strings.TrimSpace(getenv(EnvAccessKey)); key != "" {
		cred, err := container.NewSharedKeyCredential(account, key)
		if err != nil {
			return nil, fmt.Errorf("azurerm backend: %s: %w", EnvAccessKey, err)
		}
		return container.NewClientWithSharedKeyCredential(containerURL, cred, co)
	}
	if sas := strings.TrimPrefix(strings.TrimSpace(getenv(EnvSASToken)), "?"); sas != "" {
		if _, err := url.ParseQuery(sas); err != nil {
			return nil, fmt.Errorf("azurerm backend: %s is not a SAS token (a query string such as sv=…&sig=…)", EnvSASToken)
		}
		return container.NewClientWithNoCredential(containerURL+"?"+sas, co)
	}
	var cred azcore.TokenCredential
	if opts.Credential != nil {
		cred, err = opts.Credential()
	} else {
		cred, err = azidentity.NewDefaultAzureCredential(nil)
	}
	if err != nil {
		return nil, fmt.Errorf("azurerm backend: no %s or %s, and no Entra ID credential: %w", EnvAccessKey, EnvSASToken, err)
	}
	return container.NewClient(containerURL, cred, co)
}
