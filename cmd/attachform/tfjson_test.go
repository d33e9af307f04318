package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attachform/attachform/item"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
	"github.com/attachform/attachform/state/local"
	tfjson "github.com/hashicorp/terraform-json"
)

// parsePlanJSON reads a plan document as tools written for Terraform do:
// with terraform-json, whose decoder also checks the format version.
func parsePlanJSON(t *testing.T, doc []byte) *tfjson.Plan {
	t.Helper()
	var p tfjson.Plan
	if err := json.Unmarshal(doc, &p); err != nil {
		t.Fatalf("terraform-json cannot read the plan: %v\n%s", err, doc)
	}
	return &p
}

// Every kind of change reads in terraform-json as Terraform would write
// it: mode, type, name, index, actions (create-before-destroy or not),
// action_reason, deposed objects, imports, moves.
func TestPlanJSONReadsAsTerraformPlan(t *testing.T) {
	p := fixturePlan()
	p.Moves = []plan.Move{{From: "attachment.was", To: "attachment.now"}, {From: "attachment.agenda_old", To: "attachment.agenda"}}
	p.Created = time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
	doc, err := json.Marshal(tfPlanOf(p))
	if err != nil {
		t.Fatal(err)
	}
	got := parsePlanJSON(t, doc)
	if got.FormatVersion != "1.2" || got.Timestamp != "2026-07-01T09:00:00Z" || got.Complete == nil || !*got.Complete {
		t.Errorf("format_version %q, timestamp %q, complete %v", got.FormatVersion, got.Timestamp, got.Complete)
	}
	p.Targets = []string{"attachment.agenda"}
	if targeted, _ := json.Marshal(tfPlanOf(p)); parsePlanJSON(t, targeted).Complete == nil || *parsePlanJSON(t, targeted).Complete {
		t.Errorf("a plan limited by -target reads as complete")
	}
	type want struct {
		typ, name string
		index     any
		actions   tfjson.Actions
		reason    tfjson.ActionReason
	}
	wants := map[string]want{
		"attachment.kept":                  {tfAttachmentType, "kept", nil, tfjson.Actions{tfjson.ActionNoop}, ""},
		`attachment.handbook["intro.pdf"]`: {tfAttachmentType, "handbook", "intro.pdf", tfjson.Actions{tfjson.ActionDelete, tfjson.ActionCreate}, tfjson.ActionReasonReplaceBecauseCannotUpdate},
		"attachment.roster":                {tfAttachmentType, "roster", nil, tfjson.Actions{tfjson.ActionCreate, tfjson.ActionDelete}, tfjson.ActionReasonReplaceBecauseCannotUpdate},
		"attachment.big":                   {tfAttachmentType, "big", nil, tfjson.Actions{tfjson.ActionCreate}, ""},
		"attachment.gone":                  {tfSessionType, "gone", nil, tfjson.Actions{tfjson.ActionDelete}, ""},
		"attachment.found":                 {tfAttachmentType, "found", nil, tfjson.Actions{tfjson.ActionNoop}, ""},
		"attachment.old":                   {tfAttachmentType, "old", nil, tfjson.Actions{tfjson.ActionDelete}, tfjson.ActionReasonDeleteBecauseNoResourceConfig},
		"attachment.stray":                 {tfAttachmentType, "stray", nil, tfjson.Actions{tfjson.ActionDelete}, ""},
		"attachment.lost":                  {tfAttachmentType, "lost", nil, tfjson.Actions{tfjson.ActionDelete}, ""},
		"attachment.now":                   {tfAttachmentType, "now", nil, tfjson.Actions{tfjson.ActionNoop}, ""},
	}
	seen := map[string]int{}
	for _, rc := range got.ResourceChanges {
		seen[rc.Address]++
		if rc.Mode != tfjson.ManagedResourceMode {
			t.Errorf("%s: mode %q", rc.Address, rc.Mode)
		}
		if rc.Change == nil || len(rc.Change.Actions) == 0 {
			t.Errorf("%s: no actions", rc.Address)
			continue
		}
		switch {
		case rc.Address == "attachment.agenda" && rc.DeposedKey != "":
			if !rc.Change.Actions.Delete() || rc.DeposedKey != plan.ShortID("att-0000000000004") {
				t.Errorf("deposed agenda: actions %v, deposed %q", rc.Change.Actions, rc.DeposedKey)
			}
			continue
		case rc.Address == "attachment.agenda":
			if !rc.Change.Actions.Create() || rc.PreviousAddress != "attachment.agenda_old" {
				t.Errorf("agenda: actions %v, previous_address %q", rc.Change.Actions, rc.PreviousAddress)
			}
			continue
		case rc.Address == "attachment.intent" || rc.Address == "attachment.vanished":
			if !rc.Change.Actions.Forget() {
				t.Errorf("intent: actions %v, want forget", rc.Change.Actions)
			}
			continue
		}
		w, ok := wants[rc.Address]
		if !ok {
			t.Errorf("unexpected resource change %s", rc.Address)
			continue
		}
		if rc.Type != w.typ || rc.Name != w.name || rc.Index != w.index {
			t.Errorf("%s: type %q name %q index %v, want %q %q %v", rc.Address, rc.Type, rc.Name, rc.Index, w.typ, w.name, w.index)
		}
		if strings.Join(actionStrings(rc.Change.Actions), ",") != strings.Join(actionStrings(w.actions), ",") {
			t.Errorf("%s: actions %v, want %v", rc.Address, rc.Change.Actions, w.actions)
		}
		if rc.ActionReason != w.reason {
			t.Errorf("%s: action_reason %q, want %q", rc.Address, rc.ActionReason, w.reason)
		}
	}
	for addr := range wants {
		if seen[addr] == 0 {
			t.Errorf("%s is not among the resource changes", addr)
		}
	}
	if seen["attachment.now"] != 1 {
		t.Errorf("the move alone shows %d times", seen["attachment.now"])
	}
	for _, rc := range got.ResourceChanges {
		switch rc.Address {
		case "attachment.found":
			if rc.Change.Importing == nil {
				t.Errorf("an adoption is not an import")
			}
		case "attachment.now":
			if rc.PreviousAddress != "attachment.was" {
				t.Errorf("the move's previous_address is %q", rc.PreviousAddress)
			}
		case "attachment.roster":
			before, _ := rc.Change.Before.(map[string]any)
			after, _ := rc.Change.After.(map[string]any)
			if before["name"] != "roster.csv" || after["name"] != "Roster.csv" || before["id"] != "att-2" {
				t.Errorf("roster: before %v, after %v", before, after)
			}
			if unknown, _ := rc.Change.AfterUnknown.(map[string]any); unknown["id"] != true {
				t.Errorf("roster's new id is not unknown: %v", rc.Change.AfterUnknown)
			}
		}
	}
}

