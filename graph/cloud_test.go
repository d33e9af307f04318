package graph

import (
	"errors"
	"github.com/attachform/attachform/item"
	"strings"
	"testing"
)

func TestNewChecksEndpoint(t *testing.T) {
	cred := &staticCredential{token: "t"}
	for _, tc := range []struct {
		opts Options
		ok   bool
	}{
		{Options{Endpoint: "http://127.0.0.1:8080"}, true},
		{Options{Endpoint: "http://localhost:8080/"}, true},
		{Options{Endpoint: "http://[::1]:8080"}, true},
		{Options{Credential: cred}, true}, // the cloud's endpoint
		{Options{Endpoint: "https://graph.microsoft.com", Credential: cred}, true},
		{Options{Endpoint: "https://graph.microsoft.com"}, false}, // no credential
		{Options{Endpoint: "http://graph.microsoft.com", Credential: cred}, false},
		{Options{Endpoint: "https://user:pw@graph.microsoft.com", Credential: cred}, false},
		{Options{Endpoint: "graph.microsoft.com", Credential: cred}, false},
		{Options{Endpoint: "https://graph.microsoft.com?x=1", Credential: cred}, false},
		{Options{Cloud: "mars", Credential: cred}, false},
		{Options{Endpoint: "http://127.0.0.1:1", RangeSize: 5 << 20}, false},
		{Options{Endpoint: "http://127.0.0.1:1", RangeSize: -1}, false},
	} {
		_, err := New(tc.opts)
		if (err == nil) != tc.ok {
			t.Errorf("New(%+v) = %v, want ok %v", tc.opts, err, tc.ok)
		}
	}
}

// The cloud sets the endpoint and the token audience.
func TestCloudEndpoints(t *testing.T) {
	cred := &staticCredential{token: "t"}
	for cloud, want := range map[string]string{
		"":          "https://graph.microsoft.com",
		"global":    "https://graph.microsoft.com",
		"usgov":     "https://graph.microsoft.us",
		"usgov_dod": "https://dod-graph.microsoft.us",
		"china":     "https://microsoftgraph.chinacloudapi.cn",
	} {
		c, err := New(Options{Cloud: cloud, Credential: cred})
		if err != nil {
			t.Fatal(err)
		}
		if got := c.base.String(); got != want+"/v1.0" {
			t.Errorf("cloud %q: base %s", cloud, got)
		}
		if c.tokens.scope != want+"/.default" {
			t.Errorf("cloud %q: scope %s", cloud, c.tokens.scope)
		}
	}
}

func TestCheckUploadURL(t *testing.T) {
	cred := &staticCredential{token: "t"}
	global, _ := New(Options{Credential: cred})
	usgov, _ := New(Options{Cloud: "usgov", Credential: cred})
	local, _ := New(Options{Endpoint: "http://127.0.0.1:5000"})
	for _, tc := range []struct {
		c    *Client
		kind item.Kind
		url  string
		ok   bool
	}{
		{global, item.Message, "https://outlook.office.com/api/v2.0/Users('u')/Messages('m')/AttachmentSessions('s')?authtoken=x", true},
		{global, item.Event, "https://OUTLOOK.office365.com/api/v2.0/x?authtoken=x", true},
		{global, item.Message, "http://outlook.office.com/api/v2.0/x?authtoken=x", false},
		{global, item.Message, "https://outlook.office.com.evil.example/x", false},
		{global, item.Message, "https://evil.example/x", false},
		{global, item.Message, "https://127.0.0.1:9/x", false}, // loopback only with a loopback endpoint
		{global, item.Message, "https://u:p@outlook.office.com/x", false},
		{global, item.Message, "/relative", false},
		{global, item.Message, "https://outlook.office365.us/x", false}, // another cloud's host
		{usgov, item.Message, "https://outlook.office365.us/x", true},
		{usgov, item.Message, "https://outlook.office.com/x", false},
		{global, item.TodoTask, "https://graph.microsoft.com/beta/users/u/todo/lists/l/tasks/t/attachmentSessions/s", true},
		{global, item.TodoTask, "https://graph.microsoft.com:443/v1.0/x", true},
		{global, item.TodoTask, "https://outlook.office.com/x", false}, // the token would leave Graph
		{global, item.TodoTask, "http://graph.microsoft.com/v1.0/x", false},
		// The emulator's two origins: Graph's, and the first loopback
		// origin an Outlook upload URL names (its upload origin).
		{local, item.Message, "http://127.0.0.1:5000/api/v2.0/x?authtoken=x", true},
		{local, item.Message, "http://127.0.0.1:6000/api/v2.0/x?authtoken=x", true},
		{local, item.Message, "http://127.0.0.1:6000/api/v2.0/y?authtoken=x", true},
		{local, item.Message, "http://127.0.0.1:7000/x", false}, // a third origin
		{local, item.Message, "http://localhost:6000/x", false}, // another name: another origin
		{local, item.Message, "https://outlook.office.com/x", false},
		{local, item.Message, "http://10.0.0.1/x", false},
		{local, item.TodoTask, "http://127.0.0.1:5000/v1.0/x", true},
		{local, item.TodoTask, "http://127.0.0.1:6000/v1.0/x", false}, // another port: not Graph
	} {
		_, err := tc.c.checkUploadURL(tc.kind, tc.url)
		if (err == nil) != tc.ok {
			t.Errorf("%s %s (cloud %s): %v, want ok %v", tc.kind, tc.url, tc.c.cloud.name, err, tc.ok)
		}
		if err != nil && (!errors.Is(err, ErrUnsafeURL) || strings.Contains(err.Error(), "authtoken")) {
			t.Errorf("%s: error %v: want ErrUnsafeURL without the URL", tc.url, err)
		}
	}
}
