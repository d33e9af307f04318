package workspace

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/attachform/attachform/internal/atomicfile"
	"github.com/attachform/attachform/plan"
	"github.com/attachform/attachform/spec"
)

// PlanPath is where a saved plan's file is: relative names are relative to
// the configuration directory, as Terraform's are after -chdir.
func PlanPath(env Env, name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(env.Dir, name)
}

// SavePlan writes p, made on this workspace with the manifests loaded as
// load says, to file (see PlanPath): what apply FILE then carries out.
func (w *Workspace) SavePlan(p *plan.Plan, load spec.LoadOptions, file string) error {
	return writeSavedPlan(PlanPath(w.env, file), plan.NewSaved(p, w.Config, load))
}

// writeSavedPlan writes s to path atomically, mode 0600: a reader (or a
// crash) never sees half a plan, and the file is the user's alone even
// though it holds no secret.
func writeSavedPlan(path string, s *plan.Saved) error {
	var b bytes.Buffer
	if err := plan.WriteSaved(&b, s); err != nil {
		return err
	}
	return atomicfile.Write(path, &b, 0o600)
}

// ReadSavedPlan reads the plan saved in file (see PlanPath).
func ReadSavedPlan(env Env, file string) (*plan.Saved, error) {
	path := PlanPath(env, file)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	return plan.LoadSaved(f)
}

// ReadSaved reads the plan saved in file to apply it, reporting on r: a
// failure to read it as an error, and the sensitive variables it left out
// that the environment does not give either as a warning (the manifests
// may need them to load).
func ReadSaved(env Env, r Diagnoser, file string) (*plan.Saved, bool) {
	saved, err := ReadSavedPlan(env, file)
	if err != nil {
		errorf(r, "Cannot read the saved plan", "Reading %s failed: %v.", file, err)
		return nil, false
	}
	if missing := WithheldMissing(env, saved); len(missing) > 0 {
		warnf(r, "Sensitive variables are not in the saved plan",
			"%s kept no value of %s, given with -var when it was made: a saved plan holds no secret. "+
				"Give the same values through the environment (%s) when the manifests need them to load.",
			file, strings.Join(missing, ", "), "ATTACHFORM_VAR_"+missing[0])
	}
	return saved, true
}

// WithheldMissing are the sensitive variables saved plan s left out (a
// saved plan holds no secret) that the environment does not give either.
func WithheldMissing(env Env, s *plan.Saved) []string {
	var missing []string
	for _, name := range s.Load.Withheld {
		if env.Getenv("ATTACHFORM_VAR_"+name) == "" {
			missing = append(missing, name)
		}
	}
	return missing
}

// BindSaved says whether saved plan s may be applied to this workspace
// now, its sources taken from the configuration directory: the state the
// one planned against, the manifests and every source unchanged
// (plan.CheckSaved). One that no longer fits is a *plan.StalePlanError.
func (w *Workspace) BindSaved(s *plan.Saved) error {
	s.Rebase(w.Config.Dir)
	return plan.CheckSaved(w.env.Ctx, s, w.Config, w.State)
}

// CheckReviewedOrigin says whether reviewed plan s was made for the state
// and the Graph a fresh plan is made for here (plan.CheckReviewedOrigin);
// one for something else is a *plan.StalePlanError.
func (w *Workspace) CheckReviewedOrigin(s *plan.Saved) error {
	return plan.CheckReviewedOrigin(s, w.Config, w.State)
}

// StaleReason is what a saved plan's check failed on, for people: a stale
// plan's reason without the error's prefix, or any other error's text.
func StaleReason(err error) string {
	var stale *plan.StalePlanError
	if errors.As(err, &stale) {
		return stale.Reason
	}
	return err.Error()
}
