package emulator

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Item and reference attachments sit beside files on Outlook items: an
// item attachment is added with its item and read raw as MIME; a reference
// attachment comes from fixtures (v1.0 cannot add one) and has no raw
// contents (405).
func TestItemAndReferenceAttachments(t *testing.T) {
	s, _ := newTestServer(t, Options{Fixtures: &Fixtures{Mailboxes: []FixtureMailbox{{
		UPN:    testUser,
		Events: []FixtureItem{{Subject: "All hands", Attachments: []FixtureAttachment{{Kind: attachReference, Name: "Budget.xlsx"}}}},
	}}}})
	msg := "/me/messages/" + createItem(t, s, testUser, "messages", "x")
	r := do(t, "POST", api(s, msg+"/attachments"), nil, map[string]any{
		"@odata.type": "#microsoft.graph.itemAttachment", "name": "Holiday event",
		"item": map[string]any{"@odata.type": "microsoft.graph.event", "subject": "Discuss gifts"},
	})
	wantStatus(t, r, http.StatusCreated)
	a := r.json(t)
	if a["@odata.type"] != typeItemAttachment || a["name"] != "Holiday event" {
		t.Fatalf("created %v", a)
	}
	if _, has := a["contentBytes"]; has {
		t.Error("an item attachment answered with contentBytes")
	}
	id := a["id"].(string)
	r = do(t, "GET", api(s, msg+"/attachments?$select=id,name,contentType,size,isInline,lastModifiedDateTime,contentId"), nil, nil)
	wantStatus(t, r, http.StatusOK)
	listed := r.json(t)["value"].([]any)[0].(map[string]any)
	if listed["@odata.type"] != typeItemAttachment {
		t.Errorf("listed as %v", listed["@odata.type"])
	}
	r = do(t, "GET", api(s, msg+"/attachments"), nil, nil) // no $select: no contentBytes for an item
	wantStatus(t, r, http.StatusOK)
	if _, has := r.json(t)["value"].([]any)[0].(map[string]any)["contentBytes"]; has {
		t.Error("listing gave an item attachment contentBytes")
	}
	r = do(t, "GET", api(s, msg+"/attachments/"+id+"/$value"), nil, nil)
	wantStatus(t, r, http.StatusOK)
	if r.Header.Get("Content-Type") != "text/calendar" || !strings.Contains(string(r.Body), "Subject: Discuss gifts") {
		t.Errorf("$value of an item attachment: %s %q", r.Header.Get("Content-Type"), r.Body)
	}

	for _, bad := range []map[string]any{
		{"@odata.type": "#microsoft.graph.itemAttachment", "name": "x"},
		{"@odata.type": "#microsoft.graph.itemAttachment", "name": "x", "item": map[string]any{"@odata.type": "#microsoft.graph.user"}},
		{"@odata.type": "#microsoft.graph.itemAttachment", "name": "x", "item": map[string]any{"@odata.type": "#microsoft.graph.message"}, "contentBytes": "AA=="},
		{"@odata.type": "#microsoft.graph.referenceAttachment", "name": "x"},
	} {
		if r := do(t, "POST", api(s, msg+"/attachments"), nil, bad); r.Status/100 != 4 {
			t.Errorf("POST %v: %d", bad, r.Status)
		}
	}
	listID, taskID := createTask(t, s, testUser)
	r = do(t, "POST", api(s, taskPath(testUser, listID, taskID)+"/attachments"), nil, map[string]any{
		"@odata.type": "#microsoft.graph.itemAttachment", "name": "x", "item": map[string]any{"@odata.type": "#microsoft.graph.message"},
	})
	wantStatus(t, r, http.StatusUnprocessableEntity)

	ev := "/me/events/" + findItem(t, s, "events", "All hands")
	r = do(t, "GET", api(s, ev+"/attachments?$select=id,name"), nil, nil)
	wantStatus(t, r, http.StatusOK)
	ref := r.json(t)["value"].([]any)[0].(map[string]any)
	if ref["@odata.type"] != typeReferenceAttachment || ref["name"] != "Budget.xlsx" {
		t.Fatalf("fixture reference attachment listed as %v", ref)
	}
	r = do(t, "GET", api(s, ev+"/attachments/"+ref["id"].(string)+"/$value"), nil, nil)
	wantStatus(t, r, http.StatusMethodNotAllowed)
	r.errCode(t)
}

func TestFixtureAttachmentKinds(t *testing.T) {
	src := `mailbox "a@contoso.example" {
  event "E" {
    attachment "Link" {
      kind = "reference"
    }
    attachment "Mail" {
      kind = "item"
    }
  }
  todo_list "Tasks" {
    todo_task "T" {
      attachment "Link" {
        kind = "reference"
      }
    }
  }
  message "M" {
    attachment "bad" {
      kind = "folder"
    }
    attachment "none" {}
  }
}
`
	_, _, diags := ParseFixtures("f.hcl", []byte(src), func(string) ([]byte, error) { return nil, nil })
	var got []string
	for _, d := range diags {
		got = append(got, d.Summary)
	}
	want := "Invalid attachment kind,Invalid attachment kind,Missing required argument"
	if strings.Join(got, ",") != want {
		t.Errorf("diagnostics %v, want %s", got, want)
	}
}

// findItem returns the id of the one item of coll with subject.
func findItem(t testing.TB, s *Server, coll, subject string) string {
	t.Helper()
	r := do(t, "GET", api(s, "/me/"+coll+"?$filter="+url.QueryEscape("subject eq '"+subject+"'")), nil, nil)
	wantStatus(t, r, http.StatusOK)
	v := r.json(t)["value"].([]any)
	if len(v) != 1 {
		t.Fatalf("%d %s named %q", len(v), coll, subject)
	}
	return v[0].(map[string]any)["id"].(string)
}
