package emulator

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const fixturesHCL = `
# A comment, as anywhere in HCL.
mailbox "ops@contoso.example" {
  message "Welcome pack" {
    attachment "Old agenda.txt" {
      source = "files/agenda.txt"
    }
  }
  message "Filed away" {
    folder = "Archive"
  }
  event "All hands Q3" {
    attachment "slides.bin" {
      source       = "files/slides.bin"
      content_type = "application/vnd.ms-powerpoint"
    }
  }
  todo_list "Tasks" {
    todo_task "File the report" {}
  }
  todo_list "Onboarding" {
    todo_task "Read the handbook" {
      attachment "notes.txt" {
        source = "files/agenda.txt"
      }
    }
  }
}

mailbox "hr@contoso.example" {
  event "Interview" {}
}
`

// The same fixtures in HCL's JSON syntax.
const fixturesJSON = `{
  "mailbox": {
    "ops@contoso.example": {
      "message": {
        "Welcome pack": {"attachment": {"Old agenda.txt": {"source": "files/agenda.txt"}}},
        "Filed away": {"folder": "Archive"}
      },
      "event": {
        "All hands Q3": {"attachment": {"slides.bin": {"source": "files/slides.bin", "content_type": "application/vnd.ms-powerpoint"}}}
      },
      "todo_list": {
        "Tasks": {"todo_task": {"File the report": {}}},
        "Onboarding": {"todo_task": {"Read the handbook": {"attachment": {"notes.txt": {"source": "files/agenda.txt"}}}}}
      }
    },
    "hr@contoso.example": {"event": {"Interview": {}}}
  }
}`

var fixtureFiles = map[string][]byte{
	"files/agenda.txt": []byte("1. Welcome\n2. Numbers\n"),
	"files/slides.bin": testFile(5000),
	"files/big.bin":    testFile(todoMaxAttachment + 1),
}

func readFixtureFile(name string) ([]byte, error) {
	if b, ok := fixtureFiles[name]; ok {
		return b, nil
	}
	return nil, os.ErrNotExist
}

// The package doc, "Fixtures": both syntaxes describe the same mailboxes.
func TestParseFixtures(t *testing.T) {
	for _, name := range []string{"fixtures.hcl", "fixtures.json"} {
		t.Run(name, func(t *testing.T) {
			src := fixturesHCL
			if strings.HasSuffix(name, ".json") {
				src = fixturesJSON
			}
			fx, _, diags := ParseFixtures(name, []byte(src), readFixtureFile)
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if len(fx.Mailboxes) != 2 || fx.Mailboxes[0].UPN != "ops@contoso.example" || fx.Mailboxes[1].UPN != "hr@contoso.example" {
				t.Fatalf("mailboxes %+v", fx.Mailboxes)
			}
			ops := fx.Mailboxes[0]
			if len(ops.Messages) != 2 || len(ops.Events) != 1 || len(ops.Lists) != 2 {
				t.Fatalf("ops holds %d messages, %d events, %d lists", len(ops.Messages), len(ops.Events), len(ops.Lists))
			}
			byName := map[string]FixtureItem{}
			for _, it := range ops.Messages {
				byName[it.Subject] = it
			}
			if f := byName["Filed away"].Folder; f != "archive" {
				t.Errorf("folder %q, want archive", f)
			}
			if a := byName["Welcome pack"].Attachments; len(a) != 1 || a[0].Name != "Old agenda.txt" || string(a[0].Content) != "1. Welcome\n2. Numbers\n" {
				t.Errorf("message attachments %+v", a)
			}
			if a := ops.Events[0].Attachments; len(a) != 1 || a[0].ContentType != "application/vnd.ms-powerpoint" || len(a[0].Content) != 5000 {
				t.Errorf("event attachments: %d", len(a))
			}
			var tasks []string
			for _, l := range ops.Lists {
				for _, tk := range l.Tasks {
					tasks = append(tasks, l.Name+"/"+tk.Subject)
				}
			}
			sortStrings(tasks)
			if strings.Join(tasks, ",") != "Onboarding/Read the handbook,Tasks/File the report" {
				t.Errorf("tasks %q", tasks)
			}
		})
	}
}

