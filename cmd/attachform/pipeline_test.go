package main

import (
	"encoding/json"
	"fmt"
	"github.com/attachform/attachform/internal/arguments"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	yaml "github.com/zclconf/go-cty-yaml"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// The example pipelines (examples/github-actions, examples/azure-pipelines)
// are read as their runners read them and their shell steps are run, in
// order, on a copy of the example, with attachform built from this tree,
// the emulator for Graph (with the example's fixtures) and Azurite for the
// state. What cannot run here is stubbed where the runner would provide it
// (go and git: attachform is already built; gh and curl: the pull-request
// APIs, recorded); steps that use actions or tasks (checkout, setup-go,
// azure/login, upload-artifact) are skipped, and an artifact's path must
// exist when its step comes. This file reads the YAML and the command
// lines; pipeline_run_unix_test.go runs them.

// exampleVersion is the release the examples pin, and the one the tests'
// release of this tree (release_unix_test.go) is stamped with.
const exampleVersion = "v0.1.0"

// pipelineStep is one step as a runner takes it.
type pipelineStep struct {
	name     string
	id       string            // its outputs are steps.ID.outputs.NAME
	script   string            // a shell script; "" when the step runs none
	errexit  bool              // GitHub runs bash -e; Azure Pipelines runs bash
	env      map[string]string // the step's own environment
	artifact string            // a path the step uploads, relative to the workspace
	// artifactName is the name it is uploaded under (GitHub's with.name);
	// the run keeps the file there for a later job to download.
	artifactName string
	// cacheKey and cachePath are a Cache@2 step's key and path: the run
	// restores the path saved under the key, or saves it once the job
	// succeeded, as the pipeline cache does.
	cacheKey, cachePath string
}

// pipelineJob is one job's steps and environment, as the event chose it.
type pipelineJob struct {
	name  string
	env   map[string]string
	steps []pipelineStep
	azure bool // $(macros) and ##vso commands are Azure Pipelines'
}

// readYAML parses a YAML file into plain Go values (maps, slices,
// strings, numbers, bools).
func readYAML(t *testing.T, path string) map[string]any {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ty, err := yaml.Standard.ImpliedType(src)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	v, err := yaml.Standard.Unmarshal(src, ty)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s is not a mapping: %v", path, err)
	}
	return out
}

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }
func asList(v any) []any         { l, _ := v.([]any); return l }
func asString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// checkKeys reports keys of m that are not among known: a misspelt key is
// silently ignored by both runners.
func checkKeys(t *testing.T, where string, m map[string]any, known ...string) {
	t.Helper()
	for k := range m {
		found := false
		for _, kk := range known {
			found = found || k == kk
		}
		if !found {
			t.Errorf("%s: unknown key %q (known: %s)", where, k, strings.Join(known, ", "))
		}
	}
}

// ghExpr is a GitHub expression in a value: ${{ … }}.
var ghExpr = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// resolveGitHub replaces every ${{ expression }} in s by its value in
// values; an expression the test does not know is an error.
func resolveGitHub(t *testing.T, where, s string, values map[string]string) string {
	t.Helper()
	return ghExpr.ReplaceAllStringFunc(s, func(m string) string {
		expr := ghExpr.FindStringSubmatch(m)[1]
		v, ok := values[expr]
		if !ok {
			t.Errorf("%s: the test has no value for ${{ %s }}", where, expr)
		}
		return v
	})
}

