package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/attachform/attachform/content"
	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/spec"
	"github.com/attachform/attachform/state"
)

// importCommand is import.
type importCommand struct{ g *globals }

func (c *importCommand) Synopsis() string { return "Record an existing attachment under an address" }

func (c *importCommand) Help() string {
	return `Usage: attachform [-chdir=DIR] import [options] ADDRESS ID

  Records the attachment with Graph id ID, already on an item, in the state
  as ADDRESS, so that attachform manages it from now on instead of uploading
  a second copy. ADDRESS must be declared in the manifests; the attachment
  must be on the item its target names (it is looked up there, and its bytes
  are read to record their digest). Nothing is changed in Graph.

  The next plan compares it with the source like any other: when its bytes
  (or its name) differ from the manifest's, the plan replaces it.

  An import block in the manifests does the same through plan and apply,
  where a pull request shows it.

Options:

  -input=false            Accepted, as pipelines written for Terraform pass it:
                          import asks nothing.
` + lockFlagsHelp + `
` + manifestFlagsHelp + "\n" + stateViews.help(helpColumn)
}

func (c *importCommand) Run(args []string) int {
	g := c.g
	var f configFlags
	var vf viewFlags
	var lf lockFlags
	fs := newFlagSet("import")
	f.manifestFlags.register(fs)
	lf.register(fs)
	stateViews.register(fs, &vf)
	fs.Bool("input", true, "") // import asks nothing
	if code, done := parseFlags(g, fs, args, c.Help()); done {
		return code
	}
	v, ok := stateViews.open(g, vf)
	if !ok {
		return exitError
	}
	if fs.NArg() != 2 || strings.TrimSpace(fs.Arg(1)) == "" {
		v.UsageError(fmt.Errorf("import takes an address and the Graph id of the attachment"), c.Help())
		return exitError
	}
	addrs, ok := parseAddresses(v, fs.Args()[:1])
	if !ok {
		return exitError
	}
	addr, id := addrs[0], fs.Arg(1)
	f.lock, f.lockTimeout, f.parallelism, f.refresh = lf.lock, lf.timeout, 1, true
	w, ok := openWorkspace(g, v, &f, "import")
	if !ok {
		return exitError
	}
	defer w.Close()
	att := declared(w.Config, addr)
	if att == nil {
		errorf(v, "Configuration for import target does not exist",
			"%s is not declared in the manifests. Write its attachment block (its target and source) first, then import into it.", addr)
		return exitError
	}
	st := w.State
	if st == nil {
		st = state.New()
	}
	if cur, ok := st.Attachment(addr); ok {
		errorf(v, "Resource already managed by attachform",
			"%s is already in the state (Graph id %s). To import another attachment there, forget this one first: attachform state rm %s.", addr, cur.ID, addr)
		return exitError
	}
	for _, a := range append(st.Attachments, st.Deposed...) {
		if a.ID == id {
			errorf(v, "Attachment already managed", "The attachment %s is already in the state as %s.", id, a.Address)
			return exitError
		}
	}
	on := att.Target.Item
	live, err := w.Client.GetAttachment(g.ctx, on, id)
	if errors.Is(err, graph.ErrNotFound) {
		errorf(v, "Cannot import non-existent remote object",
			"%s has no attachment with id %q (%s goes on it, through target.%s). import takes the Graph id of an attachment on that item.", on, id, addr, att.Target.Name)
		return exitError
	}
	if err != nil {
		errorf(v, "Cannot read the attachment to import", "%v", err)
		return exitError
	}
	body, err := w.Client.Content(g.ctx, on, id)
	if err != nil {
		errorf(v, "Cannot read the attachment to import", "%v", err)
		return exitError
	}
	digest, n, err := content.SHA256(body)
	body.Close()
	if err != nil {
		errorf(v, "Cannot read the attachment to import", "%v", err)
		return exitError
	}
	a := state.Attachment{
		Address: addr, Target: on, ID: live.ID, ReportedSize: live.Size, CreatedAt: now(),
		Descriptor: state.Descriptor{Name: live.Name, ContentType: live.ContentType, Inline: live.IsInline, ContentID: live.ContentID,
			SHA256: digest, Bytes: n},
	}
	st.SetAttachment(a)
	if err := state.Persist(g.ctx, w.Backend, st, version()); err != nil {
		errorf(v, "Cannot write the state", "%v\n\nNothing was imported.", err)
		return exitError
	}
	var differs []string
	if src, _, err := content.FileSHA256(att.Source); err != nil || src != digest {
		differs = append(differs, "its bytes differ from "+att.Source)
	}
	if live.Name != att.Name {
		differs = append(differs, fmt.Sprintf("its name %q is not the manifest's %q", live.Name, att.Name))
	}
	v.Imported(a, strings.Join(differs, ", and "))
	return exitOK
}

// declared returns the attachment the manifests declare at addr.
func declared(cfg *spec.Config, addr string) *spec.Attachment {
	for _, a := range cfg.Attachments {
		if a.Address == addr {
			return a
		}
	}
	return nil
}
