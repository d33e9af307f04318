//go:build unix

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/attachform/attachform/emulator"
	"github.com/attachform/attachform/internal/azurite"
)

// pipelineWorld is what a pipeline's jobs share from one run to the next:
// Graph (an emulator holding the example's fixtures, as the tenant would),
// the state (a fresh container in Azurite) and the pull request's comments
// (the stubs' record). Every job gets a new workspace: a runner is new
// every job.
type pipelineWorld struct {
	t       *testing.T
	example string // the example's directory
	stubs   string // stubs and the attachform wrapper, first on PATH
	api     string // what the stubs record (comments, calls)
	graph   *emulator.Server
	state   map[string]string // the state's environment; nil until needState
	// mayFail lets a job's step fail: run then stops there and says which
	// (jobResult.failed) instead of failing the test.
	mayFail bool
	curl    string // the real curl, for the installer's downloads
	// releases is where the jobs' installer downloads attachform from: a
	// release of this tree (exampleVersion) served on 127.0.0.1.
	releases string
	// prepare, when set, edits each new workspace before the job runs (a
	// pull request's change, what reached main, or a git history for the
	// job that compares commits).
	prepare func(ws string)
	// caches is the pipeline cache of Azure Pipelines' Cache@2 steps: a
	// key → the folder saved under it.
	caches map[string]string
}

