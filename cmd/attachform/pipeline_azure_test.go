package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Azure Pipelines, read as its agent reads a pipeline: stages, jobs and
// deployment jobs, step templates, conditions and $(macros). The GitHub
// side and the command lines are in pipeline_test.go.

// evalAzure evaluates an Azure Pipelines condition: and, or, not, eq, ne,
// succeeded() and always(), over variables['Name'] and 'literals'.
func evalAzure(t *testing.T, expr string, vars map[string]string) bool {
	t.Helper()
	p := &azureExpr{t: t, src: expr, vars: vars}
	v := p.value()
	if p.skip(); p.pos != len(p.src) {
		t.Fatalf("condition %s: cannot read %q", expr, p.src[p.pos:])
	}
	return v == "True"
}

type azureExpr struct {
	t    *testing.T
	src  string
	pos  int
	vars map[string]string
}

func (p *azureExpr) skip() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == ',') {
		p.pos++
	}
}

// value reads one operand: a call, variables['X'] or a literal; booleans
// are "True" and "False", as Azure Pipelines prints them.
func (p *azureExpr) value() string {
	p.skip()
	rest := p.src[p.pos:]
	switch {
	case strings.HasPrefix(rest, "'"):
		end := strings.IndexByte(rest[1:], '\'')
		p.pos += end + 2
		return rest[1 : end+1]
	case strings.HasPrefix(rest, "variables['"):
		end := strings.Index(rest, "']")
		name := rest[len("variables['"):end]
		p.pos += end + 2
		v, ok := p.vars[name]
		if !ok {
			p.t.Fatalf("condition %s: the test has no value for variables['%s']", p.src, name)
		}
		return v
	}
	open := strings.IndexByte(rest, '(')
	if open < 0 {
		p.t.Fatalf("condition %s: cannot read %q", p.src, rest)
	}
	fn := strings.ToLower(strings.TrimSpace(rest[:open]))
	p.pos += open + 1
	var args []string
	for p.skip(); p.src[p.pos] != ')'; p.skip() {
		args = append(args, p.value())
	}
	p.pos++
	b := func(x bool) string {
		if x {
			return "True"
		}
		return "False"
	}
	switch fn {
	case "and":
		all := true
		for _, a := range args {
			all = all && a == "True"
		}
		return b(all)
	case "or":
		any := false
		for _, a := range args {
			any = any || a == "True"
		}
		return b(any)
	case "not":
		return b(len(args) == 1 && args[0] != "True")
	case "eq":
		return b(len(args) == 2 && strings.EqualFold(args[0], args[1]))
	case "ne":
		return b(len(args) == 2 && !strings.EqualFold(args[0], args[1]))
	case "succeeded", "always":
		return "True"
	}
	p.t.Fatalf("condition %s: the test does not evaluate %s()", p.src, fn)
	return ""
}

// azureJobs reads a pipeline and returns the jobs its stages run for the
// variables given (Build.Reason and the like), with templates expanded.
// Every key is checked: Azure Pipelines rejects unknown ones, and so does
// this test.
func azureJobs(t *testing.T, path string, vars map[string]string) []pipelineJob {
	t.Helper()
	p := readYAML(t, path)
	checkKeys(t, path, p, "trigger", "pr", "pool", "variables", "stages", "name", "resources", "schedules")
	for _, v := range asList(p["variables"]) {
		m := asMap(v)
		checkKeys(t, path+": variables", m, "name", "value", "group", "readonly")
		if name := asString(m["name"]); name != "" {
			if _, set := vars[name]; !set {
				vars[name] = asString(m["value"])
			}
		}
	}
	var jobs []pipelineJob
	for i, s := range asList(p["stages"]) {
		stage := asMap(s)
		where := fmt.Sprintf("%s: stages[%d] (%s)", path, i, asString(stage["stage"]))
		checkKeys(t, where, stage, "stage", "displayName", "dependsOn", "condition", "jobs", "lockBehavior", "variables", "pool")
		if cond := asString(stage["condition"]); cond != "" && !evalAzure(t, cond, vars) {
			continue
		}
		for j, jb := range asList(stage["jobs"]) {
			job := asMap(jb)
			jw := fmt.Sprintf("%s.jobs[%d]", where, j)
			checkKeys(t, jw, job, "job", "deployment", "displayName", "dependsOn", "condition", "steps", "environment", "strategy", "pool", "variables", "timeoutInMinutes")
			steps := asList(job["steps"])
			if job["deployment"] != nil {
				steps = asList(asMap(asMap(asMap(job["strategy"])["runOnce"])["deploy"])["steps"])
				if job["environment"] == nil {
					t.Errorf("%s: a deployment job without an environment", jw)
				}
			}
			pj := pipelineJob{name: asString(stage["stage"]) + "/" + asString(job["job"]) + asString(job["deployment"]), env: map[string]string{}, azure: true}
			pj.steps = azureSteps(t, jw, filepath.Dir(path), steps)
			if len(pj.steps) == 0 {
				t.Errorf("%s: no steps", jw)
			}
			jobs = append(jobs, pj)
		}
	}
	return jobs
}

