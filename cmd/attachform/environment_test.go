package main

import (
	"strings"
	"testing"
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
