package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attachform/attachform/internal/tfjson"
	terraform "github.com/hashicorp/terraform-json"
)

// parsePlanJSON reads a plan document as tools written for Terraform do:
// with terraform-json, whose decoder also checks the format version.
func parsePlanJSON(t *testing.T, doc []byte) *terraform.Plan {
	t.Helper()
	var p terraform.Plan
	if err := json.Unmarshal(doc, &p); err != nil {
		t.Fatalf("terraform-json cannot read the plan: %v\n%s", err, doc)
	}
	return &p
}

// End to end: a plan saved by the CLI, shown with show -json, reads in
// terraform-json; plan -json and apply -json write Terraform's UI lines.
func TestShowJSONOfASavedPlan(t *testing.T) {
	dir := t.TempDir()
	if err := copyDir(filepath.Join("..", "..", "examples", "quickstart"), dir); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, dir, nil, "", "plan", "-out=review.plan", "-json")
	if r.code != exitOK {
		t.Fatalf("plan: %d\n%s%s", r.code, r.out, r.err)
	}
	types := uiTypes(t, r.out)
	if types[0] != "version" || types[len(types)-1] != "change_summary" || count(types, "planned_change") != 2 {
		t.Errorf("plan -json messages: %v", types)
	}
	fi, err := os.Stat(filepath.Join(dir, "review.plan"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the saved plan: %v, mode %v", err, fi.Mode())
	}

	r = runCLI(t, dir, nil, "", "show", "-json", "review.plan")
	if r.code != exitOK {
		t.Fatalf("show -json: %d\n%s", r.code, r.err)
	}
	p := parsePlanJSON(t, []byte(r.out))
	if len(p.ResourceChanges) != 2 {
		t.Fatalf("%d resource changes, want 2", len(p.ResourceChanges))
	}
	for _, rc := range p.ResourceChanges {
		if !rc.Change.Actions.Create() || rc.Type != tfjson.AttachmentType || rc.Mode != terraform.ManagedResourceMode {
			t.Errorf("%s: %s %s %v", rc.Address, rc.Mode, rc.Type, rc.Change.Actions)
		}
	}

	r = runCLI(t, dir, nil, "", "apply", "-json", "review.plan")
	if r.code != exitOK {
		t.Fatalf("apply -json: %d\n%s%s", r.code, r.out, r.err)
	}
	types = uiTypes(t, r.out)
	if count(types, "apply_start") != 2 || count(types, "apply_complete") != 2 || types[len(types)-1] != "change_summary" {
		t.Errorf("apply -json messages: %v", types)
	}

	r = runCLI(t, dir, nil, "", "show", "-json")
	if r.code != exitOK {
		t.Fatalf("show -json (the state): %d\n%s", r.code, r.err)
	}
	var st terraform.State
	if err := json.Unmarshal([]byte(r.out), &st); err != nil || len(st.Values.RootModule.Resources) != 2 {
		t.Fatalf("the state document: %v\n%s", err, r.out)
	}
}

// uiTypes are the types of a JSON-lines UI's messages, each line checked
// to carry what every message carries.
func uiTypes(t *testing.T, out string) []string {
	t.Helper()
	var types []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("not a JSON line: %q", sc.Text())
		}
		for _, k := range []string{"@level", "@message", "@module", "@timestamp", "type"} {
			if _, ok := m[k]; !ok {
				t.Errorf("%q has no %s", sc.Text(), k)
			}
		}
		types = append(types, m["type"].(string))
	}
	if len(types) == 0 {
		t.Fatal("no messages")
	}
	return types
}

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}
