//go:build unix

package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// ghIssues is a stand-in gh for the drift workflow: it records every call
// (calls.log) and keeps the repository's issues as files (issues/N.label,
// N.title, N.body, N.closed) so that a later run finds what an earlier one
// opened, as GitHub would.
const ghIssues = `#!/bin/sh
[ -n "$GH_TOKEN" ] || { echo "gh: GH_TOKEN is not set" >&2; exit 4; }
echo "gh $*" >> "$PIPELINE_API/calls.log"
issues="$PIPELINE_API/issues"
mkdir -p "$issues"
what="$1 $2"
n=
case "$3" in [0-9]*) n=$3 ;; esac
shift 2
label= body= title= state=
while [ $# -gt 0 ]; do
  case "$1" in
    --label) label=$2; shift ;;
    --body-file) body=$2; shift ;;
    --title) title=$2; shift ;;
    --state) state=$2; shift ;;
    --repo) [ "$2" = "$GITHUB_REPOSITORY" ] || { echo "gh: wrong --repo $2" >&2; exit 2; }; shift ;;
    --comment|--color|--description|--json|--jq) shift ;;
    --force) ;;
    [0-9]*) ;;
    -*) echo "gh: unexpected $1" >&2; exit 2 ;;
    *) [ "$what" = "label create" ] || { echo "gh: unexpected $1" >&2; exit 2; } ;;
  esac
  shift
done
case "$what" in
  "label create") ;;
  "issue list")
    [ "$state" = open ] || { echo "gh: list without --state open" >&2; exit 2; }
    for f in "$issues"/*.label; do
      [ -f "$f" ] || continue
      i=$(basename "$f" .label)
      if [ "$(cat "$f")" = "$label" ] && [ ! -f "$issues/$i.closed" ]; then echo "$i"; break; fi
    done ;;
  "issue create")
    i=$((101 + $(ls "$issues" | grep -c '\.label$')))
    echo "$label" > "$issues/$i.label"; echo "$title" > "$issues/$i.title"; cp "$body" "$issues/$i.body"
    echo "https://github.com/$GITHUB_REPOSITORY/issues/$i" ;;
  "issue edit") [ -f "$issues/$n.label" ] || exit 1; cp "$body" "$issues/$n.body" ;;
  "issue close") [ -f "$issues/$n.label" ] || exit 1; touch "$issues/$n.closed" ;;
  *) echo "gh: $what is not stubbed" >&2; exit 2 ;;
esac
`