// Bad input is a diagnostic naming the file and line of the mistake, with a
// summary and a detail that says what to do; nothing is returned to start
// with. Every case names the rule of the format (package doc, "Fixtures")
// it breaks.
func TestParseFixturesDiagnostics(t *testing.T) {
	for _, tc := range []struct {
		rule    string
		file    string
		src     string
		line    int    // of the first diagnostic
		summary string // of the first diagnostic
		detail  string // a fragment of its detail
	}{
		{"HCL syntax", "f.hcl", "mailbox \"a@b.c\" {\n  message \"x\" {\n", 2, "Unclosed configuration block", ""},
		{"JSON syntax when the name ends in .json", "f.json", "{\"mailbox\": {\n  \"a@b.c\": [}\n}", 2, "", ""},
		{"only mailbox blocks at the top", "f.hcl", "\nmessage \"x\" {}\n", 2, "Unsupported block type", ""},
		{"a mailbox is a UPN", "f.hcl", "mailbox \"ops\" {}\n", 1, "Invalid mailbox", "user principal name"},
		{"a mailbox is a UPN: no slashes", "f.hcl", "mailbox \"a/b@c.d\" {}\n", 1, "Invalid mailbox", ""},
		{"a mailbox has one label", "f.hcl", "mailbox {}\n", 1, "Missing user principal name for mailbox", ""},
		{"each mailbox once", "f.hcl", "mailbox \"a@b.c\" {}\n\nmailbox \"A@B.C\" {}\n", 3, "Duplicate mailbox", "f.hcl:1"},
		{"each subject once per kind", "f.hcl", "mailbox \"a@b.c\" {\n  message \"Hi\" {}\n  message \"hi\" {}\n}\n", 3, "Duplicate message", "exactly one"},
		{"each event subject once", "f.hcl", "mailbox \"a@b.c\" {\n  event \"E\" {}\n  event \"E\" {}\n}\n", 3, "Duplicate event", ""},
		{"each list name once", "f.hcl", "mailbox \"a@b.c\" {\n  todo_list \"L\" {}\n  todo_list \"l\" {}\n}\n", 3, "Duplicate To Do list", ""},
		{"each task title once per list", "f.hcl", "mailbox \"a@b.c\" {\n  todo_list \"L\" {\n    todo_task \"T\" {}\n    todo_task \"T\" {}\n  }\n}\n", 4, "Duplicate To Do task", ""},
		{"each attachment name once per item", "f.hcl", "mailbox \"a@b.c\" {\n  event \"E\" {\n    attachment \"a\" { source = \"files/agenda.txt\" }\n    attachment \"a\" { source = \"files/agenda.txt\" }\n  }\n}\n", 4, "Duplicate attachment", ""},
		{"a subject is not blank", "f.hcl", "mailbox \"a@b.c\" {\n  message \" \" {}\n}\n", 2, "Empty subject", ""},
		{"a title is not blank", "f.hcl", "mailbox \"a@b.c\" {\n  todo_list \"L\" {\n    todo_task \"\" {}\n  }\n}\n", 3, "Empty title", ""},
		{"folder only on messages", "f.hcl", "mailbox \"a@b.c\" {\n  event \"E\" {\n    folder = \"inbox\"\n  }\n}\n", 3, "Unsupported argument", ""},
		{"folder is well-known", "f.hcl", "mailbox \"a@b.c\" {\n  message \"M\" {\n    folder = \"Projects\"\n  }\n}\n", 3, "Unknown folder", "drafts"},
		{"folder is a string", "f.hcl", "mailbox \"a@b.c\" {\n  message \"M\" {\n    folder = 3\n  }\n}\n", 3, "Invalid folder", ""},
		{"no variables", "f.hcl", "mailbox \"a@b.c\" {\n  message \"M\" {\n    folder = var.f\n  }\n}\n", 3, "Variables not allowed", ""},
		{"an attachment needs a source", "f.hcl", "mailbox \"a@b.c\" {\n  message \"M\" {\n    attachment \"a\" {}\n  }\n}\n", 3, "Missing required argument", ""},
		{"a source must be readable", "f.hcl", "mailbox \"a@b.c\" {\n  message \"M\" {\n    attachment \"a\" {\n      source = \"files/missing.pdf\"\n    }\n  }\n}\n", 4, "Cannot read attachment source", "relative to the fixtures file"},
		{"a content type is a media type", "f.hcl", "mailbox \"a@b.c\" {\n  message \"M\" {\n    attachment \"a\" {\n      source = \"files/agenda.txt\"\n      content_type = \"pdf please\"\n    }\n  }\n}\n", 5, "Invalid content type", ""},
		{"To Do takes files up to 25 MB", "f.hcl", "mailbox \"a@b.c\" {\n  todo_list \"L\" {\n    todo_task \"T\" {\n      attachment \"big\" { source = \"files/big.bin\" }\n    }\n  }\n}\n", 4, "Attachment too large", "25 MB"},
		{"unknown attributes are refused", "f.hcl", "mailbox \"a@b.c\" {\n  todo_list \"L\" {\n    owner = \"x\"\n  }\n}\n", 3, "Unsupported argument", ""},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			fx, _, diags := ParseFixtures(tc.file, []byte(tc.src), readFixtureFile)
			if !diags.HasErrors() {
				t.Fatalf("accepted:\n%s", tc.src)
			}
			if fx != nil {
				t.Errorf("fixtures returned with errors")
			}
			d := diags[0]
			if d.Subject == nil || d.Subject.Filename != tc.file || d.Subject.Start.Line != tc.line {
				t.Fatalf("diagnostic at %v, want %s line %d: %s", d.Subject, tc.file, tc.line, diags.Error())
			}
			if tc.summary != "" && d.Summary != tc.summary {
				t.Errorf("summary %q, want %q", d.Summary, tc.summary)
			}
			if !strings.Contains(d.Detail, tc.detail) {
				t.Errorf("detail %q lacks %q", d.Detail, tc.detail)
			}
		})
	}
}