// evalGitHubIf evaluates a job's if: with ==, !=, && and || over string
// literals and the context values given; anything else is an error.
func evalGitHubIf(t *testing.T, expr string, ctx map[string]string) bool {
	t.Helper()
	operand := func(s string) string {
		s = strings.TrimSpace(s)
		if strings.HasPrefix(s, "'") && strings.HasSuffix(s, "'") {
			return strings.Trim(s, "'")
		}
		v, ok := ctx[s]
		if !ok {
			t.Fatalf("if: %s: the test has no value for %s", expr, s)
		}
		return v
	}
	for _, alt := range strings.Split(expr, "||") {
		all := true
		for _, term := range strings.Split(alt, "&&") {
			if a, b, ok := strings.Cut(term, "!="); ok {
				all = all && operand(a) != operand(b)
			} else if a, b, ok := strings.Cut(term, "=="); ok {
				all = all && operand(a) == operand(b)
			} else {
				t.Fatalf("if: %s: cannot evaluate %q", expr, term)
			}
		}
		if all {
			return true
		}
	}
	return false
}

// githubJobs reads a workflow and returns the jobs the event runs, in
// name order, with every expression resolved from values; ctx is what
// their if: conditions see.
func githubJobs(t *testing.T, path string, values, ctx map[string]string) []pipelineJob {
	t.Helper()
	wf := readYAML(t, path)
	// A YAML 1.1 reader takes the key "on" for true, as this one does;
	// GitHub reads it as "on".
	checkKeys(t, path, wf, "name", "on", "true", "permissions", "env", "jobs", "concurrency", "defaults")
	if wf["on"] == nil && wf["true"] == nil {
		t.Errorf("%s: no on: triggers", path)
	}
	workflowEnv := map[string]string{}
	for k, v := range asMap(wf["env"]) {
		workflowEnv[k] = resolveGitHub(t, path+": env", asString(v), values)
	}
	var names []string
	for name := range asMap(wf["jobs"]) {
		names = append(names, name)
	}
	sort.Strings(names)
	var jobs []pipelineJob
	for _, name := range names {
		job := asMap(asMap(wf["jobs"])[name])
		where := path + ": jobs." + name
		checkKeys(t, where, job, "name", "if", "runs-on", "permissions", "concurrency", "env", "steps", "environment", "timeout-minutes", "needs", "outputs")
		if cond := asString(job["if"]); cond != "" && !evalGitHubIf(t, cond, ctx) {
			continue
		}
		pj := pipelineJob{name: name, env: map[string]string{}}
		for k, v := range workflowEnv {
			pj.env[k] = v
		}
		for k, v := range asMap(job["env"]) {
			pj.env[k] = resolveGitHub(t, where+".env", asString(v), values)
		}
		for i, s := range asList(job["steps"]) {
			step := asMap(s)
			sw := fmt.Sprintf("%s.steps[%d]", where, i)
			checkKeys(t, sw, step, "name", "uses", "run", "with", "env", "if", "id", "shell", "working-directory")
			ps := pipelineStep{name: asString(step["name"]), id: asString(step["id"]), errexit: true, env: map[string]string{}}
			for k, v := range asMap(step["env"]) {
				ps.env[k] = resolveGitHub(t, sw+".env", asString(v), values)
			}
			uses := asString(step["uses"])
			switch {
			case step["run"] != nil:
				ps.script = resolveGitHub(t, sw+".run", asString(step["run"]), values)
			case strings.HasPrefix(uses, "actions/upload-artifact@"):
				ps.artifact = resolveGitHub(t, sw+".with.path", asString(asMap(step["with"])["path"]), values)
				ps.artifactName = resolveGitHub(t, sw+".with.name", asString(asMap(step["with"])["name"]), values)
			case strings.HasPrefix(uses, "attachform/attachform@"):
				// The setup action: its own steps, from action.yml.
				with := map[string]string{}
				for k, v := range asMap(step["with"]) {
					with[k] = resolveGitHub(t, sw+".with."+k, asString(v), values)
				}
				if step["if"] != nil {
					t.Errorf("%s: a step's if: is not evaluated by this test", sw)
				}
				pj.steps = append(pj.steps, actionSteps(t, sw, strings.TrimPrefix(uses, "attachform/attachform@"), with)...)
				continue
			case strings.HasPrefix(uses, "actions/checkout@"), strings.HasPrefix(uses, "actions/setup-go@"), strings.HasPrefix(uses, "azure/login@"):
				// The test's workspace, Go and sign-in stand in for these.
				for k, v := range asMap(step["with"]) {
					resolveGitHub(t, sw+".with."+k, asString(v), values)
				}
			default:
				t.Errorf("%s: the test does not know what %q does", sw, uses)
			}
			if step["if"] != nil {
				t.Errorf("%s: a step's if: is not evaluated by this test", sw)
			}
			pj.steps = append(pj.steps, ps)
		}
		jobs = append(jobs, pj)
	}
	return jobs
}

