package views

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/attachform/attachform/apply"
	"github.com/attachform/attachform/internal/buildinfo"
	"github.com/attachform/attachform/internal/bytesize"
	"github.com/attachform/attachform/internal/tfjson"
	"github.com/attachform/attachform/plan"
	"github.com/hashicorp/hcl/v2"
)

// jsonUI writes the machine-readable UI of plan -json and apply -json: one
// JSON object a line on stdout, in the shape of Terraform's (the version
// first, then planned_change, resource_drift, apply_start,
// apply_progress, apply_complete, apply_errored, change_summary,
// diagnostic and log messages). Every line has @level, @message,
// @module, @timestamp and type. The device-code sign-in prompt, meant for
// a person, stays on stderr.
type jsonUI struct {
	*View
	mu sync.Mutex // lines come from many workers during apply
}

func newJSONUI(v *View) *jsonUI {
	j := &jsonUI{View: v}
	j.emit("info", "version", "attachform "+buildinfo.Version(), map[string]any{"attachform": buildinfo.Version(), "ui": tfjson.UIVersion})
	return j
}

// emit writes one message.
func (j *jsonUI) emit(level, typ, msg string, fields map[string]any) {
	line := map[string]any{
		"@level": level, "@message": msg, "@module": "attachform.ui",
		"@timestamp": time.Now().Format(time.RFC3339Nano), "type": typ,
	}
	for k, v := range fields {
		line[k] = v
	}
	b, err := json.Marshal(line)
	if err != nil { // only plain data goes in
		b, _ = json.Marshal(map[string]any{"@level": "error", "@message": "internal error: " + err.Error(), "type": "log"})
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	_, _ = j.out.Write(append(b, '\n'))
}

// Diagnostics writes one diagnostic message each (and GitHub's
// annotations on stderr, as every view does).
func (j *jsonUI) Diagnostics(files map[string]*hcl.File, diags hcl.Diagnostics) {
	for _, d := range diags {
		level, prefix := "error", "Error: "
		if d.Severity != hcl.DiagError {
			level, prefix = "warn", "Warning: "
		}
		j.emit(level, "diagnostic", prefix+d.Summary, map[string]any{"diagnostic": newJSONDiagnostic(files, d)})
	}
	j.annotate(diags)
}

func (j *jsonUI) Fail(msg string) {
	j.Diagnostics(nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: msg}})
}

func (j *jsonUI) UsageError(err error, _ string) { j.Fail(err.Error()) }

func (j *jsonUI) Interrupted() { j.emit("warn", "log", "Interrupt received: stopping.", nil) }

func (j *jsonUI) StoppingGracefully(grace time.Duration) {
	j.emit("warn", "log", fmt.Sprintf("Interrupt received: stopping gracefully. Nothing new starts; requests in flight get up to %s to finish.", grace), nil)
}

func (j *jsonUI) StoppingAtOnce() {
	j.emit("warn", "log", "Second interrupt received: stopping at once. What finished is saved in the state.", nil)
}

func (j *jsonUI) GraceOver(grace time.Duration) {
	j.emit("warn", "log", fmt.Sprintf("Still not stopped after %s: stopping at once. What finished is saved in the state.", grace), nil)
}

