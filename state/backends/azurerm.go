package backends

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/attachform/attachform/state"
)

// azurerm is state in a blob in Azure Storage, locked with a blob lease.
// Its settings and their rules are settled (docs/manifest.md), but the
// backend is not built yet: Open is nil, and validate, plan and apply
// refuse a manifest that names it with Unavailable's words. Building it
// means a package state/azurerm whose Type takes this entry's place, with
// these settings and checks.
var azurerm = state.BackendType{
	Name:    "azurerm",
	Summary: "a blob in Azure Storage, locked with a blob lease",
	Settings: []state.BackendSetting{
		{Name: "storage_account_name"},
		{Name: "endpoint"},
		{Name: "container_name"},
		{Name: "key"},
	},
	Check: checkAzurerm,
	Unavailable: `The azurerm backend (state in Azure Storage) is not available in this version of attachform: it is coming in a later release. ` +
		`Until then keep the state with backend "local" (a file next to the manifests), and keep that file out of git.`,
}

var (
	storageAccountRE = regexp.MustCompile(`^[a-z0-9]{3,24}$`)
	containerRE      = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`) // and 3 to 63 long
)

func checkAzurerm(settings map[string]string) []state.SettingProblem {
	var out []state.SettingProblem
	bad := func(summary, detail string) {
		out = append(out, state.SettingProblem{Summary: summary, Detail: detail})
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
		if u, err := url.Parse(endpoint); err != nil || u.Scheme != "https" || u.Host == "" {
			bad("Invalid backend endpoint", fmt.Sprintf("%q is not a blob service URL such as \"https://NAME.blob.core.windows.net\".", endpoint))
		}
	}
	switch c := settings["container_name"]; {
	case c == "":
		bad("Missing container_name", "The azurerm backend needs container_name: the blob container that holds the state. Set it in the block or with -backend-config=container_name=NAME.")
	case len(c) < 3 || len(c) > 63 || !containerRE.MatchString(c):
		bad("Invalid container_name", fmt.Sprintf("%q is not a container name: 3 to 63 lowercase letters, digits and single dashes, starting and ending with a letter or digit.", c))
	}
	if strings.TrimSpace(settings["key"]) == "" {
		bad("Missing key", "The azurerm backend needs key: the blob name of the state, such as \"attachform.state.json\". Set it in the block or with -backend-config=key=NAME.")
	}
	return out
}