// attachformLines are the attachform command lines of a script, each as
// its words after "attachform" (quotes removed, variables left as they
// are), up to a redirection or the end of the command.
func attachformLines(script string) [][]string {
	script = strings.ReplaceAll(script, "\\\n", " ")
	var out [][]string
	for _, line := range strings.Split(script, "\n") {
		words, ops := shellWords(line)
		start := true
		for i, w := range words {
			if ops[i] {
				start = w != ">" && w != "<" && !strings.HasSuffix(w, ">")
				continue
			}
			if start && w == "attachform" {
				var args []string
				for j := i + 1; j < len(words) && !ops[j]; j++ {
					args = append(args, words[j])
				}
				out = append(out, args)
			}
			start = false
		}
	}
	return out
}

// shellWords splits a line into words and operators (op[i] true): quotes
// group and are removed, a # starts a comment.
func shellWords(line string) (words []string, op []bool) {
	var cur strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			words, op = append(words, cur.String()), append(op, false)
		}
		cur.Reset()
		inWord = false
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\'' || c == '"':
			end := strings.IndexByte(line[i+1:], c)
			if end < 0 {
				end = len(line) - i - 1
			}
			cur.WriteString(line[i+1 : i+1+end])
			inWord = true
			i += end + 1
		case c == ' ' || c == '\t':
			flush()
		case c == '#' && !inWord:
			flush()
			return words, op
		case strings.IndexByte(";|&<>(){}", c) >= 0:
			if c == '>' && inWord && (cur.String() == "2" || cur.String() == "1") {
				cur.WriteByte(c) // 2> is one operator
				words, op = append(words, cur.String()), append(op, true)
				cur.Reset()
				inWord = false
				continue
			}
			flush()
			words, op = append(words, string(c)), append(op, true)
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	flush()
	return words, op
}

// checkCommandLine checks one attachform command line against the
// commands: the command exists and takes every flag given. It returns the
// problem as text, or "".
func checkCommandLine(g *globals, args []string) string {
	for len(args) > 0 && strings.HasPrefix(args[0], "-chdir") {
		if !strings.Contains(args[0], "=") {
			args = args[1:]
		}
		args = args[1:]
	}
	cmds := commands(g)
	name, rest := resolveCommand(cmds, args)
	if name == "" {
		return fmt.Sprintf("no command in %q", strings.Join(args, " "))
	}
	if len(subcommands(cmds, name)) > 0 && (len(rest) == 0 || !strings.HasPrefix(rest[0], "-")) {
		return fmt.Sprintf("attachform %s needs one of its subcommands (%s)", name, strings.Join(subcommands(cmds, name), ", "))
	}
	fs := arguments.Flags(name)
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if !strings.HasPrefix(a, "-") || fs == nil {
			continue
		}
		fname, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		f := fs.Lookup(fname)
		if f == nil {
			return fmt.Sprintf("attachform %s has no flag -%s", name, fname)
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !hasValue && !(ok && b.IsBoolFlag()) {
			i++ // the value is the next word
		}
	}
	return ""
}