// azureSteps converts steps, expanding step templates (relative to dir).
func azureSteps(t *testing.T, where, dir string, steps []any) []pipelineStep {
	t.Helper()
	var out []pipelineStep
	for i, s := range steps {
		step := asMap(s)
		sw := fmt.Sprintf("%s.steps[%d]", where, i)
		checkKeys(t, sw, step, "checkout", "template", "task", "bash", "script", "publish", "artifact", "displayName", "inputs", "env", "condition", "name", "continueOnError")
		ps := pipelineStep{name: asString(step["displayName"]), env: map[string]string{}}
		for k, v := range asMap(step["env"]) {
			ps.env[k] = asString(v)
		}
		switch task := asString(step["task"]); {
		case step["checkout"] != nil:
		case step["template"] != nil:
			tpl := filepath.Join(dir, asString(step["template"]))
			m := readYAML(t, tpl)
			checkKeys(t, tpl, m, "steps", "parameters")
			out = append(out, azureSteps(t, tpl, dir, asList(m["steps"]))...)
			continue
		case step["bash"] != nil, step["script"] != nil:
			ps.script = asString(step["bash"]) + asString(step["script"])
		case step["publish"] != nil:
			ps.artifact = asString(step["publish"])
			ps.artifactName = asString(step["artifact"])
		case task == "GoTool@0":
			// The test's Go stands in for it.
		case task == "Cache@2":
			in := asMap(step["inputs"])
			checkKeys(t, sw+".inputs", in, "key", "path", "cacheHitVar", "restoreKeys")
			ps.cacheKey, ps.cachePath = asString(in["key"]), asString(in["path"])
			if ps.cacheKey == "" || ps.cachePath == "" {
				t.Errorf("%s: Cache@2 needs a key and a path", sw)
			}
		case task == "AzureCLI@2":
			in := asMap(step["inputs"])
			checkKeys(t, sw+".inputs", in, "azureSubscription", "scriptType", "scriptLocation", "inlineScript", "addSpnToEnvironment", "failOnStandardError")
			if asString(in["scriptType"]) != "bash" || asString(in["scriptLocation"]) != "inlineScript" || in["azureSubscription"] == nil {
				t.Errorf("%s: AzureCLI@2 needs azureSubscription, scriptType bash and an inlineScript", sw)
			}
			ps.script = asString(in["inlineScript"])
		default:
			t.Errorf("%s: the test does not know what task %q does", sw, task)
		}
		if step["condition"] != nil {
			t.Errorf("%s: a step's condition is not evaluated by this test", sw)
		}
		out = append(out, ps)
	}
	return out
}

// azureMacro is an Azure Pipelines macro, $(Name).
var azureMacro = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_.]*)\)`)

// expandAzure replaces the macros of known variables, leaving the rest
// (and shell command substitutions) as Azure Pipelines does.
func expandAzure(s string, vars map[string]string) string {
	return azureMacro.ReplaceAllStringFunc(s, func(m string) string {
		if v, ok := vars[azureMacro.FindStringSubmatch(m)[1]]; ok {
			return v
		}
		return m
	})
}

// azureEnvName is the environment variable a pipeline variable becomes.
func azureEnvName(name string) string {
	return strings.ToUpper(strings.ReplaceAll(name, ".", "_"))
}
