package plan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/attachform/attachform/item"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/attachform/attachform/content"
	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
)

// SavedFormatVersion is the version of the saved-plan format written here.
const SavedFormatVersion = 1

// maxSavedPlan bounds what LoadSaved reads: a saved plan is data from a CI
// artifact, not to be trusted with memory.
const maxSavedPlan = 256 << 20

// ErrStalePlan marks a saved plan that no longer fits what it would be
// applied to: the state, the manifests or a source moved since.
var ErrStalePlan = errors.New("the saved plan is stale")

// StalePlanError is ErrStalePlan with what moved: errors.Is(err,
// ErrStalePlan) holds, and Reason is the sentence for people, without the
// error's prefix.
type StalePlanError struct {
	Reason string
}

func (e *StalePlanError) Error() string { return ErrStalePlan.Error() + ": " + e.Reason }

// Is makes a StalePlanError an ErrStalePlan.
func (e *StalePlanError) Is(target error) bool { return target == ErrStalePlan }

// stale is a StalePlanError saying why.
func stale(format string, args ...any) error {
	return &StalePlanError{Reason: fmt.Sprintf(format, args...)}
}

// Saved is a plan as `plan -out` writes it, with what binds it to the
// reviewed inputs: the manifests' digest, and (in the changes) the sha256
// of every source to upload. It holds no secret: sessions are named by ID.
type Saved struct {
	Plan *Plan
	// Manifests is ManifestsDigest of the configuration planned.
	Manifests string
	// Load is how the manifests were loaded: apply loads them again the
	// same way (as Terraform keeps a plan's variables in its file), so
	// that they digest the same and reach the same Graph and state.
	Load SavedLoad
	// Graph is where the changes go, as the manifests said when planned:
	// a variable read from the environment may move it.
	Graph SavedGraph
}

// SavedLoad is what the command line gave the manifests at plan time.
type SavedLoad struct {
	// VarArgs are -var and -var-file in command-line order, but for the
	// -var of a sensitive variable: a saved plan holds no secret.
	VarArgs []spec.VarArg
	// Withheld names the sensitive variables whose -var values were left
	// out; apply takes them from ATTACHFORM_VAR_name.
	Withheld            []string
	AllowOutsideSources bool
}

// SavedGraph is the graph block's say on where requests go.
type SavedGraph struct {
	Endpoint, Cloud, TenantID string
}

// NewSaved is p as plan -out saves it: bound to cfg's manifests, and
// holding how they were loaded (opts) without the values of cfg's
// sensitive variables.
func NewSaved(p *Plan, cfg *spec.Config, opts spec.LoadOptions) *Saved {
	s := &Saved{Plan: p, Manifests: ManifestsDigest(cfg),
		Graph: SavedGraph{Endpoint: cfg.Graph.Endpoint, Cloud: cfg.Graph.Cloud, TenantID: cfg.Graph.TenantID}}
	s.Load.AllowOutsideSources = opts.AllowOutsideSources
	for _, a := range opts.VarArgs {
		if name, _, _ := strings.Cut(a.Value, "="); !a.File && cfg.Sensitive[strings.TrimSpace(name)] {
			if n := strings.TrimSpace(name); !slices.Contains(s.Load.Withheld, n) {
				s.Load.Withheld = append(s.Load.Withheld, n)
			}
			continue
		}
		s.Load.VarArgs = append(s.Load.VarArgs, a)
	}
	return s
}

