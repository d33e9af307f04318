package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attachform/attachform/internal/authmode"
	"github.com/attachform/attachform/internal/workspace"
	"github.com/attachform/attachform/spec"
)

// authRow is a row of docs/manifest.md's table of auth values.
var authRow = regexp.MustCompile("^\\| `([a-z_]+)` \\| ([a-z ]+) \\| ([a-z ]+) \\| ([a-z ]+) \\| (.+) \\|$")

// documentedAuth reads docs/manifest.md's table of auth values.
func documentedAuth(t *testing.T) [][]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "manifest.md"))
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	for _, line := range strings.Split(string(b), "\n") {
		if m := authRow.FindStringSubmatch(line); m != nil {
			rows = append(rows, m[1:])
		}
	}
	return rows
}

// authDocRow is the row the table says a mode has (environment
// variables in code spans).
func authDocRow(m authmode.Mode) string {
	summary := envVar.ReplaceAllString(m.Summary, "`$0`")
	return fmt.Sprintf("| `%s` | %s | %s | %s | %s |", m.Name, m.Identity, m.TenantID, m.ClientID, summary)
}

var envVar = regexp.MustCompile(`\bAZURE_[A-Z_]+\b`)

// docs/manifest.md lists exactly the auth values of the table, each as
// the table describes it: who signs in, what tenant_id and client_id are
// to it, where its credential comes from.
func TestAuthDocsMatchTable(t *testing.T) {
	rows := documentedAuth(t)
	var want, got []string
	for _, m := range authmode.Modes {
		want = append(want, authDocRow(m))
	}
	for _, r := range rows {
		got = append(got, fmt.Sprintf("| `%s` | %s | %s | %s | %s |", r[0], r[1], r[2], r[3], r[4]))
	}
	if !slices.Equal(got, want) {
		t.Errorf("docs/manifest.md's auth table:\n%s\nthe table in internal/authmode says:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// authMention is a value given to auth in prose, an example or a hint:
// auth = "x", auth = \"x\", and the values listed after it on the line.
var (
	authMention = regexp.MustCompile(`\bauth\s*=\s*\\?"`)
	quotedWord  = regexp.MustCompile(`\\?"([a-z_]+)\\?"`)
)

// Every auth value the documentation, the examples and the messages
// mention is one validate accepts: no hint offers a value that fails.
func TestMentionedAuthValuesExist(t *testing.T) {
	root := filepath.Join("..", "..")
	seen := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".md", ".hcl", ".yml", ".yaml", ".go":
		default:
			return nil
		}
		if strings.HasSuffix(path, "_test.go") {
			return nil // tests offer wrong values on purpose
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			loc := authMention.FindStringIndex(line)
			if loc == nil {
				continue
			}
			for _, m := range quotedWord.FindAllStringSubmatch(line[loc[1]-1:], -1) {
				seen++
				if _, ok := authmode.Lookup(m[1]); !ok && !slices.Contains(spec.Clouds, m[1]) {
					t.Errorf("%s:%d offers auth = %q, which is not an auth value (%s)", path, i+1, m[1], strings.Join(authmode.Names(), ", "))
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen == 0 {
		t.Error("no auth value mentioned anywhere: the pattern is broken")
	}
}

// Every auth value docs/manifest.md documents passes validate and builds
// its credential the way plan builds it, with what it needs in the
// environment as CI would have it; with a tenant_id or client_id it does
// not use, validate says so. (Signing in needs a tenant: that is as far
// as a test without a network goes.)
func TestEveryDocumentedAuthWorks(t *testing.T) {
	tenant, client := "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"
	dir := t.TempDir()
	token := filepath.Join(dir, "federated-token")
	cert := filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(token, []byte("eyJ.federated.token"), 0o600); err != nil {
		t.Fatal(err)
	}
	writeTestCertificate(t, cert)
	for k, v := range map[string]string{
		"AZURE_TENANT_ID": tenant, "AZURE_CLIENT_ID": client, "AZURE_CLIENT_SECRET": "from-the-ci-secret-store",
		"AZURE_CLIENT_CERTIFICATE_PATH": cert, "AZURE_FEDERATED_TOKEN_FILE": token,
	} {
		t.Setenv(k, v)
	}
	t.Setenv("AZURE_TOKEN_CREDENTIALS", "")
	os.Unsetenv("AZURE_TOKEN_CREDENTIALS") // set but empty is an error to azidentity

	rows := documentedAuth(t)
	if len(rows) == 0 {
		t.Fatal("docs/manifest.md documents no auth value")
	}
	for _, r := range rows {
		name, tenantUse, clientUse := r[0], r[2], r[3]
		graphBlock := fmt.Sprintf("  auth = %q\n", name)
		if tenantUse != "not used" {
			graphBlock += fmt.Sprintf("  tenant_id = %q\n", tenant)
		}
		if clientUse != "not used" {
			graphBlock += fmt.Sprintf("  client_id = %q\n", client)
		}
		cfgDir := writeAuthManifest(t, graphBlock)
		res := runCLI(t, cfgDir, os.Environ(), "", "validate", "-no-color")
		if res.code != exitOK || !strings.Contains(res.out, "Success! The configuration is valid.") {
			t.Errorf("auth = %q: validate exit %d\n%s%s", name, res.code, res.out, res.err)
			continue
		}
		g := &globals{ctx: t.Context(), dir: cfgDir, environ: os.Environ()}
		cfg, diags := workspace.LoadManifests(g.env(), spec.LoadOptions{Environ: g.environ})
		if diags.HasErrors() {
			t.Fatalf("auth = %q: %s", name, diags.Error())
		}
		cred, err := workspace.GraphCredential(cfg.Graph, func(string) error { return nil })
		if err != nil || cred == nil {
			t.Errorf("auth = %q: validate accepts it, but plan cannot build its credential: %v", name, err)
		}
		// What the auth does not use is refused, on its line.
		for arg, use := range map[string]string{"tenant_id": tenantUse, "client_id": clientUse} {
			if use != "not used" {
				continue
			}
			value := tenant
			if arg == "client_id" {
				value = client
			}
			bad := writeAuthManifest(t, fmt.Sprintf("  auth = %q\n  %s = %q\n", name, arg, value))
			res := runCLI(t, bad, os.Environ(), "", "validate", "-no-color")
			if res.code != exitError || !strings.Contains(res.err, "Error: Unused "+arg) || !strings.Contains(res.err, "on main.attach.hcl line 3") {
				t.Errorf("auth = %q with %s: exit %d\n%s", name, arg, res.code, res.err)
			}
		}
	}
}

// writeAuthManifest writes a manifest whose graph block holds graphBlock,
// with one attachment, into a new directory.
func writeAuthManifest(t *testing.T, graphBlock string) string {
	t.Helper()
	dir := t.TempDir()
	manifest := "graph {\n" + graphBlock + "}\n\n" + `target "welcome" {
  mailbox = "ops@contoso.com"
  message = "AAMkAGI2TG93AAA="
}

attachment "agenda" {
  target = target.welcome
  source = "agenda.md"
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.attach.hcl"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "agenda.md"), []byte("# Agenda\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// writeTestCertificate writes a self-signed certificate and its RSA key
// (azidentity takes RSA keys only) to path, as one PEM file.
func writeTestCertificate(t *testing.T, path string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "attachform test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	b := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb})...)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
