package graph

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"github.com/attachform/attachform/item"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/attachform/attachform/internal/authmode"
	"github.com/attachform/attachform/internal/clouds"
)

// Each method builds the azidentity credential it names; nothing is sent
// (tokens would need a real tenant).
func TestNewCredential(t *testing.T) {
	for _, k := range []string{"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_TOKEN_CREDENTIALS"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	cert := writeCert(t)
	tokenFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokenFile, []byte("federated"), 0o600)
	prompt := func(context.Context, string) error { return nil }
	tenant, client := "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"
	for _, tc := range []struct {
		cfg  AuthConfig
		want string // the credential's type, or an error fragment
	}{
		{AuthConfig{}, "*azidentity.DefaultAzureCredential"},
		{AuthConfig{TenantID: tenant, Cloud: "usgov"}, "*azidentity.DefaultAzureCredential"},
		{AuthConfig{ClientID: client}, "explicit auth method"},
		{AuthConfig{Auth: AuthClientSecret, TenantID: tenant, ClientID: client, ClientSecret: "s3cret"}, "*azidentity.ClientSecretCredential"},
		{AuthConfig{Auth: AuthClientSecret, TenantID: tenant, ClientID: client}, "needs a client secret"},
		{AuthConfig{Auth: AuthClientSecret, ClientID: client, ClientSecret: "s"}, "needs tenant_id"},
		{AuthConfig{Auth: AuthClientCertificate, TenantID: tenant, ClientID: client, CertificatePath: cert}, "*azidentity.ClientCertificateCredential"},
		{AuthConfig{Auth: AuthClientCertificate, TenantID: tenant, ClientID: client, CertificatePath: tokenFile}, "client certificate"},
		{AuthConfig{Auth: AuthClientCertificate, TenantID: tenant, ClientID: client}, "needs a certificate file"},
		{AuthConfig{Auth: AuthWorkloadIdentity, TenantID: tenant, ClientID: client, TokenFile: tokenFile}, "*azidentity.WorkloadIdentityCredential"},
		{AuthConfig{Auth: AuthWorkloadIdentity, TenantID: tenant, ClientID: client}, "needs a federated token file"},
		{AuthConfig{Auth: AuthManagedIdentity}, "*azidentity.ManagedIdentityCredential"},
		{AuthConfig{Auth: AuthManagedIdentity, ClientID: client}, "*azidentity.ManagedIdentityCredential"},
		{AuthConfig{Auth: AuthAzureCLI, TenantID: tenant}, "*azidentity.AzureCLICredential"},
		{AuthConfig{Auth: AuthDeviceCode, TenantID: tenant, ClientID: client, DeviceCodePrompt: prompt}, "*azidentity.DeviceCodeCredential"},
		{AuthConfig{Auth: AuthDeviceCode}, "needs a prompt"},
		{AuthConfig{Auth: "password"}, "unknown auth"},
		{AuthConfig{Cloud: "mars"}, "unknown cloud"},
	} {
		cred, err := NewCredential(tc.cfg)
		got := fmt.Sprintf("%T", cred)
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got, tc.want) {
			t.Errorf("NewCredential(%+v) = %s, want %s", tc.cfg, got, tc.want)
		}
	}

	// The environment fills what the manifest leaves out, as in CI.
	t.Setenv("AZURE_TENANT_ID", tenant)
	t.Setenv("AZURE_CLIENT_ID", client)
	t.Setenv("AZURE_CLIENT_SECRET", "from-env")
	t.Setenv("AZURE_FEDERATED_TOKEN_FILE", tokenFile)
	for _, auth := range []string{AuthClientSecret, AuthWorkloadIdentity} {
		if _, err := NewCredential(AuthConfig{Auth: auth}); err != nil {
			t.Errorf("%s from the environment: %v", auth, err)
		}
	}
}

func writeCert(t *testing.T) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048) // azidentity takes RSA keys only
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "attachform test"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "cert.pem")
	b := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb})...)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := azidentity.ParseCertificates(b, nil); err != nil {
		t.Fatalf("test certificate unreadable: %v", err)
	}
	return p
}