// The drift workflow of examples/github-actions, its job run against the
// emulator and Azurite with a stand-in gh: in sync (no issue), drift (one
// issue opened with the plan, then updated in place, not a second one),
// back in sync (the issue closed), and a check that could not tell (its
// own issue, the run failed, never counted as drift).
func TestGitHubActionsDriftExample(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the example's jobs")
	}
	dir := filepath.Join(repoRoot, "examples", "github-actions")
	workflow := filepath.Join(dir, "drift.yml")
	if lint, err := exec.LookPath("actionlint"); err == nil {
		if out, err := exec.Command(lint, workflow).CombinedOutput(); err != nil {
			t.Errorf("actionlint: %v\n%s", err, out)
		}
	}
	repo := "contoso/attachments"
	values := func(stateEndpoint string) map[string]string {
		return map[string]string{
			"env.ATTACHFORM_VERSION":         exampleVersion,
			"vars.ATTACHFORM_STATE_ENDPOINT": stateEndpoint,
			"vars.AZURE_CLIENT_ID_PLAN":      "33333333-3333-3333-3333-333333333333",
			"vars.AZURE_TENANT_ID":           "11111111-1111-1111-1111-111111111111",
			"github.token":                   "ghs_placeholder",
		}
	}
	for _, event := range []string{"schedule", "workflow_dispatch"} {
		if got := jobNames(githubJobs(t, workflow, values(""), map[string]string{"github.event_name": event})); !slices.Equal(got, []string{"drift"}) {
			t.Errorf("event %s: jobs %v, want drift", event, got)
		}
	}
	on := asMap(readYAML(t, workflow)["true"])
	if _, dispatch := on["workflow_dispatch"]; on["schedule"] == nil || !dispatch {
		t.Errorf("the drift workflow runs on %v, want schedule and workflow_dispatch", on)
	}
	checkPipelineLines(t, githubJobs(t, workflow, values(""), map[string]string{"github.event_name": "schedule"}))

	w := newPipelineWorld(t, dir)
	if err := os.WriteFile(filepath.Join(w.stubs, "gh"), []byte(ghIssues), 0o755); err != nil {
		t.Fatal(err)
	}
	w.needState()
	w.needGraph()
	runner := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": repo, "GITHUB_EVENT_NAME": "schedule",
		"GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "4242"}
	drift := func() jobResult {
		job := jobNamed(t, githubJobs(t, workflow, values(w.state["ATTACHFORM_STATE_ENDPOINT"]), map[string]string{"github.event_name": "schedule"}), "drift")
		return w.run(job, runner, nil, nil)
	}
	issue := func(n, part string) string {
		b, _ := os.ReadFile(filepath.Join(w.api, "issues", n+"."+part))
		return string(b)
	}
	closed := func(n string) bool { _, err := os.Stat(filepath.Join(w.api, "issues", n+".closed")); return err == nil }

	// The configuration applied: in sync, nothing opened.
	w.applyAll()
	if res := drift(); !strings.Contains(res.output, "In sync: Graph matches the configuration.") {
		t.Fatalf("in sync:\n%s", res.output)
	}
	if calls := w.recorded("calls.log"); strings.Contains(calls, "gh issue create") || strings.Contains(calls, "gh issue close") {
		t.Errorf("in sync, an issue was opened or closed:\n%s", calls)
	}

	// Someone deletes a handbook chapter by hand: one drift issue with the
	// plan, the item named by its subject.
	w.deleteByHand("messages", "Welcome to the team", "01-first-week.md")
	res := drift()
	if body := issue("101", "body"); issue("101", "label") != "attachform-drift\n" ||
		!strings.Contains(body, "Graph no longer matches the configuration on main. Last checked: https://github.com/"+repo+"/actions/runs/4242") ||
		!strings.Contains(body, "### attachform plan") || !strings.Contains(body, "deleted outside attachform") ||
		!strings.Contains(body, "message &quot;Welcome to the team&quot; in ops@contoso.com") {
		t.Fatalf("drift: issue 101 labelled %q:\n%s\n%s", issue("101", "label"), body, res.output)
	}

	// More drift on the next run: the same issue, updated in place.
	w.deleteByHand("events", "All hands Q3", "agenda.md")
	drift()
	if calls := w.recorded("calls.log"); strings.Count(calls, "gh issue create") != 1 || !strings.Contains(calls, "gh issue edit 101") {
		t.Errorf("the second drift did not update issue 101 in place:\n%s", calls)
	}
	if body := issue("101", "body"); !strings.Contains(body, "`attachment.agenda`") || !strings.Contains(body, "Plan: 2 to add") {
		t.Errorf("issue 101 after the second run:\n%s", body)
	}

	// Applied again: back in sync, the issue closed.
	w.applyAll()
	drift()
	if !closed("101") {
		t.Errorf("back in sync, issue 101 is still open:\n%s", w.recorded("calls.log"))
	}

	// Graph refuses the identity (a permission removed): the check fails,
	// with its own issue, and the closed drift issue stays closed.
	denied := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		rw.WriteHeader(http.StatusForbidden)
		_, _ = rw.Write([]byte(`{"error":{"code":"ErrorAccessDenied","message":"Access is denied. Check credentials and try again."}}`))
	}))
	defer denied.Close()
	w.mayFail = true
	res = w.run(jobNamed(t, githubJobs(t, workflow, values(w.state["ATTACHFORM_STATE_ENDPOINT"]), map[string]string{"github.event_name": "schedule"}), "drift"),
		runner, nil, map[string]string{"ATTACHFORM_GRAPH_ENDPOINT": denied.URL})
	if res.failed != "check for drift" {
		t.Errorf("a check that could not tell did not fail its step (failed: %q):\n%s", res.failed, res.output)
	}
	if body := issue("102", "body"); issue("102", "label") != "attachform-drift-check-failed\n" || issue("102", "title") != "attachform: drift check failed\n" ||
		!strings.Contains(body, "could not tell whether Graph matches the configuration: this is not drift") || !strings.Contains(body, "Error:") {
		t.Errorf("the failed check's issue 102 (%q, %q):\n%s", issue("102", "label"), issue("102", "title"), body)
	}
	if calls := w.recorded("calls.log"); strings.Count(calls, "gh issue create") != 2 || !closed("101") || issue("103", "label") != "" {
		t.Errorf("a failed check counted as drift:\n%s", calls)
	}
}

// applyAll applies the example's manifests to the world's Graph and state,
// as the apply job on main would.
func (w *pipelineWorld) applyAll() {
	w.t.Helper()
	w.run(pipelineJob{name: "apply (by the test)", env: map[string]string{"ATTACHFORM_IN_AUTOMATION": "true"}, steps: []pipelineStep{{
		name: "apply", errexit: true,
		// The tree's attachform: the test's own job installs nothing.
		script: "PATH=" + binDir + ":$PATH\n" + `attachform -chdir=attachments init -input=false -no-color -backend-config="endpoint=$ATTACHFORM_STATE_ENDPOINT"
attachform -chdir=attachments apply -input=false -auto-approve -no-color`,
	}}}, map[string]string{}, nil, nil)
}

