//go:build unix

package main

import (
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// checkPipelineLines checks every attachform command line of jobs against
// the commands (see checkCommandLine).
func checkPipelineLines(t *testing.T, jobs []pipelineJob) {
	t.Helper()
	g := &globals{}
	lines := 0
	for _, job := range jobs {
		for _, s := range job.steps {
			for _, args := range attachformLines(s.script) {
				lines++
				if problem := checkCommandLine(g, args); problem != "" {
					t.Errorf("job %s, step %q: attachform %s: %s", job.name, s.name, strings.Join(args, " "), problem)
				}
			}
		}
	}
	if lines == 0 {
		t.Error("no attachform command line found: the extraction is broken")
	}
}

func jobNames(jobs []pipelineJob) []string {
	var out []string
	for _, j := range jobs {
		out = append(out, j.name)
	}
	return out
}

func jobNamed(t *testing.T, jobs []pipelineJob, name string) pipelineJob {
	t.Helper()
	for _, j := range jobs {
		if j.name == name {
			return j
		}
	}
	t.Fatalf("no job %s among %v", name, jobNames(jobs))
	return pipelineJob{}
}

// The GitHub Actions example: actionlint-clean when actionlint is here
// (.ci/run installs it), the right jobs for each event, every attachform
// command line one the commands take, and the jobs run against the
// emulator and Azurite: a pull request (plan commented, summary, artifact;
// dry run), a second push to it (the comment edited, not a second one), a
// merge (plan and apply of the saved plan), and a pull request after it
// (no changes).
func TestGitHubActionsExample(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the example's jobs")
	}
	dir := filepath.Join(repoRoot, "examples", "github-actions")
	workflow := filepath.Join(dir, "attachform.yml")
	if lint, err := exec.LookPath("actionlint"); err == nil {
		if out, err := exec.Command(lint, workflow, filepath.Join(repoRoot, "examples", "dry-run", "dry-run.yml"), filepath.Join(repoRoot, ".github", "workflows", "release.yml"), filepath.Join(repoRoot, ".github", "workflows", "test.yml")).CombinedOutput(); err != nil {
			t.Errorf("actionlint: %v\n%s", err, out)
		}
	} else {
		t.Log("actionlint is not installed here; .ci/run runs it")
	}
	repo := "contoso/attachments"
	values := func(stateEndpoint string) map[string]string {
		return map[string]string{
			"env.ATTACHFORM_VERSION":           exampleVersion,
			"vars.ATTACHFORM_STATE_ENDPOINT":   stateEndpoint,
			"vars.AZURE_CLIENT_ID":             "22222222-2222-2222-2222-222222222222",
			"vars.AZURE_CLIENT_ID_PLAN":        "33333333-3333-3333-3333-333333333333",
			"vars.AZURE_TENANT_ID":             "11111111-1111-1111-1111-111111111111",
			"github.event.pull_request.number": "7",
			"github.token":                     "ghs_placeholder",
			"github.sha":                       "0123456789abcdef0123456789abcdef01234567",
			"github.event.pull_request.base.sha || github.event.before": "HEAD~1",
			"steps.diff.outputs.manifests":                              "true",
		}
	}
	changed := func(ctx map[string]string, manifests string) map[string]string {
		out := maps.Clone(ctx)
		out["needs.changes.outputs.manifests"] = manifests
		return out
	}
	pr := changed(map[string]string{"github.event_name": "pull_request", "github.ref": "refs/pull/7/merge", "github.repository": repo,
		"github.event.pull_request.head.repo.full_name": repo}, "true")
	fork := changed(map[string]string{"github.event_name": "pull_request", "github.ref": "refs/pull/8/merge", "github.repository": repo,
		"github.event.pull_request.head.repo.full_name": "someone/attachments"}, "true")
	push := changed(map[string]string{"github.event_name": "push", "github.ref": "refs/heads/main", "github.repository": repo,
		"github.event.pull_request.head.repo.full_name": ""}, "true")
	for _, tc := range []struct {
		ctx  map[string]string
		jobs []string
	}{
		{pr, []string{"changes", "dry-run", "plan"}},
		{fork, []string{"changes", "dry-run", "plan-fork"}},
		{push, []string{"apply", "changes"}},
		// Nothing the jobs read changed: they are skipped, and a skipped
		// job passes a required check.
		{changed(pr, "false"), []string{"changes"}},
		{changed(fork, "false"), []string{"changes"}},
		{changed(push, "false"), []string{"changes"}},
	} {
		if got := jobNames(githubJobs(t, workflow, values(""), tc.ctx)); !slices.Equal(got, tc.jobs) {
			t.Errorf("event %s (head %s, manifests changed %s): jobs %v, want %v", tc.ctx["github.event_name"], tc.ctx["github.event.pull_request.head.repo.full_name"],
				tc.ctx["needs.changes.outputs.manifests"], got, tc.jobs)
		}
	}
	checkPipelineLines(t, append(githubJobs(t, workflow, values(""), pr), githubJobs(t, workflow, values(""), push)...))
	checkIdentities(t, workflow)

	w := newPipelineWorld(t, dir)
	runner := func(ctx map[string]string) map[string]string {
		return map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": repo, "GITHUB_EVENT_NAME": ctx["github.event_name"], "GITHUB_REF": ctx["github.ref"],
			"GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567"}
	}

	// The changes job, on a history whose last commit touches a manifest,
	// or only the README, or whose base this clone does not have.
	for _, tc := range []struct {
		name, file, base, want string
	}{
		{"a manifest changed", "attachments/main.attach.hcl", "HEAD~1", "true"},
		{"a file of the dry run changed", "files/seating-plan.txt", "HEAD~1", "true"},
		{"only the README changed", "README.md", "HEAD~1", "false"},
		{"an unknown base", "README.md", "0000000000000000000000000000000000000000", "true"},
	} {
		w.prepare = func(ws string) { gitHistory(t, ws, tc.file) }
		v := values("")
		v["github.event.pull_request.base.sha || github.event.before"] = tc.base
		res := w.run(jobNamed(t, githubJobs(t, workflow, v, pr), "changes"), runner(pr), nil)
		if got := res.outputs["steps.diff.outputs.manifests"]; got != tc.want {
			t.Errorf("changes, %s: manifests=%q, want %q\n%s", tc.name, got, tc.want, res.output)
		}
	}
	w.prepare = nil

	dry := w.run(jobNamed(t, githubJobs(t, workflow, values(""), pr), "dry-run"), runner(pr), nil)
	if !strings.Contains(dry.output, "Plan: 3 to add, 0 to change, 0 to destroy.") {
		t.Errorf("the dry run did not plan the example's three attachments:\n%s", dry.output)
	}
	if !strings.Contains(dry.output, "installed attachform "+exampleVersion+" (") {
		t.Errorf("the dry run did not install attachform %s with the setup action:\n%s", exampleVersion, dry.output)
	}
	forkNote := w.run(jobNamed(t, githubJobs(t, workflow, values(""), fork), "plan-fork"), runner(fork), nil)
	if !strings.Contains(forkNote.output, "::notice title=plan skipped for forks::") || !strings.Contains(forkNote.summary, "plan skipped for forks") {
		t.Errorf("a fork's pull request is not told its plan was skipped:\n%s\nsummary:\n%s", forkNote.output, forkNote.summary)
	}

	w.needState()
	w.needGraph()
	jobs := func(ctx map[string]string) []pipelineJob {
		return githubJobs(t, workflow, values(w.state["ATTACHFORM_STATE_ENDPOINT"]), ctx)
	}
	plan := func() (summary, comment string) {
		res := w.run(jobNamed(t, jobs(pr), "plan"), runner(pr), nil)
		return res.summary, w.recorded("posted") + w.recorded("patched")
	}
	summary, _ := plan()
	posted := w.recorded("calls.log")
	if !strings.Contains(posted, "gh POST repos/"+repo+"/issues/7/comments") {
		t.Errorf("the first plan did not post a comment on pull request 7; calls:\n%s", posted)
	}
	if summary == "" {
		t.Error("the plan wrote nothing to the job summary")
	}
	_, comment := plan()
	if !strings.HasPrefix(comment, "<!-- attachform plan -->\n") || !strings.Contains(comment, "attachment.agenda") {
		t.Errorf("the second plan's comment:\n%s", comment)
	}
	if calls := w.recorded("calls.log"); strings.Count(calls, "gh POST") != 1 || !strings.Contains(calls, "gh PATCH repos/"+repo+"/issues/comments/42") {
		t.Errorf("the second plan did not edit the first comment in place; calls:\n%s", calls)
	}

	applied := w.run(jobNamed(t, jobs(push), "apply"), runner(push), nil)
	if !strings.Contains(applied.output, "Apply complete! Resources: 3 added, 0 changed, 0 destroyed.") {
		t.Errorf("the apply on main:\n%s", applied.output)
	}
	if got := w.graph.Stats().Attachments; got != 4 { // the fixture's seating plan, and the three
		t.Errorf("Graph holds %d attachments after the apply, want 4", got)
	}
	if calls := w.recorded("calls.log"); !strings.Contains(calls, "gh GET repos/"+repo+"/commits/0123456789abcdef0123456789abcdef01234567/pulls") ||
		!strings.Contains(calls, "gh run download attachform-plan-pr7") {
		t.Errorf("the apply did not find pull request 7's saved plan; calls:\n%s", calls)
	}
	// The apply above is the job's only apply: the reviewed plan's.
	if !runsLine(jobNamed(t, jobs(push), "apply"), "attachform -chdir=attachments apply -input=false -lock-timeout=5m -no-color -reviewed=reviewed.tfplan -markdown") ||
		strings.Count(applied.output, "Apply complete!") != 1 {
		t.Error("the apply job did not apply the reviewed plan with -reviewed")
	}
	if _, comment := plan(); !strings.Contains(strings.ToLower(comment), "no changes") {
		t.Errorf("a pull request after the apply should plan no changes; its comment:\n%s", comment)
	}

	// Pull request 7 edits the agenda and is reviewed; by the merge, main
	// holds another agenda: refused, nothing changed, the difference in the
	// job summary and on the pull request, the job failed.
	edit := func(text string) func(ws string) {
		return func(ws string) {
			if err := os.WriteFile(filepath.Join(ws, "attachments", "files", "agenda.md"), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	w.prepare = edit("# Agenda, as reviewed\n")
	plan()
	w.prepare, w.mayFail = edit("# Agenda, changed after the review\n"), true
	refused := w.run(jobNamed(t, jobs(push), "apply"), runner(push), nil)
	comment = w.recorded("posted")
	if refused.failed != "apply the reviewed plan" || !strings.Contains(comment, "These changes were not in the reviewed plan: open a pull request for them.") ||
		!strings.Contains(comment, "`attachment.agenda`") || !strings.Contains(refused.summary, "### attachform apply -reviewed: refused") {
		t.Errorf("an agenda changed after the review: failed step %q, comment:\n%s\nsummary:\n%s\n%s", refused.failed, comment, refused.summary, refused.output)
	}
	if calls := w.recorded("calls.log"); !strings.Contains(calls, "gh POST repos/"+repo+"/issues/7/comments") {
		t.Errorf("the refusal was not commented on pull request 7; calls:\n%s", calls)
	}
	if got := w.graph.Stats().Attachments; got != 4 {
		t.Errorf("Graph holds %d attachments after a refused apply, want the 4 it held", got)
	}

	// A push that no pull request brought: nothing reviewed, nothing applied.
	if err := os.WriteFile(filepath.Join(w.api, "no-pull-request"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if res := w.run(jobNamed(t, jobs(push), "apply"), runner(push), nil); res.failed != "find the reviewed plan" ||
		!strings.Contains(res.output, "came from no pull request: nothing was reviewed") {
		t.Errorf("a push without a pull request: failed step %q\n%s", res.failed, res.output)
	}
}

// The Azure Pipelines example: parsed with every key checked, the right
// stages for each event, every attachform command line one the commands
// take, and its jobs run as TestGitHubActionsExample runs GitHub's.
func TestAzurePipelinesExample(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the example's jobs")
	}
	if _, err := exec.LookPath("jq"); err != nil {
		t.Skip("jq is not installed (Microsoft-hosted agents have it): the comment step needs it")
	}
	dir := filepath.Join(repoRoot, "examples", "azure-pipelines")
	pipeline := filepath.Join(dir, "azure-pipelines.yml")
	vars := func(reason, branch, fork, stateEndpoint string) map[string]string {
		return map[string]string{
			"Build.Reason": reason, "Build.SourceBranch": branch, "System.PullRequest.IsFork": fork,
			"System.PullRequest.PullRequestId": "7", "System.CollectionUri": "https://dev.azure.com/contoso/",
			"System.TeamProjectId": "33333333-3333-3333-3333-333333333333", "Build.Repository.ID": "44444444-4444-4444-4444-444444444444",
			"System.AccessToken": "ado-placeholder-token", "TF_BUILD": "True", "ATTACHFORM_STATE_ENDPOINT": stateEndpoint,
			"Build.SourceVersion": "fedcba9876543210fedcba9876543210fedcba98", "System.DefinitionId": "12",
		}
	}
	pr := func(state string) map[string]string { return vars("PullRequest", "refs/pull/7/merge", "False", state) }
	fork := vars("PullRequest", "refs/pull/8/merge", "True", "")
	push := func(state string) map[string]string { return vars("IndividualCI", "refs/heads/main", "False", state) }
	for _, tc := range []struct {
		vars map[string]string
		jobs []string
	}{{pr(""), []string{"Plan/plan", "DryRun/dry_run"}}, {fork, []string{"DryRun/dry_run"}}, {push(""), []string{"Apply/apply"}}} {
		if got := jobNames(azureJobs(t, pipeline, tc.vars)); !slices.Equal(got, tc.jobs) {
			t.Errorf("reason %s (fork %s): jobs %v, want %v", tc.vars["Build.Reason"], tc.vars["System.PullRequest.IsFork"], got, tc.jobs)
		}
	}
	checkPipelineLines(t, append(azureJobs(t, pipeline, pr("")), azureJobs(t, pipeline, push(""))...))

	w := newPipelineWorld(t, dir)
	v := pr("")
	dry := w.run(jobNamed(t, azureJobs(t, pipeline, v), "DryRun/dry_run"), nil, v)
	if !strings.Contains(dry.output, "installed attachform "+exampleVersion+" (") {
		t.Errorf("the dry run did not install attachform %s with install-attachform.yml:\n%s", exampleVersion, dry.output)
	}
	if !strings.Contains(dry.output, "Plan: 3 to add, 0 to change, 0 to destroy.") {
		t.Errorf("the dry run did not plan the example's three attachments:\n%s", dry.output)
	}
	checkAzureInstallCache(t, w, azureJobs(t, pipeline, pr("")), v)

	w.needState()
	w.needGraph()
	state := w.state["ATTACHFORM_STATE_ENDPOINT"]
	// plan runs the pull request's plan job and returns the summary and
	// the comment it posted or edited (Azure Repos' JSON, decoded).
	plan := func() (summary, comment string) {
		v := pr(state)
		res := w.run(jobNamed(t, azureJobs(t, pipeline, v), "Plan/plan"), nil, v)
		var sent struct {
			Content  string
			Comments []struct {
				ParentCommentID int
				Content         string
				CommentType     int
			}
			Status int
		}
		if body := w.recorded("posted") + w.recorded("patched"); body != "" {
			if err := json.Unmarshal([]byte(body), &sent); err != nil {
				t.Fatalf("the comment sent is not JSON: %v\n%s", err, body)
			}
		}
		if len(sent.Comments) == 1 && sent.Comments[0].ParentCommentID == 0 && sent.Comments[0].CommentType == 1 && sent.Status == 1 {
			sent.Content = sent.Comments[0].Content // a new thread
		}
		return res.summary, sent.Content
	}
	thread := "/33333333-3333-3333-3333-333333333333/_apis/git/repositories/44444444-4444-4444-4444-444444444444/pullRequests/7/threads"
	summary, comment := plan()
	if summary == "" || !strings.HasPrefix(comment, "<!-- attachform plan -->\n") || !strings.Contains(comment, "attachment.agenda") {
		t.Errorf("the first plan: summary %q, a new thread with %q", summary, comment)
	}
	if calls := w.recorded("calls.log"); !strings.Contains(calls, "curl POST https://dev.azure.com/contoso"+thread+"?api-version=7.1") {
		t.Errorf("the first plan did not open a thread on pull request 7; calls:\n%s", calls)
	}
	if _, comment := plan(); !strings.HasPrefix(comment, "<!-- attachform plan -->\n") || !strings.Contains(comment, "attachment.agenda") {
		t.Errorf("the second plan's comment: %q", comment)
	}
	if calls := w.recorded("calls.log"); strings.Count(calls, "curl POST") != 1 || !strings.Contains(calls, "curl PATCH https://dev.azure.com/contoso"+thread+"/7/comments/1?api-version=7.1") {
		t.Errorf("the second plan did not edit the first comment in place; calls:\n%s", calls)
	}

	v = push(state)
	applied := w.run(jobNamed(t, azureJobs(t, pipeline, v), "Apply/apply"), nil, v)
	if !strings.Contains(applied.output, "Apply complete! Resources: 3 added, 0 changed, 0 destroyed.") {
		t.Errorf("the apply on main:\n%s", applied.output)
	}
	if got := w.graph.Stats().Attachments; got != 4 {
		t.Errorf("Graph holds %d attachments after the apply, want 4", got)
	}
	if calls := w.recorded("calls.log"); !strings.Contains(calls, "/pullrequestquery?api-version=7.1") || !strings.Contains(calls, "/attachform-plan?format=zip") {
		t.Errorf("the apply did not find pull request 7's saved plan; calls:\n%s", calls)
	}
	if !runsLine(jobNamed(t, azureJobs(t, pipeline, v), "Apply/apply"), "attachform -chdir=attachments apply -input=false -lock-timeout=5m -no-color -reviewed=reviewed.tfplan -markdown") ||
		strings.Count(applied.output, "Apply complete!") != 1 {
		t.Error("the apply stage did not apply the reviewed plan with -reviewed")
	}
	if _, comment := plan(); !strings.Contains(strings.ToLower(comment), "no changes") {
		t.Errorf("a pull request after the apply should plan no changes; its comment:\n%s", comment)
	}

	// Pull request 7 edits the agenda and is reviewed; by the merge, main
	// holds another agenda: refused, nothing changed, a thread on the pull
	// request, the run failed.
	edit := func(text string) func(ws string) {
		return func(ws string) {
			if err := os.WriteFile(filepath.Join(ws, "attachments", "files", "agenda.md"), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	w.prepare = edit("# Agenda, as reviewed\n")
	plan()
	w.prepare, w.mayFail = edit("# Agenda, changed after the review\n"), true
	v = push(state)
	refused := w.run(jobNamed(t, azureJobs(t, pipeline, v), "Apply/apply"), nil, v)
	var sent struct{ Comments []struct{ Content string } }
	_ = json.Unmarshal([]byte(w.recorded("posted")), &sent)
	if refused.failed != "report the outcome" || len(sent.Comments) != 1 ||
		!strings.Contains(sent.Comments[0].Content, "These changes were not in the reviewed plan: open a pull request for them.") ||
		!strings.Contains(refused.summary, "refused") {
		t.Errorf("an agenda changed after the review: failed step %q, thread %+v, summary %q\n%s", refused.failed, sent, refused.summary, refused.output)
	}
	if got := w.graph.Stats().Attachments; got != 4 {
		t.Errorf("Graph holds %d attachments after a refused apply, want the 4 it held", got)
	}
	if err := os.WriteFile(filepath.Join(w.api, "no-pull-request"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	v = push(state)
	if res := w.run(jobNamed(t, azureJobs(t, pipeline, v), "Apply/apply"), nil, v); res.failed != "find the reviewed plan" ||
		!strings.Contains(res.output, "completed no pull request: nothing was reviewed") {
		t.Errorf("a push without a pull request: failed step %q\n%s", res.failed, res.output)
	}
}

// The stand-alone dry run of examples/dry-run runs as it would on a pull
// request.
// checkAzureInstallCache holds install-attachform.yml's Cache@2 step to
// what the install does, after a dry run job ran with vars: it comes
// before the install, its key is the pinned version and the agent's OS
// and architecture, its path is the folder the binary was installed in;
// and the job run again takes the binary from the cache, downloading
// nothing, and still plans.
func checkAzureInstallCache(t *testing.T, w *pipelineWorld, jobs []pipelineJob, vars map[string]string) {
	t.Helper()
	job := jobNamed(t, jobs, "DryRun/dry_run")
	cacheAt, installAt := -1, -1
	for i, s := range job.steps {
		if s.cacheKey != "" && cacheAt < 0 {
			cacheAt = i
		}
		if strings.Contains(s.script, "install-attachform.sh") && installAt < 0 {
			installAt = i
		}
	}
	if cacheAt < 0 || installAt < cacheAt {
		t.Fatalf("the dry run job has its Cache@2 step at %d and its install at %d: the cache must come first", cacheAt, installAt)
	}
	cache := job.steps[cacheAt]
	if key, want := w.cacheKeyOf(cache.cacheKey, vars), "attachform|"+exampleVersion+"|Linux|X64"; key != want {
		t.Errorf("cache key %q reads %q, want %q: the pinned version, the agent's OS and architecture", cache.cacheKey, key, want)
	}
	bin := filepath.Join(expandAzure(cache.cachePath, vars), "attachform")
	if out, err := exec.Command(bin, "version").Output(); err != nil || !strings.HasPrefix(string(out), "attachform "+exampleVersion+" (") {
		t.Errorf("the cache's path %s does not hold the installed attachform %s: %q, %v", cache.cachePath, exampleVersion, out, err)
	}
	again := w.run(job, nil, vars)
	if !strings.Contains(again.output, "cache restored: ") || !strings.Contains(again.output, "attachform "+exampleVersion+" from the cache") ||
		strings.Contains(again.output, "installed attachform") {
		t.Errorf("the dry run run again did not take attachform %s from the cache:\n%s", exampleVersion, again.output)
	}
	if !strings.Contains(again.output, "Plan: 3 to add, 0 to change, 0 to destroy.") {
		t.Errorf("the dry run with the cached attachform did not plan:\n%s", again.output)
	}
}

func TestDryRunExample(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the example's job")
	}
	dir := filepath.Join(repoRoot, "examples", "dry-run")
	values := map[string]string{"env.ATTACHFORM_VERSION": exampleVersion}
	jobs := githubJobs(t, filepath.Join(dir, "dry-run.yml"), values, map[string]string{"github.event_name": "pull_request"})
	if got := jobNames(jobs); !slices.Equal(got, []string{"dry-run"}) {
		t.Fatalf("jobs %v", got)
	}
	checkPipelineLines(t, jobs)
	res := newPipelineWorld(t, dir).run(jobs[0], map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "contoso/attachments"}, nil)
	if !strings.Contains(res.output, "Plan: 3 to add, 0 to change, 0 to destroy.") || !strings.Contains(res.output, "installed attachform "+exampleVersion+" (") {
		t.Errorf("the dry run:\n%s", res.output)
	}
}

// gitHistory makes ws a git repository of two commits: everything but
// file, then file as it is.
func gitHistory(t *testing.T, ws, file string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed: the changes job compares commits")
	}
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = ws
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	path := filepath.Join(ws, file)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	git("init", "-q")
	if err := os.WriteFile(path, []byte("before\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git("add", "-A")
	git("commit", "-q", "-m", "base")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	git("add", "-A")
	git("commit", "-q", "-m", "change")
}

// runsLine reports whether one of job's steps runs the command line: the
// jobs run the attachform they installed, which records nothing, so a test
// holds the job's script to the command and its output to the result.
func runsLine(job pipelineJob, line string) bool {
	for _, s := range job.steps {
		if strings.Contains(s.script, line) {
			return true
		}
	}
	return false
}