func newPipelineWorld(t *testing.T, example string) *pipelineWorld {
	w := &pipelineWorld{t: t, example: example, stubs: t.TempDir(), api: t.TempDir()}
	if w.curl, _ = exec.LookPath("curl"); w.curl == "" {
		t.Skip("curl is not installed (runners have it): the installer needs it")
	}
	releases := t.TempDir()
	fakeRelease(t, releases, exampleVersion)
	w.releases = releaseServer(t, releases)
	stubs := map[string]string{
		// Only the attachform a job installed may run: this one, last on
		// PATH, fails the job.
		"attachform": "#!/bin/sh\necho \"attachform is not installed: the job must install it\" >&2\nexit 127\n",
		"go":         "#!/bin/sh\necho \"go: the jobs install a release, they do not build\" >&2\nexit 127\n",
		// GitHub's API, for the plan comment: GET answers the id of the
		// comment posted before (the --jq query's answer), if any.
		"gh": `#!/bin/sh
[ -n "$GH_TOKEN" ] || { echo "gh: GH_TOKEN is not set" >&2; exit 4; }
if [ "$1 $2" = "run download" ]; then
  # gh run download RUN --repo R --name NAME --dir DIR: the kept artifact.
  name= dir=
  while [ $# -gt 0 ]; do
    case "$1" in --name) name=$2; shift ;; --dir) dir=$2; shift ;; esac
    shift
  done
  echo "gh run download $name" >> "$PIPELINE_API/calls.log"
  [ -d "$PIPELINE_API/artifacts/$name" ] || { echo "no artifact $name" >&2; exit 1; }
  mkdir -p "$dir" && cp "$PIPELINE_API/artifacts/$name"/* "$dir"/
  exit 0
fi
[ "$1" = api ] || { echo "gh: only gh api and gh run download are stubbed" >&2; exit 2; }
shift
method=GET body= path=
while [ $# -gt 0 ]; do
  case "$1" in
    --method) method=$2; shift ;;
    -F) case "$2" in body=@*) body=${2#body=@} ;; *) echo "gh: unexpected -F $2" >&2; exit 2 ;; esac; shift ;;
    --jq) shift ;;
    --paginate) ;;
    -*) echo "gh: unexpected $1" >&2; exit 2 ;;
    *) path=$1 ;;
  esac
  shift
done
echo "gh $method $path" >> "$PIPELINE_API/calls.log"
case "$method $path" in
  "GET repos/$GITHUB_REPOSITORY/commits/$GITHUB_SHA/pulls") [ -f "$PIPELINE_API/no-pull-request" ] || echo 7; exit 0 ;;
  "GET repos/$GITHUB_REPOSITORY/pulls/7") echo head7; exit 0 ;;
  "GET repos/$GITHUB_REPOSITORY/actions/artifacts?name="*)
    [ -d "$PIPELINE_API/artifacts/${path#*name=}" ] && echo "1001 head7"; exit 0 ;;
esac
case $method in
  GET) [ -f "$PIPELINE_API/comment-id" ] && cat "$PIPELINE_API/comment-id" ;;
  POST) cp "$body" "$PIPELINE_API/posted"; echo 42 > "$PIPELINE_API/comment-id" ;;
  PATCH) cp "$body" "$PIPELINE_API/patched" ;;
esac
exit 0
`,
		// Azure Repos' API, for the plan thread: GET lists the thread
		// posted before, whose first comment starts with the marker.
		"curl": `#!/bin/sh
# The installer's downloads go to the release server.
case "$*" in *"$ATTACHFORM_RELEASES_URL"/*) exec "$PIPELINE_REAL_CURL" "$@" ;; esac
method=GET data= url= auth= out=
while [ $# -gt 0 ]; do
  case "$1" in
    -X) method=$2; shift ;;
    -d) data=$2; shift ;;
    -o) out=$2; shift ;;
    -H) case "$2" in Authorization:*) auth=$2 ;; esac; shift ;;
    -fsS|-fsSL) ;;
    http*) url=$1 ;;
    *) echo "curl: unexpected $1" >&2; exit 2 ;;
  esac
  shift
done
[ "$auth" = "Authorization: Bearer $SYSTEM_ACCESSTOKEN" ] && [ -n "$SYSTEM_ACCESSTOKEN" ] || { echo "curl: no token" >&2; exit 22; }
echo "curl $method $url" >> "$PIPELINE_API/calls.log"
# The apply's look-ups: the pull request a merge commit completed (7,
# whose source commit head7 its validation run 555 planned) and that
# run's kept artifact, as a zip.
case "$method $url" in
  "POST "*/pullrequestquery?api-version=7.1)
    [ "$data" = @- ] && sha=$(jq -r '.queries[0].items[0]')
    if [ -f "$PIPELINE_API/no-pull-request" ]; then printf '{"results":[{}]}'; else printf '{"results":[{"%s":[{"pullRequestId":7}]}]}' "$sha"; fi
    exit 0 ;;
  "GET "*/pullRequests/7?api-version=7.1) printf '{"pullRequestId":7,"lastMergeSourceCommit":{"commitId":"head7"}}'; exit 0 ;;
  "GET "*'/_apis/build/builds?'*'branchName=refs/pull/7/merge'*'$top=1'*)
    [ -d "$PIPELINE_API/artifacts/attachform-plan" ] && printf '{"value":[{"id":555,"triggerInfo":{"pr.sourceSha":"head7"}}]}' || printf '{"value":[]}'
    exit 0 ;;
  "GET "*/_apis/build/builds/555/artifacts?artifactName=attachform-plan\&api-version=7.1)
    printf '{"name":"attachform-plan","resource":{"downloadUrl":"https://dev.azure.com/contoso/_apis/resources/Containers/9/attachform-plan?format=zip"}}'; exit 0 ;;
  "GET "*/attachform-plan?format=zip)
    (cd "$PIPELINE_API/artifacts" && zip -q -r - attachform-plan) > "$out"; exit 0 ;;
esac
case $method in
  GET) if [ -f "$PIPELINE_API/thread" ]; then printf '{"value":[{"id":7,"comments":[{"id":1,"content":"<!-- attachform plan -->\\n…"}]},{"id":8,"comments":[{"id":1,"content":"LGTM"}]}]}'; else printf '{"value":[{"id":8,"comments":[{"id":1,"content":"LGTM"}]}]}'; fi ;;
  POST) [ "$data" = @- ] && cat > "$PIPELINE_API/posted"; touch "$PIPELINE_API/thread"; printf '{"id":7}' ;;
  PATCH) [ "$data" = @- ] && cat > "$PIPELINE_API/patched"; printf '{}' ;;
esac
`,
	}
	for name, body := range stubs {
		if err := os.WriteFile(filepath.Join(w.stubs, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// needState gives the world a state in Azurite, or skips the test when
// there is none (it fails under CI instead: see internal/azurite).
func (w *pipelineWorld) needState() {
	endpoint, container := azurite.Container(w.t)
	w.state = map[string]string{
		"ATTACHFORM_STATE_ENDPOINT":  endpoint,
		"ATTACHFORM_STATE_CONTAINER": container,
		"ARM_ACCESS_KEY":             azurite.Key, // the pipelines sign in with OIDC; the test with the key
	}
}

// needGraph starts the Graph the jobs that sign in talk to: the emulator
// with the example's fixtures, standing in for the tenant.
func (w *pipelineWorld) needGraph() {
	fx, _, diags := emulator.LoadFixtures(filepath.Join(w.example, "fixtures.hcl"))
	if diags.HasErrors() {
		w.t.Fatal(diags.Error())
	}
	srv, err := emulator.New(emulator.Options{Fixtures: fx})
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { _ = srv.Close() })
	w.graph = srv
}

// workspace copies the example into a new directory, as a checkout of the
// repository that holds it, with the state in the world's container.
func (w *pipelineWorld) workspace() string {
	ws := filepath.Join(w.t.TempDir(), "s")
	if err := copyDir(w.example, ws); err != nil {
		w.t.Fatal(err)
	}
	if w.state != nil {
		backend := filepath.Join(ws, "attachments", "backend.attach.hcl")
		b, err := os.ReadFile(backend)
		if err != nil {
			w.t.Fatal(err)
		}
		b = regexp.MustCompile(`container_name = "[^"]*"`).ReplaceAll(b, []byte(`container_name = "`+w.state["ATTACHFORM_STATE_CONTAINER"]+`"`))
		if err := os.WriteFile(backend, b, 0o644); err != nil {
			w.t.Fatal(err)
		}
	}
	return ws
}

// jobResult is what a job left: its summary (the job summary, or what
// Azure Pipelines' task.uploadsummary named) and its output.
type jobResult struct {
	summary string
	output  string
	failed  string            // the step that failed (only with mayFail)
	outputs map[string]string // steps.ID.outputs.NAME
}

// run runs a job's steps in order in a new workspace, as its runner
// would; env is the runner's environment (GITHUB_*, or the pipeline's
// variables in vars for Azure Pipelines); override, last, replaces what
// the world sets (a Graph that fails). A failing step fails the test.
func (w *pipelineWorld) run(job pipelineJob, env map[string]string, vars map[string]string, override ...map[string]string) jobResult {
	t := w.t
	t.Helper()
	ws := w.workspace()
	if w.prepare != nil {
		w.prepare(ws)
	}
	temp := t.TempDir()
	home := t.TempDir()
	base := map[string]string{
		"PATH":           w.stubs + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME":           home,
		"XDG_CACHE_HOME": filepath.Join(home, ".cache"),
		"PIPELINE_API":   w.api,
		"CI":             "true",
		// The installer's downloads come from the release of this tree.
		"ATTACHFORM_RELEASES_URL": w.releases,
		"PIPELINE_REAL_CURL":      w.curl,
	}
	for k, v := range env {
		base[k] = v
	}
	dryRun, signsIn := false, false
	for _, s := range job.steps {
		dryRun = dryRun || strings.Contains(s.script, "attachform emulator")
		signsIn = signsIn || strings.Contains(s.script, "attachform -chdir")
	}
	if signsIn && !dryRun {
		if w.graph == nil || w.state == nil {
			t.Fatalf("job %s signs in: the world needs Graph and a state", job.name)
		}
		base["ATTACHFORM_GRAPH_ENDPOINT"] = w.graph.URL()
		for k, v := range w.state {
			base[k] = v
		}
	}
	var summaryFile string
	if job.azure {
		vars["Agent.TempDirectory"] = temp
		vars["Agent.ToolsDirectory"] = filepath.Join(temp, "tools")
		vars["Agent.OS"], vars["Agent.OSArchitecture"] = "Linux", "X64"
		vars["Build.SourcesDirectory"] = ws
		vars["System.DefaultWorkingDirectory"] = ws
		for name, v := range vars {
			if name != "System.AccessToken" { // secret: only through env:
				base[azureEnvName(name)] = v
			}
		}
	} else {
		summaryFile = filepath.Join(temp, "step-summary.md")
		base["RUNNER_TEMP"] = temp
		base["GITHUB_WORKSPACE"] = ws
		base["GITHUB_STEP_SUMMARY"] = summaryFile
		base["RUNNER_OS"] = "Linux"
		base["RUNNER_TOOL_CACHE"] = filepath.Join(temp, "toolcache")
		root, err := filepath.Abs(repoRoot)
		if err != nil {
			t.Fatal(err)
		}
		base["GITHUB_ACTION_PATH"] = root
	}
	outputs := map[string]string{}
	for k, v := range job.env {
		base[k] = v
	}
	for _, o := range override {
		for k, v := range o {
			base[k] = v
		}
	}
	var pgids []int
	defer func() {
		for _, pg := range pgids {
			_ = syscall.Kill(-pg, syscall.SIGKILL) // background processes a step left (the emulator)
		}
	}()
	var output strings.Builder
	failed := ""
	var saves [][2]string // Cache@2 misses: the key and path saved once the job succeeded
	for i, s := range job.steps {
		if s.cacheKey != "" {
			key, path := w.cacheKeyOf(s.cacheKey, vars), expandAzure(s.cachePath, vars)
			if saved, ok := w.caches[key]; ok {
				if err := os.CopyFS(path, os.DirFS(saved)); err != nil {
					t.Fatalf("job %s, step %d (%s): restoring the cache into %s: %v", job.name, i, s.name, path, err)
				}
				fmt.Fprintf(&output, "--- %s: %s\ncache restored: %s\n", job.name, s.name, key)
			} else {
				saves = append(saves, [2]string{key, path})
				fmt.Fprintf(&output, "--- %s: %s\ncache miss: %s\n", job.name, s.name, key)
			}
			continue
		}
		if s.artifact != "" {
			b, err := os.ReadFile(filepath.Join(ws, s.artifact))
			if err != nil {
				t.Fatalf("job %s, step %d (%s): uploads %s, which is not there: %v", job.name, i, s.name, s.artifact, err)
			}
			if s.artifactName != "" { // kept, as GitHub keeps it, for gh run download
				dir := filepath.Join(w.api, "artifacts", s.artifactName)
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, filepath.Base(s.artifact)), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			continue
		}
		if s.script == "" {
			continue
		}
		script, stepEnv := s.script, map[string]string{}
		for k, v := range s.env {
			stepEnv[k] = v
		}
		if job.azure {
			script = expandAzure(script, vars)
			for k, v := range stepEnv {
				stepEnv[k] = expandAzure(v, vars)
			}
		}
		githubEnv := filepath.Join(temp, fmt.Sprintf("github-env-%d", i))
		githubPath := filepath.Join(temp, fmt.Sprintf("github-path-%d", i))
		githubOutput := filepath.Join(temp, fmt.Sprintf("github-output-%d", i))
		if !job.azure {
			for _, f := range []string{githubEnv, githubPath, githubOutput} {
				if err := os.WriteFile(f, nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			stepEnv["GITHUB_ENV"], stepEnv["GITHUB_PATH"], stepEnv["GITHUB_OUTPUT"] = githubEnv, githubPath, githubOutput
			// The setup action's env: values name the runner's tool cache
			// and the action's checkout, which the runner fills in.
			for k, v := range stepEnv {
				stepEnv[k] = strings.NewReplacer("$RUNNER_TOOL_CACHE", base["RUNNER_TOOL_CACHE"], "$GITHUB_ACTION_PATH", base["GITHUB_ACTION_PATH"]).Replace(v)
			}
		}
		file := filepath.Join(temp, fmt.Sprintf("step-%d.sh", i))
		if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
			t.Fatal(err)
		}
		args := []string{"--noprofile", "--norc"}
		if s.errexit {
			args = append(args, "-e", "-o", "pipefail")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		cmd := exec.CommandContext(ctx, "bash", append(args, file)...)
		cmd.Dir = ws
		cmd.Env = envList(base, stepEnv)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Start()
		if err == nil {
			pgids = append(pgids, cmd.Process.Pid)
			err = cmd.Wait()
		}
		cancel()
		fmt.Fprintf(&output, "--- %s: %s\n%s", job.name, s.name, out.String())
		if err != nil && w.mayFail {
			failed = s.name
			break
		}
		if err != nil {
			t.Fatalf("job %s, step %d (%s) failed: %v\n%s", job.name, i, s.name, err, output.String())
		}
		if job.azure {
			summaryFile = azureCommands(out.String(), vars, base, summaryFile)
		} else {
			b, _ := os.ReadFile(githubEnv)
			for _, line := range strings.Split(string(b), "\n") {
				if k, v, ok := strings.Cut(line, "="); ok {
					base[k] = v
				}
			}
			b, _ = os.ReadFile(githubPath)
			for _, dir := range strings.Fields(string(b)) {
				base["PATH"] = dir + string(os.PathListSeparator) + base["PATH"]
			}
			b, _ = os.ReadFile(githubOutput)
			for _, line := range strings.Split(string(b), "\n") {
				if k, v, ok := strings.Cut(line, "="); ok && s.id != "" {
					outputs["steps."+s.id+".outputs."+k] = v
				}
			}
		}
	}
	for _, sv := range saves {
		if failed == "" {
			w.saveCache(sv[0], sv[1])
		}
	}
	res := jobResult{output: output.String(), failed: failed, outputs: outputs}
	if summaryFile != "" {
		b, _ := os.ReadFile(summaryFile)
		res.summary = string(b)
	}
	return res
}

// cacheKeyOf is a Cache@2 key as the task reads it: its $(macros)
// expanded, segments split on | and trimmed. Every segment must be a
// string: quoted, or a plain word; one that looks like a path would be
// hashed as a file, which no key of the examples means.
func (w *pipelineWorld) cacheKeyOf(key string, vars map[string]string) string {
	w.t.Helper()
	expanded := expandAzure(key, vars)
	if azureMacro.MatchString(expanded) {
		w.t.Fatalf("cache key %q: %q has a variable the job does not set", key, expanded)
	}
	var segs []string
	for _, seg := range strings.Split(expanded, "|") {
		seg = strings.TrimSpace(seg)
		if len(seg) >= 2 && seg[0] == '"' && seg[len(seg)-1] == '"' {
			seg = seg[1 : len(seg)-1]
		} else if seg == "" || strings.ContainsAny(seg, "/\\.*?\"") {
			w.t.Fatalf("cache key %q: segment %q would be read as a file path: quote it", key, seg)
		}
		if seg == "" {
			w.t.Fatalf("cache key %q: an empty segment", key)
		}
		segs = append(segs, seg)
	}
	return strings.Join(segs, "|")
}

// saveCache keeps a copy of path under key, as the pipeline cache saves
// a missed key's path when the job succeeded; a path the job did not
// create saves nothing.
func (w *pipelineWorld) saveCache(key, path string) {
	w.t.Helper()
	if _, err := os.Stat(path); err != nil {
		return
	}
	saved := w.t.TempDir()
	if err := os.CopyFS(saved, os.DirFS(path)); err != nil {
		w.t.Fatalf("saving the cache %s from %s: %v", key, path, err)
	}
	if w.caches == nil {
		w.caches = map[string]string{}
	}
	w.caches[key] = saved
}

// vsoCommand is an Azure Pipelines logging command in a step's output.
var vsoCommand = regexp.MustCompile(`(?m)^##vso\[([a-z.]+)([^\]]*)\](.*)$`)

// azureCommands applies the logging commands a step printed: variables
// for the steps after it, and the summary file; it returns the summary.
func azureCommands(out string, vars, env map[string]string, summary string) string {
	for _, m := range vsoCommand.FindAllStringSubmatch(out, -1) {
		switch m[1] {
		case "task.setvariable":
			if _, name, ok := strings.Cut(m[2], "variable="); ok {
				name = strings.TrimSpace(strings.Split(name, ";")[0])
				vars[name] = m[3]
				env[azureEnvName(name)] = m[3]
			}
		case "task.uploadsummary":
			summary = m[3]
		case "task.prependpath":
			env["PATH"] = m[3] + string(os.PathListSeparator) + env["PATH"]
		}
	}
	return summary
}

func envList(maps ...map[string]string) []string {
	merged := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			merged[k] = v
		}
	}
	var out []string
	for k, v := range merged {
		out = append(out, k+"="+v)
	}
	return out
}

// recorded returns what the stubs recorded: a comment posted or patched
// ("posted", "patched"), the calls ("calls.log"); "" when absent. Reading
// "posted" or "patched" removes it, so each run is checked on its own.
func (w *pipelineWorld) recorded(name string) string {
	path := filepath.Join(w.api, name)
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if name == "posted" || name == "patched" {
		_ = os.Remove(path)
	}
	return string(b)
}
