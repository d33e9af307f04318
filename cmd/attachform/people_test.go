package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/attachform/attachform/emulator"
	"github.com/rogpeppe/go-internal/testscript"
)

// cmdPeople drives a directory for the scripts: an emulator started with a
// fixtures file (users, groups, drafts), and the changes people make to
// it between plans — a draft written, a member leaving, a group emptied.
//
//	people emulate fixtures.hcl     (sets ATTACHFORM_GRAPH_ENDPOINT)
//	people draft UPN SUBJECT
//	people leave GROUP UPN
//	people empty GROUP
func cmdPeople(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: people emulate FILE | draft UPN SUBJECT | leave GROUP UPN | empty GROUP")
	}
	if args[0] == "emulate" && len(args) == 2 {
		fx, _, diags := emulator.LoadFixtures(ts.MkAbs(args[1]))
		if diags.HasErrors() {
			ts.Fatalf("fixtures: %v", diags)
		}
		srv, err := emulator.New(emulator.Options{Fixtures: fx})
		ts.Check(err)
		ts.Defer(func() { srv.Close() })
		ts.Setenv("ATTACHFORM_GRAPH_ENDPOINT", srv.URL())
		return
	}
	api := ts.Getenv("ATTACHFORM_GRAPH_ENDPOINT") + "/v1.0"
	switch {
	case args[0] == "draft" && len(args) == 3:
		send(ts, "POST", api+"/users/"+url.PathEscape(args[1])+"/messages", map[string]any{"subject": args[2]}, http.StatusCreated)
	case args[0] == "leave" && len(args) == 3:
		var u struct{ ID string }
		getJSON(ts, api+"/users/"+url.PathEscape(args[2]), &u)
		send(ts, "DELETE", api+"/groups/"+groupID(ts, api, args[1])+"/members/"+u.ID+"/$ref", nil, http.StatusNoContent)
	case args[0] == "empty" && len(args) == 2:
		gid := groupID(ts, api, args[1])
		var members struct{ Value []struct{ ID string } }
		getJSON(ts, api+"/groups/"+gid+"/members?$top=999", &members)
		for _, m := range members.Value {
			send(ts, "DELETE", api+"/groups/"+gid+"/members/"+m.ID+"/$ref", nil, http.StatusNoContent)
		}
	default:
		ts.Fatalf("people: unknown form %q", args)
	}
}

func groupID(ts *testscript.TestScript, api, name string) string {
	var gs struct{ Value []struct{ ID string } }
	getJSON(ts, api+"/groups?$filter="+url.QueryEscape("displayName eq '"+name+"'"), &gs)
	if len(gs.Value) != 1 {
		ts.Fatalf("%d groups called %q", len(gs.Value), name)
	}
	return gs.Value[0].ID
}

func send(ts *testscript.TestScript, method, u string, body any, want int) {
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		ts.Check(err)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, u, rd)
	ts.Check(err)
	req.Header.Set("Authorization", "Bearer "+scriptToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	ts.Check(err)
	resp.Body.Close()
	if resp.StatusCode != want {
		ts.Fatalf("%s %s: %s", method, u, resp.Status)
	}
}
