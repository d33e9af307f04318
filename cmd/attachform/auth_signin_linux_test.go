//go:build linux

package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attachform/attachform/emulator"
)

// Every documented auth value signs in and plans, offline. The binary runs
// as in production, against https://graph.microsoft.com and Entra ID at
// https://login.microsoftonline.com, reached through an HTTPS proxy
// (HTTPS_PROXY) that sends both to this test: a fake Entra ID that issues
// tokens as the OAuth flows want (client credentials with a secret, a
// certificate's assertion or a federated token; the device code flow), and
// the emulator behind it as Graph, which records the bearer tokens it is
// given. The test's certificate authority is trusted through
// SSL_CERT_FILE. The managed identity endpoint and the Azure CLI are the
// test's too (IDENTITY_ENDPOINT, an az on PATH). A plan passes only if
// Graph saw a token that sign-in issued, and nothing else.
func TestEveryAuthSignsInAndPlans(t *testing.T) {
	if testing.Short() {
		t.Skip("runs attachform once per auth value")
	}
	idp := newFakeEntra(t)
	rows := documentedAuth(t)
	if len(rows) == 0 {
		t.Fatal("no auth value documented")
	}
	for _, r := range rows {
		name, tenantUse, clientUse := r[0], r[2], r[3]
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			graphBlock := fmt.Sprintf("  auth = %q\n", name)
			if tenantUse != "not used" {
				graphBlock += fmt.Sprintf("  tenant_id = %q\n", idp.tenant)
			}
			if clientUse == "required" {
				graphBlock += fmt.Sprintf("  client_id = %q\n", idp.client)
			}
			manifest := "graph {\n" + graphBlock + "}\n" + `
data "event" "all_hands" {
  mailbox = "ops@contoso.com"
  filter  = "subject eq 'All hands Q3'"
}

target "all_hands" {
  mailbox = "ops@contoso.com"
  event   = data.event.all_hands.id
}

attachment "agenda" {
  target = target.all_hands
  source = "agenda.md"
}
`
			for file, content := range map[string]string{"main.attach.hcl": manifest, "agenda.md": "# Agenda\n"} {
				if err := os.WriteFile(filepath.Join(dir, file), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			env := idp.environ(t, name)
			cmd := exec.Command(filepath.Join(binDir, "attachform"), "plan", "-no-color", "-input=false")
			cmd.Dir, cmd.Env = dir, env
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			seen := len(idp.graphTokens())
			err := cmd.Run()
			if err != nil || !strings.Contains(stdout.String(), "Plan: 1 to add, 0 to change, 0 to destroy.") {
				t.Fatalf("plan with auth = %q: %v\nstdout:\n%s\nstderr:\n%s\nEntra saw: %s", name, err, stdout.String(), stderr.String(), idp.log())
			}
			if got := idp.graphTokens()[seen:]; len(got) == 0 {
				t.Errorf("auth = %q: Graph got no request", name)
			} else {
				for _, tok := range got {
					if !idp.issued(tok) {
						t.Errorf("auth = %q: Graph got a token sign-in did not issue: %.20s…", name, tok)
					}
				}
			}
			if name == "device_code" && !strings.Contains(stderr.String(), "enter the code ATTACH-42") {
				t.Errorf("device_code: the sign-in instructions are not on stderr:\n%s", stderr.String())
			}
			if bad := idp.refused(); bad != "" {
				t.Errorf("auth = %q: %s", name, bad)
			}
		})
	}
}

// fakeEntra is Entra ID, Graph (the emulator), a managed identity endpoint
// and the Azure CLI, as one test double; see TestEveryAuthSignsInAndPlans.
type fakeEntra struct {
	tenant, client, secret string
	dir                    string // CA, certificate, federated token, az
	tls                    *httptest.Server
	proxy                  *httptest.Server
	msi                    *httptest.Server

	mu      sync.Mutex
	tokens  map[string]bool // issued access tokens
	graph   []string        // bearer tokens Graph was given, in order
	calls   []string        // what Entra was asked, for messages
	refusal string          // the first request refused, and why
}

