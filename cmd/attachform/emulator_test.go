package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// startEmulatorCommand runs "attachform emulator ARGS" until the test ends
// and returns the base URL it printed on its first line.
func startEmulatorCommand(t *testing.T, args ...string) string {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int)
	go func() {
		done <- run(ctx, append([]string{"emulator"}, args...), streams{in: strings.NewReader(""), out: pw, err: io.Discard}, nil)
		pw.Close()
	}()
	t.Cleanup(func() {
		stop()
		go io.Copy(io.Discard, pr)
		if code := <-done; code != exitOK {
			t.Errorf("emulator exited %d after the interrupt, want 0", code)
		}
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the emulator's first line: %v", err)
	}
	return strings.TrimSpace(line)
}

// A CI dry run: the emulator serves a user's mailbox, and an unchanged
// manifest is planned and applied against it through ATTACHFORM_GRAPH_ENDPOINT.
func TestEmulatorCommandServesADryRun(t *testing.T) {
	url := startEmulatorCommand(t, "-users", "ops@contoso.example", "-limits", "concurrency=2", "-seed", "7")
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("first line %q is not the Graph base URL", url)
	}
	dir := t.TempDir()
	manifest := `
graph {
  endpoint = "https://graph.microsoft.com"
}
target "inbox_note" {
  mailbox = "ops@contoso.example"
  todo_list = data.todo_list.tasks.id
  todo_task = data.todo_task.note.id
}
data "todo_list" "tasks" {
  mailbox = "ops@contoso.example"
  name    = "Tasks"
}
data "todo_task" "note" {
  mailbox = "ops@contoso.example"
  list_id = data.todo_list.tasks.id
  title   = "Quarterly report"
}
attachment "report" {
  target = target.inbox_note
  source = "report.txt"
}
`
	for name, content := range map[string]string{"main.attach.hcl": manifest, "report.txt": "numbers"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	environ := []string{"ATTACHFORM_GRAPH_ENDPOINT=" + url}
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"-chdir=" + dir, "plan", "-no-color"}, streams{in: strings.NewReader(""), out: &out, err: &errOut}, environ)
	// The task does not exist yet: the data source says so.
	if code != exitError || !strings.Contains(errOut.String(), "Quarterly report") {
		t.Fatalf("plan against a mailbox without the task: exit %d\n%s%s", code, out.String(), errOut.String())
	}

	// Create the task through Graph's own endpoint, then apply for real.
	mbx := url + "/v1.0/users/ops@contoso.example"
	var lists struct{ Value []struct{ ID string } }
	getJSONTo(t, mbx+"/todo/lists?$filter="+neturl.QueryEscape("displayName eq 'Tasks'"), &lists)
	if len(lists.Value) != 1 {
		t.Fatalf("default To Do list: %+v", lists)
	}
	req, _ := http.NewRequest("POST", mbx+"/todo/lists/"+neturl.PathEscape(lists.Value[0].ID)+"/tasks", strings.NewReader(`{"title":"Quarterly report"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+scriptToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create the task: %v %v", resp, err)
	}
	resp.Body.Close()
	out.Reset()
	errOut.Reset()
	code = run(context.Background(), []string{"-chdir=" + dir, "apply", "-auto-approve", "-no-color"}, streams{in: strings.NewReader(""), out: &out, err: &errOut}, environ)
	if code != exitOK || !strings.Contains(out.String(), "Apply complete! Resources: 1 added") {
		t.Fatalf("apply: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	var stats struct{ Attachments int }
	getJSONTo(t, url+"/_emulator/stats", &stats)
	if stats.Attachments != 1 {
		t.Fatalf("the emulator holds %d attachments, want 1", stats.Attachments)
	}
}

func getJSONTo(t *testing.T, u string, v any) {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+scriptToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v", u, resp.Status, err)
	}
}
