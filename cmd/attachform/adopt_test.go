package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// scriptItem finds the item of the script's emulator (after emulate) that
// a person would name: a message or event by subject, a To Do task by
// title in any list. It returns the item's URL.
func scriptItem(ts *testscript.TestScript, mailbox, kind, subject string) string {
	e := scriptEmulator(ts)
	if e == nil || e.srv == nil {
		ts.Fatalf("no emulator: run emulate first")
	}
	base := e.srv.URL() + "/v1.0/users/" + url.PathEscape(mailbox)
	var found struct {
		Value []struct{ ID string } `json:"value"`
	}
	switch kind {
	case "message", "event":
		getJSON(ts, base+"/"+kind+"s?$filter="+url.QueryEscape("subject eq '"+subject+"'"), &found)
		if len(found.Value) == 1 {
			return base + "/" + kind + "s/" + url.PathEscape(found.Value[0].ID)
		}
	case "task":
		var lists struct {
			Value []struct{ ID string } `json:"value"`
		}
		getJSON(ts, base+"/todo/lists", &lists)
		for _, l := range lists.Value {
			listURL := base + "/todo/lists/" + url.PathEscape(l.ID) + "/tasks"
			getJSON(ts, listURL+"?$filter="+url.QueryEscape("title eq '"+subject+"'"), &found)
			if len(found.Value) == 1 {
				return listURL + "/" + url.PathEscape(found.Value[0].ID)
			}
		}
	}
	ts.Fatalf("no single %s %q in %s", kind, subject, mailbox)
	return ""
}

// graphCall sends one request to the script's emulator with the script's
// token (none to an upload URL, as Graph's upload URLs are
// pre-authenticated) and returns the answer's body, failing unless the
// status is want.
func graphCall(ts *testscript.TestScript, method, u string, header map[string]string, body []byte, want int) []byte {
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	ts.Check(err)
	if !strings.Contains(u, "authtoken=") {
		req.Header.Set("Authorization", "Bearer "+scriptToken)
	}
	if body != nil && method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	ts.Check(err)
	if resp.StatusCode != want {
		ts.Fatalf("%s %s: %s: %s", method, u, resp.Status, out)
	}
	return out
}

// cmdSeed puts an attachment on an item of the script's emulator through
// Graph's own calls, as Outlook or another client would: one POST (a file,
// or with -item an Outlook item), or with -session an upload session; with
// -inline=CID an inline file with that content id.
//
//	seed MAILBOX message|event|task SUBJECT NAME FILE [-session] [-inline=CID] [-item]
func cmdSeed(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 5 {
		ts.Fatalf("usage: seed MAILBOX message|event|task SUBJECT NAME FILE [-session] [-inline=CID] [-item]")
	}
	it := scriptItem(ts, args[0], args[1], args[2])
	name := args[3]
	var session, item bool
	var cid string
	for _, o := range args[5:] {
		switch {
		case o == "-session":
			session = true
		case o == "-item":
			item = true
		case strings.HasPrefix(o, "-inline="):
			cid = strings.TrimPrefix(o, "-inline=")
		default:
			ts.Fatalf("seed: unknown option %s", o)
		}
	}
	if item {
		body, _ := json.Marshal(map[string]any{"@odata.type": "#microsoft.graph.itemAttachment", "name": name,
			"item": map[string]any{"@odata.type": "#microsoft.graph.message", "subject": name}})
		graphCall(ts, "POST", it+"/attachments", nil, body, http.StatusCreated)
		return
	}
	data, err := os.ReadFile(ts.MkAbs(args[4]))
	ts.Check(err)
	if session {
		seedSession(ts, it, args[1], name, data)
		return
	}
	a := map[string]any{"name": name, "contentBytes": base64.StdEncoding.EncodeToString(data), "@odata.type": "#microsoft.graph.fileAttachment"}
	if args[1] == "task" {
		a["@odata.type"] = "#microsoft.graph.taskFileAttachment"
	}
	if cid != "" {
		a["isInline"], a["contentId"] = true, cid
	}
	body, _ := json.Marshal(a)
	graphCall(ts, "POST", it+"/attachments", nil, body, http.StatusCreated)
}

