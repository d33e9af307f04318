// Package authmode is the one table of the ways attachform signs in to
// Microsoft Graph: the values of the graph block's auth argument. spec
// accepts exactly these, graph builds a credential for each, and the
// documentation is checked against them, so no value can be documented
// that validate refuses or plan does not know.
package authmode

// Identity is whom Graph sees: it decides which permissions apply
// (application or delegated) and what Graph refuses.
type Identity int

const (
	// Application: an app registration signs in as itself (app-only);
	// application permissions granted with admin consent apply. Graph
	// supports no application permission for writing To Do attachments.
	Application Identity = iota
	// User: a person signs in; delegated permissions apply, within what
	// the user may do.
	User
	// Either: whoever the credential found is (the default chain, the
	// Azure CLI's login, the environment's variables).
	Either
)

func (i Identity) String() string {
	switch i {
	case Application:
		return "application"
	case User:
		return "user"
	}
	return "application or user"
}

// Use is what a mode makes of tenant_id or client_id.
type Use int

const (
	// Refused: the mode has no use for it; validate says so.
	Refused Use = iota
	// Optional: it narrows or selects (a tenant to sign in to, a
	// user-assigned identity).
	Optional
	// Required: from the graph block, or else from AZURE_TENANT_ID or
	// AZURE_CLIENT_ID; a missing one fails when the credential is built.
	Required
)

func (u Use) String() string {
	switch u {
	case Optional:
		return "optional"
	case Required:
		return "required"
	}
	return "not used"
}

// Mode is one value of auth.
type Mode struct {
	// Name is the manifest's spelling: auth = "client_secret".
	Name string
	// Summary says, in one sentence, where the credential comes from.
	Summary string
	// Identity is who signs in.
	Identity Identity
	// TenantID and ClientID say whether the graph block's tenant_id and
	// client_id are needed, may be given, or mean nothing (and are then
	// refused, so that nobody believes they choose something).
	TenantID, ClientID Use
	// Environment lists the variables it reads.
	Environment []string
}

// Default is the mode when auth is absent or "default".
const Default = "default"

// Modes are the values of auth, the default first.
var Modes = []Mode{
	{
		Name:        Default,
		Summary:     "The first of environment, workload_identity, managed_identity and azure_cli (then the Azure Developer CLI and Azure PowerShell) that has a credential, as azidentity's DefaultAzureCredential tries them.",
		Identity:    Either,
		TenantID:    Optional,
		ClientID:    Refused,
		Environment: []string{"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_TOKEN_CREDENTIALS"},
	},
	{
		Name:        "environment",
		Summary:     "An app registration's client secret or certificate named by the environment variables, as azidentity's EnvironmentCredential reads them.",
		Identity:    Application,
		TenantID:    Refused,
		ClientID:    Refused,
		Environment: []string{"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_CLIENT_CERTIFICATE_PASSWORD"},
	},
	{
		Name:        "client_secret",
		Summary:     "An app registration's client secret, from AZURE_CLIENT_SECRET (never from the manifest).",
		Identity:    Application,
		TenantID:    Required,
		ClientID:    Required,
		Environment: []string{"AZURE_CLIENT_SECRET", "AZURE_TENANT_ID", "AZURE_CLIENT_ID"},
	},
	{
		Name:        "client_certificate",
		Summary:     "An app registration's certificate: a PEM or PKCS#12 file with the private key, named by AZURE_CLIENT_CERTIFICATE_PATH.",
		Identity:    Application,
		TenantID:    Required,
		ClientID:    Required,
		Environment: []string{"AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_TENANT_ID", "AZURE_CLIENT_ID"},
	},
	{
		Name:        "workload_identity",
		Summary:     "A federated token in the file AZURE_FEDERATED_TOKEN_FILE names (Kubernetes workload identity, or any OIDC token written to a file), exchanged for the app registration's token.",
		Identity:    Application,
		TenantID:    Required,
		ClientID:    Required,
		Environment: []string{"AZURE_FEDERATED_TOKEN_FILE", "AZURE_TENANT_ID", "AZURE_CLIENT_ID"},
	},
	{
		Name:        "managed_identity",
		Summary:     "The managed identity of the Azure machine, container or App Service attachform runs on.",
		Identity:    Application,
		TenantID:    Refused,
		ClientID:    Optional,
		Environment: []string{"IDENTITY_ENDPOINT", "IDENTITY_HEADER", "MSI_ENDPOINT"},
	},
	{
		Name:     "azure_cli",
		Summary:  "Whoever the Azure CLI is signed in as (az login): a user, or a service principal, as azure/login with OIDC leaves it in GitHub Actions and the AzureCLI task in Azure Pipelines.",
		Identity: Either,
		TenantID: Optional,
		ClientID: Refused,
	},
	{
		Name:     "device_code",
		Summary:  "A user signs in in a browser with the code attachform shows (on stderr); for a person at a terminal, not for CI.",
		Identity: User,
		TenantID: Optional,
		ClientID: Optional,
	},
}

// Lookup returns the mode called name; "" is the default.
func Lookup(name string) (Mode, bool) {
	if name == "" {
		name = Default
	}
	for _, m := range Modes {
		if m.Name == name {
			return m, true
		}
	}
	return Mode{}, false
}

// Names are the values auth accepts, the default first.
func Names() []string {
	out := make([]string, len(Modes))
	for i, m := range Modes {
		out[i] = m.Name
	}
	return out
}
