package spec

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/attachform/attachform/internal/authmode"
)

// The graph block's settings must work together: an endpoint that is not
// the cloud's Graph, and a tenant_id or client_id the auth does not use,
// are errors on the argument at fault.
func TestGraphSettingsAgree(t *testing.T) {
	const tenant, client = `"contoso.onmicrosoft.com"`, `"22222222-2222-2222-2222-222222222222"`
	for _, tc := range []struct {
		graph string
		want  string // error summary; "" = valid
	}{
		{`endpoint = "https://graph.microsoft.com"`, ""},
		{`endpoint = "https://graph.microsoft.com"` + "\n" + `cloud = "global"`, ""},
		{`endpoint = "https://graph.microsoft.us/"` + "\n" + `cloud = "usgov"`, ""},
		{`endpoint = "https://microsoftgraph.chinacloudapi.cn"` + "\n" + `cloud = "china"`, ""},
		{`cloud = "china"`, ""},
		{`endpoint = "emulator"` + "\n" + `cloud = "china"`, ""},
		{`endpoint = "http://127.0.0.1:8080"` + "\n" + `cloud = "usgov"`, ""},
		{`endpoint = "https://graph.microsoft.com"` + "\n" + `cloud = "china"`, "Endpoint and cloud disagree"},
		{`endpoint = "https://graph.microsoft.us"`, "Endpoint and cloud disagree"},
		{`endpoint = "https://dod-graph.microsoft.us"` + "\n" + `cloud = "usgov"`, "Endpoint and cloud disagree"},
		{`endpoint = "https://graph.example.com"`, "Endpoint is not Microsoft Graph"},
		{`endpoint = "https://graph.microsoft.com"` + "\n" + `cloud = "mars"`, "Invalid cloud"},
		{`auth = "environment"` + "\n" + `client_id = ` + client, "Unused client_id"},
		{`auth = "environment"` + "\n" + `tenant_id = ` + tenant, "Unused tenant_id"},
		{`client_id = ` + client, "Unused client_id"},
		{`auth = "managed_identity"` + "\n" + `tenant_id = ` + tenant, "Unused tenant_id"},
		{`auth = "managed_identity"` + "\n" + `client_id = ` + client, ""},
		{`auth = "azure_cli"` + "\n" + `tenant_id = ` + tenant, ""},
		{`auth = "password"` + "\n" + `client_id = ` + client, "Invalid auth"},
	} {
		dir := writeConfig(t, map[string]string{"main.attach.hcl": "graph {\n" + tc.graph + "\n}\n"})
		errs, diags := loadErrors(t, dir, LoadOptions{})
		switch {
		case tc.want == "" && len(errs) > 0:
			t.Errorf("graph { %s }: %s", tc.graph, diags.Error())
		case tc.want != "" && !slices.Equal(errs, []string{tc.want}):
			t.Errorf("graph { %s }: errors %q, want [%q]", tc.graph, errs, tc.want)
		}
		for _, d := range diags {
			if d.Subject == nil || !strings.Contains(d.Detail, "cloud") && !strings.Contains(d.Detail, "auth") {
				t.Errorf("graph { %s }: %s: no subject, or a detail that does not say what to change: %q", tc.graph, d.Summary, d.Detail)
			}
		}
	}
}

// Every auth value of the table validates, with the tenant_id and
// client_id it may take.
func TestEveryAuthValidates(t *testing.T) {
	for _, m := range authmode.Modes {
		body := fmt.Sprintf("auth = %q\n", m.Name)
		if m.TenantID != authmode.Refused {
			body += "tenant_id = \"11111111-1111-1111-1111-111111111111\"\n"
		}
		if m.ClientID != authmode.Refused {
			body += "client_id = \"22222222-2222-2222-2222-222222222222\"\n"
		}
		dir := writeConfig(t, map[string]string{"main.attach.hcl": "graph {\n" + body + "}\n"})
		cfg := mustLoad(t, dir, LoadOptions{})
		if want := strings.TrimPrefix(m.Name, authmode.Default); cfg.Graph.Auth != want {
			t.Errorf("auth %q loads as %q", m.Name, cfg.Graph.Auth)
		}
	}
}