// Every problem is reported, not only the first.
func TestParseFixturesReportsAll(t *testing.T) {
	src := "mailbox \"bad\" {}\nmailbox \"a@b.c\" {\n  message \"\" {}\n  event \"E\" {\n    attachment \"x\" { source = \"nope\" }\n  }\n}\n"
	_, _, diags := ParseFixtures("f.hcl", []byte(src), readFixtureFile)
	if len(diags) != 3 {
		t.Fatalf("%d diagnostics, want 3: %s", len(diags), diags.Error())
	}
}

// "Maximum message size 35 MB (configurable up to 150 MB):
// ErrorMessageSizeExceeded": fixtures that would break it do not start.
func TestFixturesOverMessageSize(t *testing.T) {
	fx := &Fixtures{Mailboxes: []FixtureMailbox{{UPN: testUser, Messages: []FixtureItem{{Subject: "big", Attachments: []FixtureAttachment{
		{Name: "a", Content: make([]byte, 600<<10)}, {Name: "b", Content: make([]byte, 600<<10)},
	}}}}}}
	if d := fx.Check(Limits{MessageBytes: 1 * mb}); !d.HasErrors() || !strings.Contains(d[0].Detail, "-limits message=") {
		t.Fatalf("Check: %v", d)
	}
	if _, err := New(Options{Fixtures: fx, Limits: Limits{MessageBytes: 1 * mb}}); err == nil || !strings.Contains(err.Error(), "maximum message size") {
		t.Fatalf("New: %v", err)
	}
	if d := fx.Check(Limits{MessageBytes: 2 * mb}); d.HasErrors() {
		t.Fatalf("Check under the limit: %v", d)
	}
}

// findOne finds the one item a data source would: GET coll?$filter=FIELD eq 'v'.
func findOne(t *testing.T, s *Server, coll, field, value string) string {
	t.Helper()
	r := do(t, "GET", api(s, coll+"?$filter="+url.QueryEscape(field+" eq '"+value+"'")), nil, nil)
	wantStatus(t, r, http.StatusOK)
	vals, _ := r.json(t)["value"].([]any)
	if len(vals) != 1 {
		t.Fatalf("%s: %d items with %s %q, want 1", coll, len(vals), field, value)
	}
	return vals[0].(map[string]any)["id"].(string)
}

func loadTestFixtures(t *testing.T) *Fixtures {
	t.Helper()
	dir := t.TempDir()
	for name, b := range fixtureFiles {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "ci.fixtures.hcl")
	os.WriteFile(path, []byte(fixturesHCL), 0o644)
	fx, files, diags := LoadFixtures(path)
	if diags.HasErrors() || files[path] == nil {
		t.Fatalf("LoadFixtures: %s", diags.Error())
	}
	return fx
}

