package tfjson

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/attachform/attachform/item"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/plan/plantest"
	"github.com/attachform/attachform/state"
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

// Every kind of change reads in terraform-json as Terraform would write
// it: mode, type, name, index, actions (create-before-destroy or not),
// action_reason, deposed objects, imports, moves.
func TestPlanJSONReadsAsTerraformPlan(t *testing.T) {
	p := plantest.EveryChange()
	p.Moves = []plan.Move{{From: "attachment.was", To: "attachment.now"}, {From: "attachment.agenda_old", To: "attachment.agenda"}}
	p.Created = time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
	doc, err := json.Marshal(PlanOf(p, "test"))
	if err != nil {
		t.Fatal(err)
	}
	got := parsePlanJSON(t, doc)
	if got.FormatVersion != "1.2" || got.Timestamp != "2026-07-01T09:00:00Z" || got.Complete == nil || !*got.Complete {
		t.Errorf("format_version %q, timestamp %q, complete %v", got.FormatVersion, got.Timestamp, got.Complete)
	}
	p.Targets = []string{"attachment.agenda"}
	if targeted, _ := json.Marshal(PlanOf(p, "test")); parsePlanJSON(t, targeted).Complete == nil || *parsePlanJSON(t, targeted).Complete {
		t.Errorf("a plan limited by -target reads as complete")
	}
	type want struct {
		typ, name string
		index     any
		actions   terraform.Actions
		reason    terraform.ActionReason
	}
	wants := map[string]want{
		"attachment.kept":                  {AttachmentType, "kept", nil, terraform.Actions{terraform.ActionNoop}, ""},
		`attachment.handbook["intro.pdf"]`: {AttachmentType, "handbook", "intro.pdf", terraform.Actions{terraform.ActionDelete, terraform.ActionCreate}, terraform.ActionReasonReplaceBecauseCannotUpdate},
		"attachment.roster":                {AttachmentType, "roster", nil, terraform.Actions{terraform.ActionCreate, terraform.ActionDelete}, terraform.ActionReasonReplaceBecauseCannotUpdate},
		"attachment.big":                   {AttachmentType, "big", nil, terraform.Actions{terraform.ActionCreate}, ""},
		"attachment.gone":                  {SessionType, "gone", nil, terraform.Actions{terraform.ActionDelete}, ""},
		"attachment.found":                 {AttachmentType, "found", nil, terraform.Actions{terraform.ActionNoop}, ""},
		"attachment.old":                   {AttachmentType, "old", nil, terraform.Actions{terraform.ActionDelete}, terraform.ActionReasonDeleteBecauseNoResourceConfig},
		"attachment.stray":                 {AttachmentType, "stray", nil, terraform.Actions{terraform.ActionDelete}, ""},
		"attachment.lost":                  {AttachmentType, "lost", nil, terraform.Actions{terraform.ActionDelete}, ""},
		"attachment.now":                   {AttachmentType, "now", nil, terraform.Actions{terraform.ActionNoop}, ""},
	}
	seen := map[string]int{}
	for _, rc := range got.ResourceChanges {
		seen[rc.Address]++
		if rc.Mode != terraform.ManagedResourceMode {
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

func actionStrings(a terraform.Actions) []string {
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
	st.SetAttachment(state.Attachment{Address: `attachment.h["a.pdf"]`, Target: ref, ID: "id-1",
		Descriptor: state.Descriptor{Name: "a.pdf", SHA256: "aa", Bytes: 3}, ReportedSize: 9})
	st.SetSession(state.Session{ID: "s1", Address: "attachment.big", Target: ref, Descriptor: state.Descriptor{Name: "big.bin", Bytes: 9 << 20},
		UploadURL: "https://outlook.office.com/api/v2.0/Users('x')/Messages('y')/AttachmentSessions('z')?authtoken=SECRET"})
	doc, err := json.Marshal(StateOf(st, "test"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(doc), "SECRET") || strings.Contains(string(doc), "AttachmentSessions") {
		t.Fatalf("the state document holds an upload URL:\n%s", doc)
	}
	var got terraform.State
	if err := json.Unmarshal(doc, &got); err != nil {
		t.Fatalf("terraform-json cannot read the state: %v\n%s", err, doc)
	}
	rs := got.Values.RootModule.Resources
	if len(rs) != 2 || rs[0].Address != `attachment.h["a.pdf"]` || rs[0].Index != "a.pdf" || rs[0].Type != AttachmentType ||
		rs[0].AttributeValues["id"] != "id-1" || rs[1].Type != SessionType {
		t.Errorf("resources: %+v", rs)
	}
}

// Terraform's JSON names a resource by its block name and its index: a
// string key, a count index, or none; an undeclared attachment on an
// exclusive target is named "undeclared" with its name as the index.
func TestAddr(t *testing.T) {
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
		name, index := Addr(tc.addr)
		if name != tc.name || index != tc.index {
			t.Errorf("Addr(%s) = %q, %#v; want %q, %#v", tc.addr, name, index, tc.name, tc.index)
		}
	}
}
