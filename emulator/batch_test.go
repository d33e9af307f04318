package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"
)

func batch(t *testing.T, s *Server, reqs []map[string]any) resp {
	t.Helper()
	return do(t, "POST", api(s, "/$batch"), nil, map[string]any{"requests": reqs})
}

type batchAnswer struct {
	Responses []batchResponse `json:"responses"`
}

func byID(t *testing.T, r resp) map[string]batchResponse {
	t.Helper()
	wantStatus(t, r, http.StatusOK)
	checkJSONContentType(t, r)
	var a batchAnswer
	if err := json.Unmarshal(r.Body, &a); err != nil {
		t.Fatal(err)
	}
	out := map[string]batchResponse{}
	for _, x := range a.Responses {
		out[x.ID] = x
	}
	return out
}

// graph-protocol.md: "POST /$batch: {"requests":[{"id","method","url"(relative),
// "headers"?,"body"?,"dependsOn"?}]}, at most 20, ids unique (else 400), a
// request with a body needs a Content-Type header. Answer 200
// {"responses":[{"id","status","headers","body"}]} in any order."
func TestBatchServesEachRequest(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	id := createItem(t, s, testUser, "messages", "batched")
	res := byID(t, batch(t, s, []map[string]any{
		{"id": "1", "method": "GET", "url": "/me/messages/" + id + "?$select=subject"},
		{"id": "2", "method": "POST", "url": "/me/events", "headers": map[string]string{"Content-Type": "application/json"}, "body": map[string]any{"subject": "from batch"}},
		{"id": "3", "method": "GET", "url": "me/messages/" + id + "/attachments"},
		{"id": "4", "method": "GET", "url": "/users/nobody@contoso.example"},
	}))
	if len(res) != 4 {
		t.Fatalf("responses = %v", res)
	}
	for id, want := range map[string]int{"1": 200, "2": 201, "3": 200, "4": 404} {
		if res[id].Status != want {
			t.Errorf("request %s: status %d, want %d (%s)", id, res[id].Status, want, res[id].Body)
		}
	}
	var m map[string]any
	json.Unmarshal(res["1"].Body, &m)
	if m["subject"] != "batched" {
		t.Errorf("inner body = %s", res["1"].Body)
	}
	if s.Stats().Items != 2 {
		t.Errorf("the inner POST did not create the event")
	}
	if s.Stats().Requests.Batched != 4 {
		t.Errorf("batched = %d", s.Stats().Requests.Batched)
	}
}

func TestBatchRules(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	get := func(id string) map[string]any { return map[string]any{"id": id, "method": "GET", "url": "/me"} }
	var twentyOne []map[string]any
	for i := 0; i < 21; i++ {
		twentyOne = append(twentyOne, get(fmt.Sprint(i)))
	}
	for _, tc := range []struct {
		name string
		reqs []map[string]any
	}{
		{"21 requests", twentyOne},
		{"no requests", nil},
		{"duplicate ids", []map[string]any{get("1"), get("1")}},
		{"empty id", []map[string]any{get("")}},
		{"body without Content-Type", []map[string]any{{"id": "1", "method": "POST", "url": "/me/events", "body": map[string]any{"subject": "x"}}}},
		{"absolute url", []map[string]any{{"id": "1", "method": "GET", "url": "https://graph.microsoft.com/v1.0/me"}}},
		{"unknown method", []map[string]any{{"id": "1", "method": "TRACE", "url": "/me"}}},
		{"unknown dependency", []map[string]any{{"id": "1", "method": "GET", "url": "/me", "dependsOn": []string{"9"}}}},
		{"cycle", []map[string]any{
			{"id": "1", "method": "GET", "url": "/me", "dependsOn": []string{"2"}},
			{"id": "2", "method": "GET", "url": "/me", "dependsOn": []string{"1"}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := batch(t, s, tc.reqs)
			wantStatus(t, r, http.StatusBadRequest)
			r.errCode(t)
		})
	}
	var twenty []map[string]any
	for i := 0; i < 20; i++ {
		twenty = append(twenty, get(fmt.Sprint(i)))
	}
	if n := len(byID(t, batch(t, s, twenty))); n != 20 {
		t.Errorf("20 requests answered %d", n)
	}
}

// "A dependent of a failed request gets 424"; dependencies run first.
func TestBatchDependsOn(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	res := byID(t, batch(t, s, []map[string]any{
		{"id": "c", "method": "GET", "url": "/me/events", "dependsOn": []string{"b"}},
		{"id": "b", "method": "POST", "url": "/me/events", "headers": map[string]string{"Content-Type": "application/json"}, "body": map[string]any{"subject": "first"}},
		{"id": "bad", "method": "GET", "url": "/me/events/nope"},
		{"id": "d", "method": "GET", "url": "/me", "dependsOn": []string{"bad"}},
		{"id": "e", "method": "GET", "url": "/me", "dependsOn": []string{"d"}},
	}))
	if res["b"].Status != 201 || res["c"].Status != 200 {
		t.Fatalf("b %d, c %d", res["b"].Status, res["c"].Status)
	}
	var list struct{ Value []any }
	json.Unmarshal(res["c"].Body, &list)
	if len(list.Value) != 1 {
		t.Errorf("c ran before its dependency b: %s", res["c"].Body)
	}
	for _, id := range []string{"d", "e"} {
		if res[id].Status != http.StatusFailedDependency {
			t.Errorf("%s: status %d, want 424", id, res[id].Status)
		}
		var e errorBody
		json.Unmarshal(res[id].Body, &e)
		if e.Error.Code != "FailedDependency" {
			t.Errorf("%s: body %s", id, res[id].Body)
		}
	}
}

// "Each inner request is throttled on its own (inner 429 with its own Retry-After)".
func TestBatchInnerThrottling(t *testing.T) {
	s, _ := newTestServer(t, Options{Users: []string{testUser, otherUser}, Limits: Limits{Requests: 2, RequestWindow: time.Minute}})
	res := byID(t, batch(t, s, []map[string]any{
		{"id": "1", "method": "GET", "url": "/me"},
		{"id": "2", "method": "GET", "url": "/me"},
		{"id": "3", "method": "GET", "url": "/me"},
		{"id": "4", "method": "GET", "url": "/users/" + otherUser},
	}))
	var throttled int
	for _, id := range []string{"1", "2", "3"} {
		if res[id].Status == http.StatusTooManyRequests {
			throttled++
			if res[id].Headers["Retry-After"] != "60" {
				t.Errorf("inner 429 headers = %v", res[id].Headers)
			}
		}
	}
	if throttled != 1 || res["4"].Status != 200 {
		t.Errorf("throttled %d of 3, other mailbox %d", throttled, res["4"].Status)
	}
}

// "responses … in any order": the emulator shuffles them (seeded), so no
// client can come to rely on the order.
func TestBatchOrderIsNotPromised(t *testing.T) {
	s, _ := newTestServer(t, Options{Seed: 1})
	var reqs []map[string]any
	for i := 0; i < 20; i++ {
		reqs = append(reqs, map[string]any{"id": fmt.Sprint(i), "method": "GET", "url": "/me"})
	}
	r := batch(t, s, reqs)
	var a batchAnswer
	json.Unmarshal(r.Body, &a)
	inOrder := true
	for i, x := range a.Responses {
		inOrder = inOrder && x.ID == fmt.Sprint(i)
	}
	if inOrder {
		t.Error("responses came back in request order")
	}
}