func newFakeEntra(t *testing.T) *fakeEntra {
	f := &fakeEntra{tenant: "11111111-2222-3333-4444-555555555555", client: "66666666-7777-8888-9999-000000000000",
		secret: "s3cret-from-the-ci-store", dir: t.TempDir(), tokens: map[string]bool{}}
	fixtures := filepath.Join(f.dir, "fixtures.hcl")
	if err := os.WriteFile(fixtures, []byte("mailbox \"ops@contoso.com\" {\n  event \"All hands Q3\" {}\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fx, _, diags := emulator.LoadFixtures(fixtures)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	graph, err := emulator.New(emulator.Options{Fixtures: fx})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = graph.Close() })
	graphURL, _ := url.Parse(graph.URL())
	toGraph := httputil.NewSingleHostReverseProxy(graphURL)

	leaf := testCertificates(t, f.dir, "login.microsoftonline.com", "graph.microsoft.com")
	f.tls = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Host {
		case "graph.microsoft.com":
			scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
			f.mu.Lock()
			f.graph = append(f.graph, tok)
			f.mu.Unlock()
			if scheme != "Bearer" || !f.issued(tok) {
				f.refuse(fmt.Sprintf("Graph got %s %s without an issued token", r.Method, r.URL.Path))
			}
			toGraph.ServeHTTP(w, r)
		case "login.microsoftonline.com":
			f.entra(w, r)
		default:
			f.refuse("a request for " + r.Host)
			http.Error(w, "unknown host", http.StatusMisdirectedRequest)
		}
	}))
	f.tls.TLS = &tls.Config{Certificates: []tls.Certificate{leaf}}
	f.tls.StartTLS()
	t.Cleanup(f.tls.Close)

	// The proxy sends the two hosts to the TLS server, and refuses the rest.
	f.proxy = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect || (r.Host != "login.microsoftonline.com:443" && r.Host != "graph.microsoft.com:443") {
			f.refuse(fmt.Sprintf("the proxy was asked for %s %s", r.Method, r.Host))
			http.Error(w, "not here", http.StatusForbidden)
			return
		}
		upstream, err := net.Dial("tcp", f.tls.Listener.Addr().String())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			upstream.Close()
			return
		}
		_, _ = conn.Write([]byte("HTTP/1.1 200 Connection Established\r\n\r\n"))
		go func() { _, _ = io.Copy(upstream, buf); upstream.Close() }()
		go func() { _, _ = io.Copy(conn, upstream); conn.Close() }()
	}))
	t.Cleanup(f.proxy.Close)

	// App Service's managed identity protocol (IDENTITY_ENDPOINT and
	// IDENTITY_HEADER): a GET with the resource, the header's secret.
	f.msi = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.note("managed identity " + r.URL.RawQuery)
		if r.Header.Get("X-IDENTITY-HEADER") != "msi-secret" || r.URL.Query().Get("resource") != "https://graph.microsoft.com" {
			f.refuse("a managed identity request without the secret or for another resource: " + r.URL.RawQuery)
			http.Error(w, "no", http.StatusBadRequest)
			return
		}
		writeJSON(w, map[string]any{"access_token": f.issue(`{"roles":["Calendars.ReadWrite"],"idtyp":"app"}`),
			"expires_on": fmt.Sprint(time.Now().Add(time.Hour).Unix()), "resource": "https://graph.microsoft.com", "token_type": "Bearer"})
	}))
	t.Cleanup(f.msi.Close)

	// The Azure CLI, signed in: az account get-access-token answers a
	// token this fake issued.
	cliToken := f.issue(`{"roles":["Calendars.ReadWrite"],"idtyp":"app"}`)
	az := fmt.Sprintf("#!/bin/sh\ncase \"$*\" in\n*\"account get-access-token\"*\"--resource https://graph.microsoft.com\"*) printf '{\"accessToken\":\"%s\",\"expires_on\":%d,\"tokenType\":\"Bearer\"}\\n' ;;\n*) echo \"az: unexpected $*\" >&2; exit 1 ;;\nesac\n", cliToken, time.Now().Add(time.Hour).Unix())
	if err := os.MkdirAll(filepath.Join(f.dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.dir, "bin", "az"), []byte(az), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.dir, "federated-token"), []byte("eyJhbGciOiJub25lIn0.eyJzdWIiOiJyZXBvOmNvbnRvc28vYXR0YWNobWVudHM6cHVsbF9yZXF1ZXN0In0."), 0o600); err != nil {
		t.Fatal(err)
	}
	writeTestCertificate(t, filepath.Join(f.dir, "client.pem"))
	return f
}

// environ is the environment attachform runs in for auth value name: the
// proxy and the trusted CA always, and what that value reads.
func (f *fakeEntra) environ(t *testing.T, name string) []string {
	home := t.TempDir()
	env := []string{
		"PATH=" + filepath.Join(f.dir, "bin") + ":/usr/bin:/bin",
		"HOME=" + home, "XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"HTTPS_PROXY=" + f.proxy.URL, "NO_PROXY=",
		"SSL_CERT_FILE=" + filepath.Join(f.dir, "ca.pem"),
	}
	switch name {
	case "default", "environment":
		env = append(env, "AZURE_TENANT_ID="+f.tenant, "AZURE_CLIENT_ID="+f.client, "AZURE_CLIENT_SECRET="+f.secret)
	case "client_secret":
		env = append(env, "AZURE_CLIENT_SECRET="+f.secret)
	case "client_certificate":
		env = append(env, "AZURE_CLIENT_CERTIFICATE_PATH="+filepath.Join(f.dir, "client.pem"))
	case "workload_identity":
		env = append(env, "AZURE_FEDERATED_TOKEN_FILE="+filepath.Join(f.dir, "federated-token"))
	case "managed_identity":
		env = append(env, "IDENTITY_ENDPOINT="+f.msi.URL+"/msi/token", "IDENTITY_HEADER=msi-secret")
	case "azure_cli", "device_code":
	default:
		t.Fatalf("the test does not know how to sign in with auth = %q: teach environ", name)
	}
	return env
}

