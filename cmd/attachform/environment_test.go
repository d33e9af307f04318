package main

import (
	"net/url"
	"strings"
	"testing"

	"github.com/attachform/attachform/internal/loopback"
)

// Each routing variable set but empty, and each malformed endpoint, is an
// error naming the variable; what connect can use passes.
func TestCheckEnvironment(t *testing.T) {
	for _, tc := range []struct {
		environ []string
		want    string // "" = accepted
	}{
		{nil, ""},
		{[]string{"ATTACHFORM_GRAPH_ENDPOINT=emulator"}, ""},
		{[]string{"ATTACHFORM_GRAPH_ENDPOINT=https://graph.microsoft.com"}, ""},
		{[]string{"ATTACHFORM_GRAPH_ENDPOINT=https://graph.microsoft.us/"}, ""},
		{[]string{"ATTACHFORM_GRAPH_ENDPOINT=http://127.0.0.1:8910"}, ""},
		{[]string{"ATTACHFORM_GRAPH_ENDPOINT=http://[::1]:8910"}, ""},
		{[]string{"ARM_ACCESS_KEY=a2V5", "ARM_SAS_TOKEN=sv=1&sig=2"}, ""},
		{[]string{"ATTACHFORM_GRAPH_ENDPOINT="}, "ATTACHFORM_GRAPH_ENDPOINT is set but empty"},
		{[]string{"ATTACHFORM_GRAPH_ENDPOINT= \t"}, "ATTACHFORM_GRAPH_ENDPOINT is set but empty"},
		{[]string{"ATTACHFORM_GRAPH_ENDPOINT=https://x", "ATTACHFORM_GRAPH_ENDPOINT="}, "ATTACHFORM_GRAPH_ENDPOINT is set but empty"},
		{[]string{"ATTACHFORM_GRAPH_ENDPOINT=Emulator"}, "ATTACHFORM_GRAPH_ENDPOINT: \"Emulator\" is not"},
		{[]string{"ATTACHFORM_GRAPH_ENDPOINT=graph.microsoft.com"}, "is not \"emulator\" or a Graph origin"},
		{[]string{"ATTACHFORM_GRAPH_ENDPOINT= https://graph.microsoft.com"}, "is not \"emulator\" or a Graph origin"},
		{[]string{"ATTACHFORM_GRAPH_ENDPOINT=ftp://127.0.0.1"}, "is not \"emulator\" or a Graph origin"},
		{[]string{"ATTACHFORM_GRAPH_ENDPOINT=https://graph.microsoft.com?x=1"}, "is not \"emulator\" or a Graph origin"},
		{[]string{"ATTACHFORM_GRAPH_ENDPOINT=https://user:pw@graph.microsoft.com"}, "is not \"emulator\" or a Graph origin"},
		{[]string{"ATTACHFORM_GRAPH_ENDPOINT=http://graph.microsoft.com"}, "uses plain http to another machine"},
		{[]string{"ARM_ACCESS_KEY="}, "ARM_ACCESS_KEY is set but empty"},
		{[]string{"ARM_SAS_TOKEN="}, "ARM_SAS_TOKEN is set but empty"},
	} {
		err := checkEnvironment(&globals{environ: tc.environ})
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: %v, want accepted", tc.environ, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%q: %v, want an error with %q", tc.environ, err, tc.want)
		}
	}
	// The error never repeats a credential in the URL.
	err := checkEnvironment(&globals{environ: []string{"ATTACHFORM_GRAPH_ENDPOINT=https://user:hunter2secret@graph.microsoft.com"}})
	if err == nil || strings.Contains(err.Error(), "hunter2secret") {
		t.Errorf("error %v repeats the URL's password", err)
	}
}

// Whatever ATTACHFORM_GRAPH_ENDPOINT holds, the check does not panic, never
// repeats a URL's password, and accepts only "emulator" or an http(s)
// origin without credentials, plain http only to this machine.
func FuzzCheckEndpointOverride(f *testing.F) {
	for _, s := range []string{"emulator", "https://graph.microsoft.com", "http://127.0.0.1:1", "http://[::1]:2/", "", " ", "graph.microsoft.com",
		"https://u:p@h", "http://10.0.0.1", "https://h?q", "https://h#f", "HTTPS://GRAPH.MICROSOFT.COM", "http://localhost:80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		err := checkEndpointOverride(value)
		if err != nil {
			if u, perr := url.Parse(value); perr == nil && u.User != nil {
				// (unless the rest of the URL holds the same text)
				if p, ok := u.User.Password(); ok && len(p) > 3 && strings.Contains(err.Error(), p) && !strings.Contains(u.Redacted(), p) {
					t.Fatalf("the error repeats the password %q: %v", p, err)
				}
			}
			return
		}
		if value == "emulator" {
			return
		}
		u, perr := url.Parse(value)
		if perr != nil || u.Host == "" || u.User != nil || (u.Scheme != "https" && u.Scheme != "http") {
			t.Fatalf("accepted %q", value)
		}
		if u.Scheme == "http" && !loopback.Endpoint(value) {
			t.Fatalf("accepted plain http to another machine: %q", value)
		}
	})
}