// plannedChanges writes the plan: a planned_change per change (a
// resource_drift per change in a refresh-only plan), then its
// change_summary.
func (j *jsonUI) plannedChanges(p *plan.Plan) {
	changed := map[string]bool{}
	movedFrom := map[string]string{}
	for _, m := range p.Moves {
		movedFrom[m.To] = m.From
	}
	for _, c := range p.Changes {
		if c.Action == plan.NoOp {
			continue
		}
		changed[c.Address] = true
		ch := map[string]any{"resource": tfjson.ResourceAddrOf(c.Address, c.Action), "action": tfjson.UIAction(c.Action)}
		if r := tfjson.UIReason(c, p.Mode); r != "" {
			ch["reason"] = r
		}
		if from := movedFrom[c.Address]; from != "" {
			ch["previous_resource"] = tfjson.ResourceAddrOf(from, c.Action)
		}
		if c.Importing != "" {
			ch["importing"] = map[string]any{"id": c.Importing} // as Terraform 1.5's planned_change
		}
		if p.Mode == plan.RefreshOnly {
			ch["action"] = "delete"
			j.emit("info", "resource_drift", c.Address+": Drift detected (delete)", map[string]any{"change": ch})
			continue
		}
		j.emit("info", "planned_change", fmt.Sprintf("%s: Plan to %s", c.Address, ch["action"]), map[string]any{"change": ch})
	}
	for _, m := range p.Moves {
		if changed[m.To] {
			continue
		}
		ch := map[string]any{"resource": tfjson.ResourceAddrOf(m.To, plan.NoOp), "previous_resource": tfjson.ResourceAddrOf(m.From, plan.NoOp), "action": "move"}
		j.emit("info", "planned_change", fmt.Sprintf("%s: Plan to move", m.To), map[string]any{"change": ch})
	}
	s := p.Summary()
	msg := summaryLine("Plan", s, len(p.Moves))
	if !p.HasChanges() {
		msg = "No changes."
	}
	j.emit("info", "change_summary", msg, map[string]any{"changes": map[string]any{
		"add": s.Add + s.Resume, "change": 0, "import": s.Import + s.Adopt, "remove": s.Destroy, "forget": s.Forget,
		"move": len(p.Moves), "operation": "plan",
	}})
}

// planJSON is plan -json.
type planJSON struct{ *jsonUI }

func (v *planJSON) Plan(p *plan.Plan) error { v.plannedChanges(p); return nil }

// NextStep writes nothing: hints are for people.
func (v *planJSON) NextStep(*plan.Plan, string) {}

// Generated adds nothing to the JSON lines: the import changes say it.
func (v *planJSON) Generated(string, string, int) {}

// applyJSON is apply -json (and destroy -json).
type applyJSON struct {
	*jsonUI
	mode plan.Mode
	// lastProgress throttles apply_progress to one a change every 10 s.
	lastProgress map[string]time.Time
	startedAt    map[string]time.Time
}

func newApplyJSON(v *View) *applyJSON {
	return &applyJSON{jsonUI: newJSONUI(v), lastProgress: map[string]time.Time{}, startedAt: map[string]time.Time{}}
}

func (v *applyJSON) Plan(p *plan.Plan) error {
	v.mode = p.Mode
	v.plannedChanges(p)
	return nil
}

// AskApproval is never called: apply -json needs -auto-approve or a
// saved plan.
func (v *applyJSON) AskApproval() {}
func (v *applyJSON) Answered()    {}

func (v *applyJSON) Cancelled() {
	v.Fail(map[bool]string{true: "Destroy cancelled.", false: "Apply cancelled."}[v.mode == plan.Destroy])
}

func (v *applyJSON) Applying(p *plan.Plan) { v.mode = p.Mode }

// hookVerbs are Terraform's words for a change's start, end and failure.
var hookVerbs = map[plan.Action][3]string{
	plan.Create:  {"Creating...", "Creation complete", "Creation errored"},
	plan.Resume:  {"Creating...", "Creation complete", "Creation errored"},
	plan.Replace: {"Replacing...", "Replacement complete", "Replacement errored"},
	plan.Delete:  {"Destroying...", "Destruction complete", "Destruction errored"},
	plan.Cancel:  {"Destroying...", "Destruction complete", "Destruction errored"},
	plan.Adopt:   {"Importing...", "Import complete", "Import errored"},
	plan.Forget:  {"Removing...", "Removal complete", "Removal errored"},
}