// seedSession uploads data through an upload session in 3 MiB ranges.
func seedSession(ts *testscript.TestScript, it, kind, name string, data []byte) {
	info := map[string]any{"attachmentType": "file", "name": name, "size": len(data)}
	param, want := "AttachmentItem", http.StatusCreated
	if kind == "task" {
		param, want = "attachmentInfo", http.StatusOK
	}
	body, _ := json.Marshal(map[string]any{param: info})
	var s struct{ UploadURL string }
	ts.Check(json.Unmarshal(graphCall(ts, "POST", it+"/attachments/createUploadSession", nil, body, want), &s))
	put := s.UploadURL
	if kind == "task" {
		put += "/content"
	}
	const rng = 3 << 20
	for start := 0; start < len(data); start += rng {
		end := min(start+rng, len(data))
		status := http.StatusOK
		if end == len(data) {
			status = http.StatusCreated
		}
		graphCall(ts, "PUT", put, map[string]string{
			"Content-Type":  "application/octet-stream",
			"Content-Range": fmt.Sprintf("bytes %d-%d/%d", start, end-1, len(data)),
		}, data[start:end], status)
	}
}

// cmdGraphDump writes to FILE every attachment of the mailbox's messages,
// events and To Do tasks as Graph reports it (type, name, content type,
// inline, content id) with the SHA-256 of its raw contents, sorted: two
// dumps compare equal exactly when Graph holds the same, byte for byte.
//
//	graphdump MAILBOX FILE
func cmdGraphDump(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: graphdump MAILBOX FILE")
	}
	base := scriptEmulator(ts).srv.URL() + "/v1.0/users/" + url.PathEscape(args[0])
	var items []string
	var list struct {
		Value []struct{ ID string } `json:"value"`
	}
	for _, coll := range []string{"messages", "events"} {
		getJSON(ts, base+"/"+coll+"?$select=id", &list)
		for _, v := range list.Value {
			items = append(items, base+"/"+coll+"/"+url.PathEscape(v.ID))
		}
	}
	getJSON(ts, base+"/todo/lists", &list)
	for _, l := range list.Value {
		var tasks struct {
			Value []struct{ ID string } `json:"value"`
		}
		lu := base + "/todo/lists/" + url.PathEscape(l.ID) + "/tasks"
		getJSON(ts, lu, &tasks)
		for _, t := range tasks.Value {
			items = append(items, lu+"/"+url.PathEscape(t.ID))
		}
	}
	var lines []string
	for _, it := range items {
		var atts struct {
			Value []map[string]any `json:"value"`
		}
		getJSON(ts, it+"/attachments?$select=id,name,contentType", &atts)
		for _, a := range atts.Value {
			id := a["id"].(string)
			sum := "no raw contents"
			if a["@odata.type"] != "#microsoft.graph.referenceAttachment" {
				h := sha256.Sum256(get(ts, it+"/attachments/"+url.PathEscape(id)+"/$value"))
				sum = hex.EncodeToString(h[:])
			}
			var one map[string]any
			getJSON(ts, it+"/attachments/"+url.PathEscape(id), &one) // every property; contentBytes unused
			lines = append(lines, fmt.Sprintf("%s %s %q %v inline=%v cid=%v %s", id, one["@odata.type"], one["name"], one["contentType"], one["isInline"], one["contentId"], sum))
		}
	}
	sort.Strings(lines)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(strings.Join(lines, "\n")+"\n"), 0o644))
}

// cmdGraphWrites checks how many requests that write (POST but $batch,
// PUT, PATCH, DELETE) the script's emulator received since the last reset.
//
//	graphwrites reset
//	graphwrites 0
func cmdGraphWrites(ts *testscript.TestScript, neg bool, args []string) {
	e := scriptEmulator(ts)
	if neg || len(args) != 1 || e == nil || e.srv == nil {
		ts.Fatalf("usage: graphwrites reset|N (after emulate)")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if args[0] == "reset" {
		e.writes = nil
		return
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	if len(e.writes) != n {
		ts.Fatalf("Graph received %d writes, want %d: %s", len(e.writes), n, strings.Join(e.writes, ", "))
	}
}

// countWrite records r if it writes.
func (e *liveEmulator) countWrite(r *http.Request) {
	switch {
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/$batch"):
	case r.Method == http.MethodPost, r.Method == http.MethodPut, r.Method == http.MethodPatch, r.Method == http.MethodDelete:
		e.mu.Lock()
		e.writes = append(e.writes, r.Method+" "+r.URL.Path)
		e.mu.Unlock()
	}
}
