package clouds

import "testing"

func TestByEndpoint(t *testing.T) {
	for endpoint, want := range map[string]string{
		"https://graph.microsoft.com":              "global",
		"https://graph.microsoft.com/":             "global",
		"https://GRAPH.Microsoft.com:443":          "global",
		"https://graph.microsoft.us":               "usgov",
		"https://dod-graph.microsoft.us":           "usgov_dod",
		"https://microsoftgraph.chinacloudapi.cn":  "china",
		"http://graph.microsoft.com":               "",
		"https://graph.microsoft.com:8443":         "",
		"https://graph.microsoft.com.evil.example": "",
		"https://evil.example":                     "",
		"http://127.0.0.1:8080":                    "",
		"emulator":                                 "",
		"%":                                        "",
	} {
		c, ok := ByEndpoint(endpoint)
		if ok != (want != "") || c.Name != want {
			t.Errorf("ByEndpoint(%q) = %q, %v; want %q", endpoint, c.Name, ok, want)
		}
	}
}

func TestLookup(t *testing.T) {
	if c, ok := Lookup(""); !ok || c.Name != Global {
		t.Errorf(`Lookup("") = %+v, %v`, c, ok)
	}
	for _, name := range Names() {
		if c, ok := Lookup(name); !ok || c.Graph == "" || c.Login == "" || len(c.Outlook) == 0 {
			t.Errorf("Lookup(%q) = %+v, %v", name, c, ok)
		}
	}
	if _, ok := Lookup("mars"); ok {
		t.Error("Lookup(mars) found a cloud")
	}
}
