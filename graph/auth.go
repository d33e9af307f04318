package graph

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/attachform/attachform/internal/authmode"
)

// Authentication methods for AuthConfig.Auth; the spellings are the
// manifest's, and internal/authmode is their table: NewCredential builds
// one for each of its modes.
const (
	AuthDefault           = ""
	AuthEnvironment       = "environment"
	AuthClientSecret      = "client_secret"
	AuthClientCertificate = "client_certificate"
	AuthWorkloadIdentity  = "workload_identity"
	AuthManagedIdentity   = "managed_identity"
	AuthAzureCLI          = "azure_cli"
	AuthDeviceCode        = "device_code"
)

// AuthConfig chooses how to get tokens for Graph.
type AuthConfig struct {
	// Auth is one of the Auth* methods. Empty: the default chain, as
	// DefaultAzureCredential tries it: environment (AZURE_TENANT_ID,
	// AZURE_CLIENT_ID with AZURE_CLIENT_SECRET or
	// AZURE_CLIENT_CERTIFICATE_PATH), workload identity
	// (AZURE_FEDERATED_TOKEN_FILE, as azure/login with OIDC leaves it in
	// GitHub Actions), managed identity, then the Azure CLI's login.
	Auth     string
	TenantID string
	ClientID string // the app registration; for managed_identity, a user-assigned identity
	Cloud    string // as Options.Cloud; must match the endpoint's cloud

	// ClientSecret for client_secret; empty: AZURE_CLIENT_SECRET.
	ClientSecret string
	// CertificatePath (PEM or PKCS#12, with the private key) and its
	// password for client_certificate; empty: AZURE_CLIENT_CERTIFICATE_PATH
	// and AZURE_CLIENT_CERTIFICATE_PASSWORD.
	CertificatePath     string
	CertificatePassword string
	// TokenFile is workload_identity's federated token file; empty:
	// AZURE_FEDERATED_TOKEN_FILE.
	TokenFile string
	// DeviceCodePrompt shows device_code's sign-in instructions (a URL and a
	// code) to the user. Required for device_code: this package never
	// writes to the terminal.
	DeviceCodePrompt func(ctx context.Context, message string) error
}

// signInTryTimeout bounds one try of a sign-in request.
const signInTryTimeout = time.Minute