// What the fixtures declare is there at start, found by name exactly as a
// manifest's data sources find it; attachments carry the source's bytes.
func TestFixturesCreatedAtStart(t *testing.T) {
	fx := loadTestFixtures(t)
	s, _ := newTestServer(t, Options{Users: []string{}, Fixtures: fx})

	// The fixtures' first mailbox is /me when Users names none.
	if upn := do(t, "GET", api(s, "/me"), nil, nil).json(t)["userPrincipalName"]; upn != "ops@contoso.example" {
		t.Errorf("/me is %v", upn)
	}
	ops := "/users/ops@contoso.example"
	msg := findOne(t, s, ops+"/messages", "subject", "Welcome pack")
	findOne(t, s, ops+"/mailFolders/archive/messages", "subject", "Filed away")
	findOne(t, s, ops+"/mailFolders/drafts/messages", "subject", "Welcome pack")
	ev := findOne(t, s, ops+"/events", "subject", "All hands Q3")
	findOne(t, s, "/users/hr@contoso.example/events", "subject", "Interview")
	tasks := findOne(t, s, ops+"/todo/lists", "displayName", "Tasks") // the default list, not a second one
	findOne(t, s, ops+"/todo/lists/"+url.PathEscape(tasks)+"/tasks", "title", "File the report")
	onb := findOne(t, s, ops+"/todo/lists", "displayName", "Onboarding")
	task := findOne(t, s, ops+"/todo/lists/"+url.PathEscape(onb)+"/tasks", "title", "Read the handbook")

	for _, tc := range []struct {
		item, name, contentType string
		content                 []byte
	}{
		{itemPath("ops@contoso.example", "messages", msg), "Old agenda.txt", "text/plain; charset=utf-8", fixtureFiles["files/agenda.txt"]},
		{itemPath("ops@contoso.example", "events", ev), "slides.bin", "application/vnd.ms-powerpoint", fixtureFiles["files/slides.bin"]},
		{taskPath("ops@contoso.example", onb, task), "notes.txt", "text/plain; charset=utf-8", fixtureFiles["files/agenda.txt"]},
	} {
		r := do(t, "GET", api(s, tc.item+"/attachments?$select=id,name,contentType,size"), nil, nil)
		wantStatus(t, r, http.StatusOK)
		vals := r.json(t)["value"].([]any)
		if len(vals) != 1 {
			t.Fatalf("%s: %d attachments", tc.item, len(vals))
		}
		a := vals[0].(map[string]any)
		if a["name"] != tc.name || a["contentType"] != tc.contentType {
			t.Errorf("%s: attachment %v", tc.item, a)
		}
		v := do(t, "GET", api(s, tc.item+"/attachments/"+url.PathEscape(a["id"].(string))+"/$value"), nil, nil)
		if string(v.Body) != string(tc.content) {
			t.Errorf("%s: $value differs from the source file", tc.name)
		}
	}
	if st := s.Stats(); st.Mailboxes != 2 || st.Attachments != 3 {
		t.Errorf("stats: %d mailboxes, %d attachments", st.Mailboxes, st.Attachments)
	}
}

// "created at every start where missing": a persistent store keeps what it
// has, including what users added since, and gains nothing twice.
func TestFixturesIdempotentAcrossRestarts(t *testing.T) {
	fx := loadTestFixtures(t)
	dir := t.TempDir()
	s, _ := newTestServer(t, Options{DataDir: dir, Fixtures: fx})
	ops := "/users/ops@contoso.example"
	msg := findOne(t, s, ops+"/messages", "subject", "Welcome pack")
	// Someone adds an attachment and a message of their own.
	wantStatus(t, postSmall(t, s, itemPath("ops@contoso.example", "messages", msg), "#microsoft.graph.fileAttachment", "mine.txt", []byte("mine")), http.StatusCreated)
	createItem(t, s, "ops@contoso.example", "messages", "Mine")
	before := s.Stats()
	s.Close()

	s2, _ := newTestServer(t, Options{DataDir: dir, Fixtures: fx})
	if id := findOne(t, s2, ops+"/messages", "subject", "Welcome pack"); id != msg {
		t.Errorf("the message was created again: id %s, was %s", id, msg)
	}
	findOne(t, s2, ops+"/messages", "subject", "Mine")
	after := s2.Stats()
	if after.Items != before.Items || after.Attachments != before.Attachments || after.Mailboxes != before.Mailboxes {
		t.Errorf("restart changed the store: %+v → %+v", before, after)
	}
}

// LoadFixtures names the file it could not read.
func TestLoadFixturesMissingFile(t *testing.T) {
	_, _, diags := LoadFixtures(filepath.Join(t.TempDir(), "nope.hcl"))
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "nope.hcl") {
		t.Fatalf("diags %v", diags)
	}
}
