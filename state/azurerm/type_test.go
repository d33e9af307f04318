package azurerm

import (
	"strings"
	"testing"

	"github.com/attachform/attachform/state/backend"
)

// The settings' rules.
func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		settings map[string]string
		want     []string
	}{
		{map[string]string{"storage_account_name": "contosostate", "container_name": "attachform", "key": "prod.attachform.json"}, nil},
		{map[string]string{"endpoint": "https://contosostate.blob.core.windows.net", "container_name": "state", "key": "k"}, nil},
		{map[string]string{"storage_account_name": "contosostate", "endpoint": "https://x.blob.core.windows.net", "container_name": "c-1", "key": "k"}, []string{"Both storage_account_name and endpoint"}},
		{map[string]string{"storage_account_name": "contosostate", "container_name": "-Bad", "key": "k"}, []string{"Invalid container_name"}},
		{map[string]string{"storage_account_name": "Contoso_State"}, []string{"Invalid storage_account_name", "Missing container_name", "Missing key"}},
		{map[string]string{"endpoint": "http://x.blob.core.windows.net", "container_name": "abc", "key": "k"}, []string{"Invalid backend endpoint"}},
		{map[string]string{"endpoint": "http://127.0.0.1:10000/devstoreaccount1", "container_name": "abc", "key": "k"}, nil},
		{map[string]string{"endpoint": "http://localhost:10000/devstoreaccount1/", "container_name": "abc", "key": "k"}, nil},
		{map[string]string{"endpoint": "http://127.0.0.1:10000", "container_name": "abc", "key": "k"}, []string{"Invalid backend endpoint"}},
		{map[string]string{"endpoint": "http://127.0.0.1.nip.io:10000/devstoreaccount1", "container_name": "abc", "key": "k"}, []string{"Invalid backend endpoint"}},
		{map[string]string{"endpoint": "https://x.blob.core.windows.net?sv=1&sig=secret", "container_name": "abc", "key": "k"}, []string{"Invalid backend endpoint"}},
		{map[string]string{"storage_account_name": "abc", "container_name": "abc", "key": "dir/"}, []string{"Invalid key"}},
		{map[string]string{"storage_account_name": "abc", "container_name": "abc", "key": "envs/prod.attachform.json"}, nil},
		{map[string]string{"storage_account_name": "abc", "container_name": "a-b", "key": "k"}, nil},
		{map[string]string{"storage_account_name": "abc", "container_name": strings.Repeat("a", 63), "key": "k"}, nil},
		{map[string]string{"storage_account_name": "abc", "container_name": strings.Repeat("a", 64), "key": "k"}, []string{"Invalid container_name"}},
		{map[string]string{"storage_account_name": "abc", "container_name": "ab", "key": "k"}, []string{"Invalid container_name"}},
		{map[string]string{"storage_account_name": "abc", "container_name": "a--b", "key": "k"}, []string{"Invalid container_name"}},
		{map[string]string{"storage_account_name": "abc", "container_name": "ab-", "key": "k"}, []string{"Invalid container_name"}},
		{map[string]string{}, []string{"Missing storage account", "Missing container_name", "Missing key"}},
		{map[string]string{"storage_account_name": "abc", "container_name": "abc", "key": "k", "idle_timeout": "90s"}, nil},
		{map[string]string{"storage_account_name": "abc", "container_name": "abc", "key": "k", "idle_timeout": "60"}, []string{"Invalid idle_timeout"}},
		{map[string]string{"storage_account_name": "abc", "container_name": "abc", "key": "k", "idle_timeout": "500ms"}, []string{"Invalid idle_timeout"}},
		{map[string]string{"storage_account_name": "abc", "container_name": "abc", "key": "k", "idle_timeout": "2h"}, []string{"Invalid idle_timeout"}},
	} {
		var got []string
		for _, p := range Check(tc.settings) {
			if p.Detail == "" {
				t.Errorf("%s has no detail", p.Summary)
			}
			got = append(got, p.Summary)
		}
		if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("Check(%v) = %q, want %q", tc.settings, got, tc.want)
		}
	}
}

func TestServiceURL(t *testing.T) {
	for _, tc := range []struct{ endpoint, base, account string }{
		{"https://contosostate.blob.core.windows.net/", "https://contosostate.blob.core.windows.net", "contosostate"},
		{"https://contosostate.blob.core.usgovcloudapi.net", "https://contosostate.blob.core.usgovcloudapi.net", "contosostate"},
		{"http://127.0.0.1:10000/devstoreaccount1", "http://127.0.0.1:10000/devstoreaccount1", "devstoreaccount1"},
		{"http://localhost:10000/devstoreaccount1/", "http://localhost:10000/devstoreaccount1", "devstoreaccount1"},
	} {
		base, account, err := serviceURL(tc.endpoint)
		if err != nil || base != tc.base || account != tc.account {
			t.Errorf("serviceURL(%q) = %q, %q, %v; want %q, %q", tc.endpoint, base, account, err, tc.base, tc.account)
		}
	}
}

// A SAS token is a credential: it never reaches a message or the lock's
// details, which name the blob by its URL.
func TestSASTokenStaysOutOfMessages(t *testing.T) {
	const sas = "sv=2024-01-01&sr=c&sp=racwd&sig=S3cr3tSignature%3D"
	b, err := Type.Open(backend.Options{
		Settings: map[string]string{"endpoint": "http://127.0.0.1:9/devstoreaccount1", "container_name": "abc", "key": "s.json"},
		Getenv:   func(k string) string { return map[string]string{EnvSASToken: "?" + sas}[k] },
	})
	if err != nil {
		t.Fatal(err)
	}
	if u := b.(*Backend).URL(); strings.Contains(u, "sig") || u != "http://127.0.0.1:9/devstoreaccount1/abc/s.json" {
		t.Fatalf("URL() = %q", u)
	}
	got := withoutQuery(`Get "http://127.0.0.1:9/devstoreaccount1/abc/s.json?` + sas + `": dial tcp 127.0.0.1:9: connect: connection refused`)
	if strings.Contains(got, "S3cr3t") || !strings.Contains(got, "connection refused") {
		t.Fatalf("withoutQuery left %q", got)
	}
}
