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