// NewCredential builds the token credential cfg asks for. Nothing is sent
// until the first token is needed.
func NewCredential(cfg AuthConfig) (azcore.TokenCredential, error) {
	ci, err := lookupCloud(cfg.Cloud)
	if err != nil {
		return nil, err
	}
	co := azcore.ClientOptions{Cloud: ci.login}
	// Sign-in requests are small: a try that has not finished in a minute
	// is a sign-in endpoint that took it and went silent. azcore sets no
	// deadline of its own, and the idle watchdog covers Graph's requests
	// only; azcore's retries (3) keep the whole wait bounded.
	co.Retry.TryTimeout = signInTryTimeout
	tenant := firstNonEmpty(cfg.TenantID, os.Getenv("AZURE_TENANT_ID"))
	client := firstNonEmpty(cfg.ClientID, os.Getenv("AZURE_CLIENT_ID"))
	switch cfg.Auth {
	case AuthDefault, authmode.Default:
		if cfg.ClientID != "" {
			return nil, errors.New(`client_id needs an explicit auth method (for example auth = "client_secret" or "workload_identity"); the default chain reads AZURE_CLIENT_ID`)
		}
		return azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{ClientOptions: co, TenantID: cfg.TenantID})
	case AuthEnvironment:
		// EnvironmentCredential reads the tenant and client itself.
		if cfg.TenantID != "" || cfg.ClientID != "" {
			return nil, errors.New(`auth "environment" takes the tenant and client from AZURE_TENANT_ID and AZURE_CLIENT_ID: leave tenant_id and client_id out, or use auth = "client_secret" or "client_certificate"`)
		}
		return azidentity.NewEnvironmentCredential(&azidentity.EnvironmentCredentialOptions{ClientOptions: co})
	case AuthClientSecret:
		secret := firstNonEmpty(cfg.ClientSecret, os.Getenv("AZURE_CLIENT_SECRET"))
		if err := need(cfg.Auth, "tenant_id", tenant, "client_id", client, "a client secret (AZURE_CLIENT_SECRET)", secret); err != nil {
			return nil, err
		}
		return azidentity.NewClientSecretCredential(tenant, client, secret, &azidentity.ClientSecretCredentialOptions{ClientOptions: co})
	case AuthClientCertificate:
		path := firstNonEmpty(cfg.CertificatePath, os.Getenv("AZURE_CLIENT_CERTIFICATE_PATH"))
		if err := need(cfg.Auth, "tenant_id", tenant, "client_id", client, "a certificate file (AZURE_CLIENT_CERTIFICATE_PATH)", path); err != nil {
			return nil, err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		password := firstNonEmpty(cfg.CertificatePassword, os.Getenv("AZURE_CLIENT_CERTIFICATE_PASSWORD"))
		certs, key, err := azidentity.ParseCertificates(data, []byte(password))
		if err != nil {
			return nil, fmt.Errorf("client certificate %s: %w", path, err)
		}
		return azidentity.NewClientCertificateCredential(tenant, client, certs, key, &azidentity.ClientCertificateCredentialOptions{ClientOptions: co})
	case AuthWorkloadIdentity:
		file := firstNonEmpty(cfg.TokenFile, os.Getenv("AZURE_FEDERATED_TOKEN_FILE"))
		if err := need(cfg.Auth, "tenant_id", tenant, "client_id", client, "a federated token file (AZURE_FEDERATED_TOKEN_FILE)", file); err != nil {
			return nil, err
		}
		return azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{ClientOptions: co, TenantID: tenant, ClientID: client, TokenFilePath: file})
	case AuthManagedIdentity:
		o := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: co}
		if cfg.ClientID != "" {
			o.ID = azidentity.ClientID(cfg.ClientID)
		}
		return azidentity.NewManagedIdentityCredential(o)
	case AuthAzureCLI:
		return azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: cfg.TenantID})
	case AuthDeviceCode:
		if cfg.DeviceCodePrompt == nil {
			return nil, errors.New("device_code needs a prompt to show the sign-in code")
		}
		prompt := cfg.DeviceCodePrompt
		return azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
			ClientOptions: co,
			TenantID:      cfg.TenantID,
			ClientID:      cfg.ClientID,
			UserPrompt: func(ctx context.Context, m azidentity.DeviceCodeMessage) error {
				return prompt(ctx, m.Message)
			},
		})
	}
	return nil, fmt.Errorf("unknown auth %q: use one of %s, or leave it unset for the default chain", cfg.Auth, strings.Join(authmode.Names(), ", "))
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// need reports the first missing (name, value) pair.
func need(auth string, pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			return fmt.Errorf("auth %q needs %s", auth, pairs[i])
		}
	}
	return nil
}

// LoopbackToken is the bearer token sent to a loopback endpoint (the
// emulator) when Options.Credential is nil. Graph requires Authorization on
// every request to its origin, and so does the emulator, which has no
// identity provider and takes any well-formed bearer token; this one is no
// secret and carries no claims (neither delegated nor app-only).
const LoopbackToken = "attachform-loopback"

// loopbackCredential hands out LoopbackToken.
type loopbackCredential struct{}

func (loopbackCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: LoopbackToken, ExpiresOn: time.Now().Add(24 * time.Hour)}, nil
}

// tokenCache keeps the current token until shortly before it expires, so
// that a long apply asks the credential once an hour, not once a request.
// Token lifetimes are real-world time, whatever clock the client runs on.
type tokenCache struct {
	cred  azcore.TokenCredential
	scope string

	mu  sync.Mutex
	tok azcore.AccessToken
}

func (t *tokenCache) get(ctx context.Context) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	if t.tok.Token != "" && now.Add(2*time.Minute).Before(t.tok.ExpiresOn) && (t.tok.RefreshOn.IsZero() || now.Before(t.tok.RefreshOn)) {
		return t.tok.Token, nil
	}
	tok, err := t.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{t.scope}})
	if err != nil {
		return "", &redactedError{msg: "get a token for " + t.scope + ": " + Redact(err.Error()), err: err}
	}
	t.tok = tok
	return tok.Token, nil
}