// deleteByHand deletes the attachment called name from the item with that
// subject in ops@contoso.com, through Graph's API, as someone in Outlook
// would.
func (w *pipelineWorld) deleteByHand(collection, subject, name string) {
	w.t.Helper()
	base := w.graph.URL() + "/v1.0/users/ops@contoso.com/" + collection
	get := func(u string, into any) {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("Authorization", "Bearer by-hand")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			w.t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
			w.t.Fatal(err)
		}
	}
	var list struct{ Value []struct{ ID, Name string } }
	get(base+"?$filter="+url.QueryEscape("subject eq '"+subject+"'"), &list)
	if len(list.Value) != 1 {
		w.t.Fatalf("%s %q: %d items", collection, subject, len(list.Value))
	}
	item := base + "/" + url.PathEscape(list.Value[0].ID)
	var atts struct{ Value []struct{ ID, Name string } }
	get(item+"/attachments?$select=id,name", &atts)
	for _, a := range atts.Value {
		if a.Name == name {
			req, _ := http.NewRequest(http.MethodDelete, item+"/attachments/"+url.PathEscape(a.ID), nil)
			req.Header.Set("Authorization", "Bearer by-hand")
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != http.StatusNoContent {
				w.t.Fatalf("delete %s: %v %v", name, resp, err)
			}
			resp.Body.Close()
			return
		}
	}
	w.t.Fatalf("%s %q holds no %s", collection, subject, name)
}

// curlBoards is a stand-in curl for Azure Boards' work item API, as the
// Azure Pipelines drift pipeline calls it: it records every call
// (calls.log) and keeps the work items as files (workitems/N.tag, N.json,
// N.closed); a WIQL query finds the open item with the tag it names.
const curlBoards = `#!/bin/sh
# The installer's downloads go to the release server.
case "$*" in *"$ATTACHFORM_RELEASES_URL"/*) exec "$PIPELINE_REAL_CURL" "$@" ;; esac
method=GET data= url= auth= ctype=
while [ $# -gt 0 ]; do
  case "$1" in
    -X) method=$2; shift ;;
    -d) data=$2; shift ;;
    -H) case "$2" in Authorization:*) auth=$2 ;; Content-Type:*) ctype=$2 ;; esac; shift ;;
    -fsS) ;;
    http*) url=$1 ;;
    *) echo "curl: unexpected $1" >&2; exit 2 ;;
  esac
  shift
done
[ "$auth" = "Authorization: Bearer $SYSTEM_ACCESSTOKEN" ] && [ -n "$SYSTEM_ACCESSTOKEN" ] || { echo "curl: no token" >&2; exit 22; }
echo "curl $method $url" >> "$PIPELINE_API/calls.log"
items="$PIPELINE_API/workitems"
mkdir -p "$items"
body=
[ "$data" = @- ] && body=$(cat)
case "$method $url" in
  "POST "*/_apis/wit/wiql?api-version=7.1)
    tag=$(printf '%s' "$body" | jq -r .query | sed -n "s/.*CONTAINS '\([^']*\)'.*/\1/p")
    for f in "$items"/*.tag; do
      [ -f "$f" ] || continue
      i=$(basename "$f" .tag)
      if [ "$(cat "$f")" = "$tag" ] && [ ! -f "$items/$i.closed" ]; then printf '{"workItems":[{"id":%s}]}' "$i"; exit 0; fi
    done
    printf '{"workItems":[]}' ;;
  "POST "*'/_apis/wit/workitems/$Issue?api-version=7.1')
    [ "$ctype" = "Content-Type: application/json-patch+json" ] || exit 22
    i=$((201 + $(ls "$items" | grep -c '\.tag$')))
    printf '%s' "$body" > "$items/$i.json"
    printf '%s' "$body" | jq -r '.[] | select(.path == "/fields/System.Tags") | .value' > "$items/$i.tag"
    printf '{"id":%s}' "$i" ;;
  "PATCH "*/_apis/wit/workitems/*)
    [ "$ctype" = "Content-Type: application/json-patch+json" ] || exit 22
    i=${url##*/workitems/}; i=${i%%\?*}
    [ -f "$items/$i.tag" ] || exit 22
    if printf '%s' "$body" | jq -e '.[] | select(.path == "/fields/System.State" and .value == "Done")' > /dev/null; then
      touch "$items/$i.closed"
    else
      printf '%s' "$body" > "$items/$i.json"
    fi
    printf '{}' ;;
  *) echo "curl: $method $url is not stubbed" >&2; exit 22 ;;
esac
`