// One token serves many requests; it is asked for again only when close to
// expiry.
func TestTokenCache(t *testing.T) {
	e := newEnv(t, withCredential("tok"))
	ctx := context.Background()
	it := e.item(item.Message, "tokens")
	for range 5 {
		if _, err := e.client.ListAttachments(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	cred := e.client.tokens.cred.(*staticCredential)
	if cred.calls != 1 {
		t.Errorf("%d token requests for 5 calls, want 1", cred.calls)
	}
	e.client.tokens.tok.ExpiresOn = time.Now().Add(time.Minute)
	if _, err := e.client.ListAttachments(ctx, it); err != nil {
		t.Fatal(err)
	}
	if cred.calls != 2 {
		t.Errorf("a token a minute from expiry was reused")
	}
}

// Every value of auth the table (internal/authmode) lists builds its
// credential, with what it needs in the environment as CI would have it,
// and with the graph block's tenant_id and client_id where it takes them.
func TestEveryAuthModeBuilds(t *testing.T) {
	tenant, client := "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("federated"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AZURE_TENANT_ID", tenant)
	t.Setenv("AZURE_CLIENT_ID", client)
	t.Setenv("AZURE_CLIENT_SECRET", "from-env")
	t.Setenv("AZURE_CLIENT_CERTIFICATE_PATH", writeCert(t))
	t.Setenv("AZURE_FEDERATED_TOKEN_FILE", tokenFile)
	t.Setenv("AZURE_TOKEN_CREDENTIALS", "")
	os.Unsetenv("AZURE_TOKEN_CREDENTIALS") // set but empty is an error to azidentity
	want := map[string]string{
		authmode.Default:      "*azidentity.DefaultAzureCredential",
		AuthEnvironment:       "*azidentity.EnvironmentCredential",
		AuthClientSecret:      "*azidentity.ClientSecretCredential",
		AuthClientCertificate: "*azidentity.ClientCertificateCredential",
		AuthWorkloadIdentity:  "*azidentity.WorkloadIdentityCredential",
		AuthManagedIdentity:   "*azidentity.ManagedIdentityCredential",
		AuthAzureCLI:          "*azidentity.AzureCLICredential",
		AuthDeviceCode:        "*azidentity.DeviceCodeCredential",
	}
	prompt := func(context.Context, string) error { return nil }
	for _, m := range authmode.Modes {
		for _, fromManifest := range []bool{false, true} {
			cfg := AuthConfig{Auth: m.Name, DeviceCodePrompt: prompt}
			if fromManifest {
				if m.TenantID != authmode.Refused {
					cfg.TenantID = tenant
				}
				if m.ClientID != authmode.Refused {
					cfg.ClientID = client
				}
			}
			for _, cloud := range clouds.Names() {
				cfg.Cloud = cloud
				cred, err := NewCredential(cfg)
				if err != nil {
					t.Errorf("auth %q (tenant %q, client %q, cloud %s): %v", m.Name, cfg.TenantID, cfg.ClientID, cloud, err)
					continue
				}
				if got := fmt.Sprintf("%T", cred); got != want[m.Name] {
					t.Errorf("auth %q: %s, want %s", m.Name, got, want[m.Name])
				}
			}
		}
	}
	for name := range want {
		if _, ok := authmode.Lookup(name); !ok {
			t.Errorf("graph builds auth %q, which the table does not list", name)
		}
	}
	// A client_id the chain or the environment would not use is refused
	// (validate refuses every setting the table says a mode does not use).
	for _, auth := range []string{AuthDefault, authmode.Default, AuthEnvironment} {
		if _, err := NewCredential(AuthConfig{Auth: auth, ClientID: client}); err == nil {
			t.Errorf("auth %q with a client_id was accepted", auth)
		}
	}
}

// Each cloud of the table has its sign-in authority, the one the table says.
func TestCloudLogins(t *testing.T) {
	for _, c := range clouds.All {
		ci, err := lookupCloud(c.Name)
		if err != nil {
			t.Errorf("cloud %s: %v", c.Name, err)
			continue
		}
		if got := strings.TrimSuffix(ci.login.ActiveDirectoryAuthorityHost, "/"); got != c.Login {
			t.Errorf("cloud %s signs in at %s, the table says %s", c.Name, got, c.Login)
		}
	}
}

// The endpoint and the cloud agree, or the client refuses: a token of
// one cloud never goes to another's Graph, or to a host that is no Graph.
func TestEndpointMatchesCloud(t *testing.T) {
	cred := &staticCredential{token: "t"}
	for _, tc := range []struct {
		endpoint, cloud string
		err             string // "" = accepted
	}{
		{"https://graph.microsoft.com", "", ""},
		{"https://GRAPH.microsoft.com:443/", "global", ""},
		{"https://graph.microsoft.us", "usgov", ""},
		{"https://microsoftgraph.chinacloudapi.cn", "china", ""},
		{"https://graph.microsoft.com", "china", `is the Graph of the global cloud, but the cloud is china: set cloud = "global"`},
		{"https://microsoftgraph.chinacloudapi.cn", "", `is the Graph of the china cloud, but the cloud is global: set cloud = "china"`},
		{"https://graph.microsoft.us", "usgov_dod", `set cloud = "usgov"`},
		{"https://graph.example.com", "", "is not Microsoft Graph in any cloud"},
		{"https://graph.microsoft.com:8443", "", "is not Microsoft Graph in any cloud"},
		{"http://127.0.0.1:8080", "china", ""}, // the emulator goes with any cloud
	} {
		_, err := New(Options{Endpoint: tc.endpoint, Cloud: tc.cloud, Credential: cred})
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("endpoint %s, cloud %q: %v", tc.endpoint, tc.cloud, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("endpoint %s, cloud %q: %v, want %q", tc.endpoint, tc.cloud, err, tc.err)
		}
	}
}