func actionStrings(a tfjson.Actions) []string {
	s := make([]string, len(a))
	for i, x := range a {
		s[i] = string(x)
	}
	return s
}

// The state document reads in terraform-json, and holds no upload URL.
func TestStateJSONReadsAsTerraformState(t *testing.T) {
	ref := item.Ref{Mailbox: "ops@contoso.com", Kind: item.Message, ID: "msg-1"}
	st := state.New()
	st.SetAttachment(state.Attachment{Address: `attachment.h["a.pdf"]`, Target: ref, ID: "id-1", Name: "a.pdf", SHA256: "aa", Bytes: 3, ReportedSize: 9})
	st.SetSession(state.Session{ID: "s1", Address: "attachment.big", Target: ref, Name: "big.bin", Bytes: 9 << 20,
		UploadURL: "https://outlook.office.com/api/v2.0/Users('x')/Messages('y')/AttachmentSessions('z')?authtoken=SECRET"})
	doc, err := json.Marshal(tfStateOf(st))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(doc), "SECRET") || strings.Contains(string(doc), "AttachmentSessions") {
		t.Fatalf("the state document holds an upload URL:\n%s", doc)
	}
	var got tfjson.State
	if err := json.Unmarshal(doc, &got); err != nil {
		t.Fatalf("terraform-json cannot read the state: %v\n%s", err, doc)
	}
	rs := got.Values.RootModule.Resources
	if len(rs) != 2 || rs[0].Address != `attachment.h["a.pdf"]` || rs[0].Index != "a.pdf" || rs[0].Type != tfAttachmentType ||
		rs[0].AttributeValues["id"] != "id-1" || rs[1].Type != tfSessionType {
		t.Errorf("resources: %+v", rs)
	}
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
		if !rc.Change.Actions.Create() || rc.Type != tfAttachmentType || rc.Mode != tfjson.ManagedResourceMode {
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
	var st tfjson.State
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

// An apply of a plan with changes moves the state's serial even when no
// change recorded anything (each failed first): a saved plan is bound to
// the serial, so it applies at most once. One that moved it is left as is.
func TestSettleSerialMovesTheSerialOnce(t *testing.T) {
	g, _, _ := testGlobals()
	dir := t.TempDir()
	b := local.New(filepath.Join(dir, "s.json"))
	st := state.New()
	st.Serial = 3
	if err := b.Write(g.ctx, st); err != nil {
		t.Fatal(err)
	}
	w := &workspace{backend: b, st: st}
	if err := settleSerial(g, w, st.Clone()); err != nil {
		t.Fatal(err)
	}
	got, err := b.Read(g.ctx)
	if err != nil || got.Serial != 4 || got.Lineage != st.Lineage {
		t.Fatalf("after an apply that recorded nothing: %+v, %v", got, err)
	}
	saved := &plan.Saved{Plan: &plan.Plan{Lineage: st.Lineage, Serial: 3}}
	if err := plan.CheckSaved(g.ctx, saved, &spec.Config{}, got); !errors.Is(err, plan.ErrStalePlan) {
		t.Errorf("the plan applies again: %v", err)
	}
	if err := settleSerial(g, w, got); err != nil {
		t.Fatal(err)
	}
	if again, _ := b.Read(g.ctx); again.Serial != 4 {
		t.Errorf("a serial that moved was moved again: %d", again.Serial)
	}

	// No state before: the first write creates one.
	b2 := local.New(filepath.Join(dir, "new.json"))
	if err := settleSerial(g, &workspace{backend: b2}, state.New()); err != nil {
		t.Fatal(err)
	}
	if first, err := b2.Read(g.ctx); err != nil || first == nil || first.Serial != 1 {
		t.Errorf("no state before: %+v, %v", first, err)
	}
}

// Terraform's JSON names a resource by its block name and its index: a
// string key, a count index, or none; an undeclared attachment on an
// exclusive target is named "undeclared" with its name as the index.
func TestTFAddr(t *testing.T) {
	for _, tc := range []struct {
		addr  string
		name  string
		index any
	}{
		{`attachment.agenda`, "agenda", nil},
		{`attachment.pack["alice@contoso.com"]`, "pack", "alice@contoso.com"},
		{`attachment.part[3]`, "part", 3},
		{`target.welcome.undeclared["old.pdf"]`, "undeclared", "old.pdf"},
		{`target.welcome["a@contoso.com"].undeclared["old.pdf"]`, "undeclared", "old.pdf"},
	} {
		name, index := tfAddr(tc.addr)
		if name != tc.name || index != tc.index {
			t.Errorf("tfAddr(%s) = %q, %#v; want %q, %#v", tc.addr, name, index, tc.name, tc.index)
		}
	}
}