// The command lines of a script are found where a command starts, and
// checked flag by flag.
func TestPipelineCommandLines(t *testing.T) {
	script := `set -eu
attachform -chdir=attachments plan -no-color -out=x.plan  # a comment attachform version
code=0; attachform -chdir=attachments plan -detailed-exitcode || code=$?
echo "attachform is not run here" && go -C src install ./cmd/attachform
{ echo x; attachform -chdir=a show -markdown -no-color x.plan; } > "$RUNNER_TEMP/c.md"
attachform emulator -fixtures fixtures.hcl > "$RUNNER_TEMP/endpoint" 2> log &
attachform -chdir=a init \
  -backend-config="endpoint=$E"
`
	got := attachformLines(script)
	want := [][]string{
		{"-chdir=attachments", "plan", "-no-color", "-out=x.plan"},
		{"-chdir=attachments", "plan", "-detailed-exitcode"},
		{"-chdir=a", "show", "-markdown", "-no-color", "x.plan"},
		{"emulator", "-fixtures", "fixtures.hcl"},
		{"-chdir=a", "init", "-backend-config=endpoint=$E"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("command lines:\n%q\nwant\n%q", got, want)
	}
	g := &globals{}
	for _, w := range want {
		if problem := checkCommandLine(g, w); problem != "" {
			t.Errorf("%q: %s", w, problem)
		}
	}
	for args, problem := range map[string]string{
		"-chdir=a plan -outt=x":           "attachform plan has no flag -outt",
		"-chdir a plan --no-colour":       "attachform plan has no flag -no-colour",
		"aply -auto-approve":              `no command in "aply -auto-approve"`,
		"state lst":                       "attachform state needs one of its subcommands (list, mv, pull, push, rm, show)",
		"plan -lock-timeout 5m -no-color": "",
	} {
		if got := checkCommandLine(g, strings.Fields(args)); got != problem {
			t.Errorf("%s: %q, want %q", args, got, problem)
		}
	}
}

// actionSteps are the steps of the setup action (action.yml at the
// repository's root) as a workflow's step "uses: attachform/attachform@REF"
// runs them, with its inputs; a step whose if: is false is left out, and
// the actions it uses (the cache, setup-go) are stood in for by the test.
// The runner's tool cache is $RUNNER_TOOL_CACHE, the action's checkout this
// tree.
func actionSteps(t *testing.T, where, ref string, with map[string]string) []pipelineStep {
	t.Helper()
	path := filepath.Join(repoRoot, "action.yml")
	action := readYAML(t, path)
	checkKeys(t, path, action, "name", "description", "branding", "inputs", "outputs", "runs")
	inputs := asMap(action["inputs"])
	for k := range with {
		if _, ok := inputs[k]; !ok {
			t.Errorf("%s: the action has no input %q", where, k)
		}
	}
	values := map[string]string{
		"runner.tool_cache": "$RUNNER_TOOL_CACHE", "runner.os": "Linux", "runner.arch": "X64",
		"github.action_path": "$GITHUB_ACTION_PATH", "github.action_ref": ref,
	}
	for k, v := range asMap(inputs) {
		values["inputs."+k] = asString(asMap(v)["default"])
		if w, ok := with[k]; ok {
			values["inputs."+k] = w
		} else if asMap(v)["required"] == true {
			t.Errorf("%s: the action's input %q is required", where, k)
		}
	}
	runs := asMap(action["runs"])
	if asString(runs["using"]) != "composite" {
		t.Fatalf("%s: runs.using %q, want composite", path, runs["using"])
	}
	var out []pipelineStep
	for i, s := range asList(runs["steps"]) {
		step := asMap(s)
		sw := fmt.Sprintf("%s: runs.steps[%d]", path, i)
		checkKeys(t, sw, step, "name", "id", "uses", "run", "with", "env", "if", "shell")
		if cond := asString(step["if"]); cond != "" && !evalGitHubIf(t, cond, values) {
			continue
		}
		ps := pipelineStep{name: "action: " + asString(step["name"]), id: asString(step["id"]), errexit: true, env: map[string]string{}}
		for k, v := range asMap(step["env"]) {
			// $VARS in an env: value are the runner's, as in the test's
			// values above: expanded when the step runs.
			ps.env[k] = resolveGitHub(t, sw+".env", asString(v), values)
		}
		switch uses := asString(step["uses"]); {
		case step["run"] != nil:
			if asString(step["shell"]) != "bash" {
				t.Errorf("%s: shell %q: a composite action's run step needs shell: bash", sw, step["shell"])
			}
			ps.script = resolveGitHub(t, sw+".run", asString(step["run"]), values)
		case strings.HasPrefix(uses, "actions/cache@"), strings.HasPrefix(uses, "actions/setup-go@"):
			for k, v := range asMap(step["with"]) {
				resolveGitHub(t, sw+".with."+k, asString(v), values)
			}
		default:
			t.Errorf("%s: the test does not know what %q does", sw, uses)
		}
		out = append(out, ps)
	}
	return out
}

// checkIdentities holds the GitHub Actions example to its two identities:
// the writing one (AZURE_CLIENT_ID) signs in only in the apply job, which
// runs in the environment "attachform"; every other sign-in is the plan's
// read-only AZURE_CLIENT_ID_PLAN.
func checkIdentities(t *testing.T, path string) {
	t.Helper()
	wf := readYAML(t, path)
	logins := 0
	for name, j := range asMap(wf["jobs"]) {
		job := asMap(j)
		for _, s := range asList(job["steps"]) {
			step := asMap(s)
			if !strings.HasPrefix(asString(step["uses"]), "azure/login@") {
				continue
			}
			logins++
			id := asString(asMap(step["with"])["client-id"])
			switch {
			case id == "${{ vars.AZURE_CLIENT_ID }}":
				if name != "apply" || asString(job["environment"]) != "attachform" {
					t.Errorf("%s: job %s signs in with the writing identity; only apply, in the environment attachform, may", path, name)
				}
			case id == "${{ vars.AZURE_CLIENT_ID_PLAN }}":
				if name == "apply" {
					t.Errorf("%s: the apply signs in with the plan's read-only identity", path)
				}
			default:
				t.Errorf("%s: job %s signs in as %q, neither identity", path, name, id)
			}
		}
	}
	if logins < 2 {
		t.Errorf("%s: %d sign-ins, want the plan's and the apply's", path, logins)
	}
}

// The examples a team copies install a pinned release, the same one
// everywhere, with the setup action or the installer; nothing builds
// attachform from a branch.
func TestExamplesPinned(t *testing.T) {
	files := []string{
		"examples/github-actions/attachform.yml", "examples/github-actions/drift.yml", "examples/dry-run/dry-run.yml",
		"examples/azure-pipelines/azure-pipelines.yml", "examples/azure-pipelines/install-attachform.yml", "examples/azure-pipelines/drift.yml",
	}
	uses := regexp.MustCompile(`(?m)^\s*(?:-\s*)?uses:\s*attachform/attachform@(\S+)`)
	version := regexp.MustCompile(`(?m)^\s*(?:ATTACHFORM_VERSION:|value:)\s*(v[0-9]\S*)\s*$`)
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(repoRoot, f))
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		for _, bad := range []string{"ref: main", "ATTACHFORM_REF", "go install", "git clone", "@main"} {
			if strings.Contains(src, bad) {
				t.Errorf("%s: %q: the examples install a pinned release", f, bad)
			}
		}
		for _, m := range uses.FindAllStringSubmatch(src, -1) {
			if m[1] != exampleVersion {
				t.Errorf("%s: uses attachform/attachform@%s, want the pinned %s", f, m[1], exampleVersion)
			}
		}
		for _, m := range version.FindAllStringSubmatch(src, -1) {
			if m[1] != exampleVersion {
				t.Errorf("%s: version %s, want the pinned %s", f, m[1], exampleVersion)
			}
		}
	}
}