// ManifestsDigest digests every manifest and variable file of cfg, by
// name and content, so a saved plan can tell the configuration changed.
func ManifestsDigest(cfg *spec.Config) string {
	names := make([]string, 0, len(cfg.Files))
	for n := range cfg.Files {
		names = append(names, n)
	}
	slices.Sort(names)
	h := sha256.New()
	for _, n := range names {
		b := cfg.Files[n].Bytes
		fmt.Fprintf(h, "%d:%s\x00%d:", len(n), n, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// CheckSaved reports, without changing anything, whether s may be applied
// to st and cfg now: the state must be the one planned against (lineage
// and serial: so a plan applies at most once), the manifests unchanged,
// and every source to upload exactly the bytes reviewed. A plan that no
// longer fits is a *StalePlanError naming what moved.
func CheckSaved(ctx context.Context, s *Saved, cfg *spec.Config, st *state.State) error {
	p := s.Plan
	lineage, serial := "", uint64(0)
	if st != nil {
		lineage, serial = st.Lineage, st.Serial
	}
	switch {
	case p.Lineage != "" && p.Lineage != lineage:
		return stale("it was made for another state (lineage %s, now %s); run plan again", p.Lineage, orNone(lineage))
	case p.Serial != serial || (p.Lineage == "" && lineage != "" && serial > 0):
		return stale("the state changed since it was made (serial %d, now %d), by an apply of it or of another plan; run plan again", p.Serial, serial)
	case s.Manifests != ManifestsDigest(cfg):
		return stale("the manifests changed since it was made; run plan again")
	case s.Graph != (SavedGraph{Endpoint: cfg.Graph.Endpoint, Cloud: cfg.Graph.Cloud, TenantID: cfg.Graph.TenantID}):
		return stale("the graph block now points elsewhere (endpoint %s, cloud %s, tenant %s; planned for %s, %s, %s), "+
			"through a variable's value; run plan again", orNone(cfg.Graph.Endpoint), orNone(cfg.Graph.Cloud), orNone(cfg.Graph.TenantID),
			orNone(s.Graph.Endpoint), orNone(s.Graph.Cloud), orNone(s.Graph.TenantID))
	}
	for _, c := range p.Changes {
		if c.After == nil || c.AdoptID != "" || (c.Action != Create && c.Action != Replace && c.Action != Resume) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		digest, n, err := content.FileSHA256(c.After.Source)
		if err != nil {
			return stale("%s: %v", c.After.DisplayPath, err)
		}
		if digest != c.After.SHA256 || n != c.After.Bytes {
			return stale("%s changed since the plan was reviewed (sha256 %.12s…, reviewed %.12s…); run plan again", c.After.DisplayPath, digest, c.After.SHA256)
		}
	}
	return nil
}

// Rebase points every source that lies in the configuration directory
// (its display path is relative) into dir, the configuration directory of
// the run that applies s: a plan made in one checkout of the repository
// (a pull request's job) applies in another (the merge's), wherever that
// is. Sources outside it (-allow-outside-sources) keep their absolute
// paths. CheckSaved then hashes the sources that will be read.
func (s *Saved) Rebase(dir string) {
	for i := range s.Plan.Changes {
		if d := s.Plan.Changes[i].After; d != nil && d.DisplayPath != "" && !filepath.IsAbs(filepath.FromSlash(d.DisplayPath)) {
			d.Source = filepath.Join(dir, filepath.FromSlash(d.DisplayPath))
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// The serialised form, separate from the in-memory one so either can
// change while old files still read the same.
type savedJSON struct {
	FormatVersion int          `json:"format_version"`
	Created       time.Time    `json:"created"`
	Mode          string       `json:"mode"`
	Lineage       string       `json:"lineage"`
	Serial        uint64       `json:"serial"`
	Manifests     string       `json:"manifests_sha256"`
	Load          loadJSON     `json:"load"`
	Graph         graphJSON    `json:"graph"`
	Targets       []string     `json:"targets,omitempty"`
	Replace       []string     `json:"replace,omitempty"`
	MassDestroy   bool         `json:"allow_mass_destroy,omitempty"`
	Moves         []moveJSON   `json:"moves,omitempty"`
	Changes       []changeJSON `json:"changes"`
}

type loadJSON struct {
	VarArgs             []varArgJSON `json:"var_args,omitempty"`
	Withheld            []string     `json:"withheld_variables,omitempty"`
	AllowOutsideSources bool         `json:"allow_outside_sources,omitempty"`
}

type varArgJSON struct {
	File  bool   `json:"file,omitempty"`
	Value string `json:"value"`
}

type graphJSON struct {
	Endpoint string `json:"endpoint,omitempty"`
	Cloud    string `json:"cloud,omitempty"`
	TenantID string `json:"tenant_id,omitempty"`
}

type moveJSON struct {
	From string `json:"from"`
	To   string `json:"to"`
}

type changeJSON struct {
	Address      string            `json:"address"`
	Action       Action            `json:"action"`
	Reason       string            `json:"reason,omitempty"`
	Before       *state.Attachment `json:"before,omitempty"`
	After        *desiredJSON      `json:"after,omitempty"`
	Session      *sessionJSON      `json:"session,omitempty"`
	AdoptID      string            `json:"adopt_id,omitempty"`
	Importing    string            `json:"importing,omitempty"`
	DestroyFirst bool              `json:"destroy_first,omitempty"`
	Unmanaged    bool              `json:"unmanaged,omitempty"`
	Deposed      bool              `json:"deposed,omitempty"`
	Orphan       bool              `json:"orphan,omitempty"`
	Intents      []string          `json:"intents,omitempty"`
}

type desiredJSON struct {
	Address     string     `json:"address"`
	Target      item.Ref   `json:"target"`
	TargetName  string     `json:"target_name"`
	TargetLabel item.Label `json:"target_label,omitzero"`
	Source      string     `json:"source"`
	DisplayPath string     `json:"display_path"`
	state.Descriptor
}

// sessionJSON is a session without its upload URL: a saved plan is safe
// to keep as a CI artifact.
type sessionJSON struct {
	ID          string     `json:"id"`
	Address     string     `json:"address"`
	Target      item.Ref   `json:"target"`
	TargetLabel item.Label `json:"target_label,omitzero"`
	state.Descriptor
	Confirmed int64     `json:"confirmed"`
	ExpiresAt time.Time `json:"expires_at"`
}

var modeNames = [...]string{Normal: "normal", Destroy: "destroy", RefreshOnly: "refresh-only"}

// WriteSaved writes s as JSON.
func WriteSaved(w io.Writer, s *Saved) error {
	p := s.Plan
	out := savedJSON{FormatVersion: SavedFormatVersion, Created: p.Created, Mode: modeNames[p.Mode],
		Lineage: p.Lineage, Serial: p.Serial, Manifests: s.Manifests, Changes: []changeJSON{}, Targets: p.Targets,
		Replace: p.Replace, MassDestroy: p.AllowMassDestroy,
		Load:  loadJSON{Withheld: s.Load.Withheld, AllowOutsideSources: s.Load.AllowOutsideSources},
		Graph: graphJSON(s.Graph)}
	for _, a := range s.Load.VarArgs {
		out.Load.VarArgs = append(out.Load.VarArgs, varArgJSON(a))
	}
	for _, m := range p.Moves {
		out.Moves = append(out.Moves, moveJSON(m))
	}
	for _, c := range p.Changes {
		cj := changeJSON{Address: c.Address, Action: c.Action, Reason: c.Reason, Before: c.Before, AdoptID: c.AdoptID, Importing: c.Importing,
			DestroyFirst: c.DestroyFirst, Unmanaged: c.Unmanaged, Deposed: c.Deposed, Orphan: c.Orphan, Intents: c.Intents}
		if c.After != nil {
			d := desiredJSON(*c.After)
			cj.After = &d
		}
		if c.Session != nil {
			sj := sessionJSON(*c.Session)
			cj.Session = &sj
		}
		out.Changes = append(out.Changes, cj)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// LoadSaved reads what WriteSaved wrote, refusing anything else.
func LoadSaved(r io.Reader) (*Saved, error) {
	dec := json.NewDecoder(io.LimitReader(r, maxSavedPlan))
	dec.DisallowUnknownFields()
	var in savedJSON
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("read saved plan: %w", err)
	}
	switch {
	case in.FormatVersion != SavedFormatVersion:
		return nil, fmt.Errorf("read saved plan: format version %d; this attachform reads %d: plan again with it", in.FormatVersion, SavedFormatVersion)
	case in.Manifests == "":
		return nil, fmt.Errorf("read saved plan: no manifests digest: not a plan attachform wrote")
	}
	mode := slices.Index(modeNames[:], in.Mode)
	if mode < 0 {
		return nil, fmt.Errorf("read saved plan: unknown mode %q", in.Mode)
	}
	p := &Plan{Mode: Mode(mode), Lineage: in.Lineage, Serial: in.Serial, Created: in.Created, Changes: []Change{}, Targets: in.Targets,
		Replace: in.Replace, AllowMassDestroy: in.MassDestroy}
	for _, m := range in.Moves {
		p.Moves = append(p.Moves, Move(m))
	}
	for _, cj := range in.Changes {
		c := Change{Address: cj.Address, Action: cj.Action, Reason: cj.Reason, Before: cj.Before, AdoptID: cj.AdoptID, Importing: cj.Importing,
			DestroyFirst: cj.DestroyFirst, Unmanaged: cj.Unmanaged, Deposed: cj.Deposed, Orphan: cj.Orphan, Intents: cj.Intents}
		if cj.After != nil {
			d := Desired(*cj.After)
			c.After = &d
		}
		if cj.Session != nil {
			s := Session(*cj.Session)
			c.Session = &s
		}
		if err := c.check(); err != nil {
			return nil, fmt.Errorf("read saved plan: %s: %w", c.Address, err)
		}
		p.Changes = append(p.Changes, c)
	}
	saved := &Saved{Plan: p, Manifests: in.Manifests, Graph: SavedGraph(in.Graph),
		Load: SavedLoad{Withheld: in.Load.Withheld, AllowOutsideSources: in.Load.AllowOutsideSources}}
	for _, a := range in.Load.VarArgs {
		saved.Load.VarArgs = append(saved.Load.VarArgs, spec.VarArg(a))
	}
	return saved, nil
}

// check refuses a change whose parts do not fit its action, so a damaged
// or forged file cannot make apply act on nothing.
func (c Change) check() error {
	need := func(ok bool, what string) error {
		if !ok {
			return fmt.Errorf("a %s change without %s", c.Action, what)
		}
		return nil
	}
	switch c.Action {
	case NoOp, Forget:
		return nil
	case Create, Adopt, Resume:
		return need(c.After != nil && c.After.Target.Check() == nil, "a valid attachment to create")
	case Replace:
		return need(c.After != nil && c.Before != nil && c.Before.ID != "" && c.After.Target.Check() == nil, "both attachments")
	case Delete:
		return need(c.Before != nil && c.Before.ID != "" && c.Before.Target.Check() == nil, "the attachment to delete")
	case Cancel:
		return need(c.Session != nil && c.Session.ID != "", "the session")
	}
	return fmt.Errorf("unknown action %d", int(c.Action))
}