// The Azure Pipelines drift pipeline, run as TestGitHubActionsDriftExample
// runs GitHub's, with Azure Boards work items for issues.
func TestAzurePipelinesDriftExample(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the example's jobs")
	}
	if _, err := exec.LookPath("jq"); err != nil {
		t.Skip("jq is not installed (Microsoft-hosted agents have it)")
	}
	dir := filepath.Join(repoRoot, "examples", "azure-pipelines")
	pipeline := filepath.Join(dir, "drift.yml")
	p := readYAML(t, pipeline)
	if p["schedules"] == nil || asString(p["trigger"]) != "none" || asString(p["pr"]) != "none" {
		t.Errorf("the drift pipeline runs on schedules only: schedules %v, trigger %v, pr %v", p["schedules"], p["trigger"], p["pr"])
	}
	vars := func(state string) map[string]string {
		return map[string]string{
			"Build.Reason": "Schedule", "Build.SourceBranch": "refs/heads/main", "Build.BuildId": "99",
			"System.CollectionUri": "https://dev.azure.com/contoso/", "System.TeamProjectId": "33333333-3333-3333-3333-333333333333",
			"System.AccessToken": "ado-placeholder-token", "TF_BUILD": "True", "ATTACHFORM_STATE_ENDPOINT": state,
		}
	}
	jobs := azureJobs(t, pipeline, vars(""))
	if got := jobNames(jobs); !slices.Equal(got, []string{"Drift/drift"}) {
		t.Fatalf("jobs %v", got)
	}
	checkPipelineLines(t, jobs)

	w := newPipelineWorld(t, dir)
	if err := os.WriteFile(filepath.Join(w.stubs, "curl"), []byte(curlBoards), 0o755); err != nil {
		t.Fatal(err)
	}
	w.needState()
	w.needGraph()
	drift := func(override ...map[string]string) jobResult {
		v := vars(w.state["ATTACHFORM_STATE_ENDPOINT"])
		return w.run(jobNamed(t, azureJobs(t, pipeline, v), "Drift/drift"), nil, v, override...)
	}
	item := func(n, part string) string {
		b, _ := os.ReadFile(filepath.Join(w.api, "workitems", n+"."+part))
		return string(b)
	}
	closed := func(n string) bool {
		_, err := os.Stat(filepath.Join(w.api, "workitems", n+".closed"))
		return err == nil
	}
	description := func(n string) string {
		var ops []struct{ Path, Value string }
		_ = json.Unmarshal([]byte(item(n, "json")), &ops)
		for _, op := range ops {
			if op.Path == "/fields/System.Description" {
				return op.Value
			}
		}
		return ""
	}

	w.applyAll()
	if res := drift(); !strings.Contains(res.output, "In sync: Graph matches the configuration.") || item("201", "tag") != "" {
		t.Fatalf("in sync:\n%s", res.output)
	}
	w.deleteByHand("messages", "Welcome to the team", "01-first-week.md")
	res := drift()
	if d := description("201"); item("201", "tag") != "attachform-drift\n" || !strings.Contains(d, "deleted outside attachform") ||
		!strings.Contains(d, "Graph no longer matches the configuration on main. Last checked: https://dev.azure.com/contoso/33333333-3333-3333-3333-333333333333/_build/results?buildId=99") {
		t.Fatalf("drift: work item 201 tagged %q:\n%s\n%s", item("201", "tag"), d, res.output)
	}
	w.deleteByHand("events", "All hands Q3", "agenda.md")
	drift()
	if calls := w.recorded("calls.log"); strings.Count(calls, "curl POST https://dev.azure.com/contoso/33333333-3333-3333-3333-333333333333/_apis/wit/workitems/$Issue") != 1 ||
		!strings.Contains(description("201"), "`attachment.agenda`") {
		t.Errorf("the second drift did not update work item 201 in place:\n%s\n%s", calls, description("201"))
	}
	w.applyAll()
	drift()
	if !closed("201") {
		t.Errorf("back in sync, work item 201 is still open:\n%s", w.recorded("calls.log"))
	}

	denied := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		rw.WriteHeader(http.StatusForbidden)
		_, _ = rw.Write([]byte(`{"error":{"code":"ErrorAccessDenied","message":"Access is denied. Check credentials and try again."}}`))
	}))
	defer denied.Close()
	w.mayFail = true
	res = drift(map[string]string{"ATTACHFORM_GRAPH_ENDPOINT": denied.URL})
	if res.failed != "open, update or close the drift work item" {
		t.Errorf("a check that could not tell did not fail (failed: %q):\n%s", res.failed, res.output)
	}
	if d := description("202"); item("202", "tag") != "attachform-drift-check-failed\n" || !strings.Contains(d, "this is not drift") || !strings.Contains(d, "Error:") {
		t.Errorf("the failed check's work item 202 (%q):\n%s", item("202", "tag"), d)
	}
	if !closed("201") || item("203", "tag") != "" {
		t.Errorf("a failed check counted as drift:\n%s", w.recorded("calls.log"))
	}
}