func (v *applyJSON) Event(e apply.Event) {
	v.mu.Lock()
	now := time.Now()
	started, ok := v.startedAt[e.Address]
	if !ok {
		started = now
	}
	v.mu.Unlock()
	hook := map[string]any{"resource": tfjson.ResourceAddrOf(e.Address, e.Action), "action": tfjson.UIAction(e.Action)}
	vb := hookVerbs[e.Action]
	switch e.Phase {
	case apply.Started:
		v.mu.Lock()
		v.startedAt[e.Address], v.lastProgress[e.Address] = now, now
		v.mu.Unlock()
		v.emit("info", "apply_start", e.Address+": "+vb[0], map[string]any{"hook": hook})
	case apply.Progress:
		v.mu.Lock()
		last := v.lastProgress[e.Address]
		due := now.Sub(last) >= 10*time.Second && e.Sent < e.Total
		if due {
			v.lastProgress[e.Address] = now
		}
		v.mu.Unlock()
		if !due {
			return
		}
		elapsed := int(now.Sub(started).Seconds())
		hook["elapsed_seconds"], hook["bytes_sent"], hook["bytes_total"] = elapsed, e.Sent, e.Total
		v.emit("info", "apply_progress", fmt.Sprintf("%s: Still uploading... [%s of %s, %ds elapsed]", e.Address,
			bytesize.Format(e.Sent), bytesize.Format(e.Total), elapsed), map[string]any{"hook": hook})
	case apply.Finished:
		hook["elapsed_seconds"] = int(e.Elapsed.Seconds())
		id := ""
		if e.ID != "" {
			hook["id_key"], hook["id_value"] = "id", e.ID
			id = fmt.Sprintf(" [id=%s]", e.ID)
		}
		v.emit("info", "apply_complete", fmt.Sprintf("%s: %s after %s%s", e.Address, vb[1], e.Elapsed.Round(time.Second), id), map[string]any{"hook": hook})
	case apply.Failed:
		hook["elapsed_seconds"] = int(e.Elapsed.Seconds())
		v.emit("error", "apply_errored", fmt.Sprintf("%s: %s after %s", e.Address, vb[2], e.Elapsed.Round(time.Second)), map[string]any{"hook": hook})
	case apply.Waiting:
		if e.WaitingFor != "" {
			// The state store (no change's) or Graph (a change's) does not
			// answer; a zero Since says it does again.
			if !e.Since.IsZero() {
				msg := capitalize(stalledText(e.WaitingFor, e.Since, now))
				if e.Address != "" {
					msg = e.Address + ": " + stalledText(e.WaitingFor, e.Since, now)
				}
				v.emit("info", "log", msg, nil)
			}
			return
		}
		v.emit("info", "log", fmt.Sprintf("%s: waiting for the %s budget of %s until %s", e.Address, e.Budget, e.Mailbox, e.Until.Format(time.RFC3339)), nil)
	}
}

func (v *applyJSON) Finished(r apply.Result, fatal error) {
	for _, e := range r.Errors {
		if fatal != nil && errors.Is(e.Err, fatal) {
			continue
		}
		Errorf(v, fmt.Sprintf("%s: %s failed", e.Address, e.Action), "%v", e.Err)
	}
	if fatal != nil {
		Errorf(v, fatalSummary(fatal), "%v", fatal)
	}
	if len(r.Errors) == 0 && fatal == nil && len(r.Unfinished) > 0 {
		Errorf(v, "Apply interrupted",
			"%s not finished. What finished is saved in the state; run \"attachform apply\" again to finish the rest.",
			plural(len(r.Unfinished), "planned change was", "planned changes were"))
	}
	op, msg := "apply", applyOutcome(r, fatal, v.mode)
	if v.mode == plan.Destroy {
		op = "destroy"
	}
	v.emit("info", "change_summary", msg, map[string]any{"changes": map[string]any{
		"add": r.Added + r.Resumed, "change": 0, "import": r.Imported + r.Adopted, "remove": r.Destroyed, "forget": r.Forgotten,
		"move": r.Moved, "operation": op,
	}})
}