// entra answers Entra ID's endpoints: instance discovery, the tenant's
// OpenID configuration, the device code and the token endpoint.
func (f *fakeEntra) entra(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f.note(r.Method + " " + r.URL.Path + " " + r.Form.Get("grant_type"))
	base := "https://login.microsoftonline.com/"
	switch {
	case r.URL.Path == "/common/discovery/instance":
		writeJSON(w, map[string]any{"tenant_discovery_endpoint": base + f.tenant + "/v2.0/.well-known/openid-configuration",
			"api-version": "1.1", "metadata": []any{map[string]any{"preferred_network": "login.microsoftonline.com",
				"preferred_cache": "login.windows.net", "aliases": []string{"login.microsoftonline.com", "login.windows.net"}}}})
	case strings.HasSuffix(r.URL.Path, "/v2.0/.well-known/openid-configuration"):
		writeJSON(w, map[string]any{"token_endpoint": base + "{tenant}/oauth2/v2.0/token",
			"authorization_endpoint": base + "{tenant}/oauth2/v2.0/authorize", "issuer": base + "{tenant}/v2.0",
			"device_authorization_endpoint": base + "{tenant}/oauth2/v2.0/devicecode"})
	case strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/devicecode"):
		writeJSON(w, map[string]any{"device_code": "device-42", "user_code": "ATTACH-42", "verification_uri": "https://microsoft.com/devicelogin",
			"expires_in": 900, "interval": 1, "message": "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ATTACH-42 to authenticate."})
	case strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token"):
		if r.Form.Get("scope") == "" || !strings.Contains(r.Form.Get("scope"), "https://graph.microsoft.com/.default") {
			f.refuse("a token request for " + r.Form.Get("scope"))
		}
		switch grant := r.Form.Get("grant_type"); {
		case grant == "client_credentials" && r.Form.Get("client_id") == f.client &&
			(r.Form.Get("client_secret") == f.secret || r.Form.Get("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" && r.Form.Get("client_assertion") != ""):
			writeJSON(w, map[string]any{"token_type": "Bearer", "expires_in": 3600, "ext_expires_in": 3600,
				"access_token": f.issue(`{"roles":["Calendars.ReadWrite"],"idtyp":"app"}`)})
		case (grant == "device_code" || grant == "urn:ietf:params:oauth:grant-type:device_code") && r.Form.Get("device_code") == "device-42":
			clientInfo := base64.RawURLEncoding.EncodeToString([]byte(`{"uid":"77777777-0000-0000-0000-000000000000","utid":"` + f.tenant + `"}`))
			idToken := unsignedJWT(fmt.Sprintf(`{"aud":%q,"iss":"https://login.microsoftonline.com/%s/v2.0","tid":%q,"oid":"77777777-0000-0000-0000-000000000000","sub":"ops","preferred_username":"ops@contoso.com","iat":%d,"nbf":%d,"exp":%d}`,
				r.Form.Get("client_id"), f.tenant, f.tenant, time.Now().Unix(), time.Now().Unix(), time.Now().Add(time.Hour).Unix()))
			writeJSON(w, map[string]any{"token_type": "Bearer", "expires_in": 3600, "ext_expires_in": 3600, "scope": "https://graph.microsoft.com/.default",
				"access_token": f.issue(`{"scp":"Calendars.ReadWrite","upn":"ops@contoso.com"}`), "id_token": idToken, "client_info": clientInfo})
		default:
			f.refuse(fmt.Sprintf("a token request it cannot grant: grant %q, client %q", grant, r.Form.Get("client_id")))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]any{"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."})
		}
	default:
		f.refuse("an Entra request for " + r.URL.Path)
		http.NotFound(w, r)
	}
}

// issue makes an access token with claims and remembers it.
func (f *fakeEntra) issue(claims string) string {
	tok := unsignedJWT(claims)
	f.mu.Lock()
	f.tokens[tok] = true
	f.mu.Unlock()
	return tok
}

func (f *fakeEntra) issued(tok string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokens[tok]
}

func (f *fakeEntra) graphTokens() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.graph...)
}

func (f *fakeEntra) note(call string) {
	f.mu.Lock()
	f.calls = append(f.calls, call)
	f.mu.Unlock()
}

func (f *fakeEntra) log() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.calls, "; ")
}

func (f *fakeEntra) refuse(why string) {
	f.mu.Lock()
	if f.refusal == "" {
		f.refusal = why
	}
	f.mu.Unlock()
}

// refused returns the first refusal since the last call, and forgets it.
func (f *fakeEntra) refused() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.refusal
	f.refusal = ""
	return r
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// unsignedJWT is a token with claims and no signature worth checking (the
// emulator reads claims and checks no signature, as documented).
func unsignedJWT(claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	nonce := make([]byte, 8)
	_, _ = rand.Read(nonce)
	return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc([]byte(claims)) + "." + enc(nonce)
}

// testCertificates makes a CA (written to dir/ca.pem, for SSL_CERT_FILE)
// and a server certificate it signed for hosts.
func testCertificates(t *testing.T, dir string, hosts ...string) tls.Certificate {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "attachform test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644); err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: hosts[0]}, DNSNames: hosts,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key}
}
