package loopback

import "testing"

func TestHost(t *testing.T) {
	for _, tc := range []struct {
		host string
		want bool
	}{
		{"localhost", true},
		{"LOCALHOST", true},
		{"LocalHost", true},
		{"127.0.0.1", true},
		{"127.0.0.5", true},
		{"127.255.255.254", true},
		{"::1", true},
		{"[::1]", true},
		{"0:0:0:0:0:0:0:1", true},
		{"::ffff:127.0.0.1", true},

		{"", false},
		{"127.0.0.1.nip.io", false},
		{"localhost.contoso.com", false},
		{"app.localhost", false},
		{"localhost.", false},
		{"localhost:8080", false}, // a host with its port is not a host
		{"127.0.0.1:8080", false},
		{"127.1", false},
		{"0177.0.0.1", false},
		{"0x7f.0.0.1", false},
		{"2130706433", false},
		{"0.0.0.0", false},
		{"::", false},
		{"[::1", false},
		{"::1]", false},
		{"fe80::1%lo0", false},
		{"::1%lo", false},
		{"128.0.0.1", false},
		{"10.0.0.1", false},
		{"graph.microsoft.com", false},
	} {
		if got := Host(tc.host); got != tc.want {
			t.Errorf("Host(%q) = %v, want %v", tc.host, got, tc.want)
		}
	}
}

func TestEndpoint(t *testing.T) {
	for _, tc := range []struct {
		endpoint string
		want     bool
	}{
		{"http://localhost:8080", true},
		{"http://LOCALHOST:8080", true},
		{"http://127.0.0.5", true},
		{"https://127.0.0.1:443/", true},
		{"http://[::1]:9000", true},
		{"http://user:pw@127.0.0.1", true}, // the host decides; user information is the caller's matter

		{"emulator", false},
		{"localhost", false}, // not a URL: no host
		{"127.0.0.1:8080", false},
		{"http://127.0.0.1.nip.io", false},
		{"http://localhost.contoso.com:8080", false},
		{"https://graph.microsoft.com", false},
		{"http://127.0.0.1@evil.example", false},
		{"http://evil.example#@127.0.0.1", false},
		{"http://evil.example/?x=http://127.0.0.1", false},
		{"http://[fe80::1%25lo0]:80", false},
		{"://127.0.0.1", false},
		{"", false},
	} {
		if got := Endpoint(tc.endpoint); got != tc.want {
			t.Errorf("Endpoint(%q) = %v, want %v", tc.endpoint, got, tc.want)
		}
	}
}
