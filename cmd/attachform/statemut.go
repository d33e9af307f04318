package main

import (
	"bytes"
	"fmt"
	"github.com/attachform/attachform/internal/addrs"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/attachform/attachform/state"
)

// stateRmCommand is state rm.
type stateRmCommand struct{ g *globals }

func (c *stateRmCommand) Synopsis() string { return "Forget attachments without touching Graph" }

func (c *stateRmCommand) Help() string {
	return `Usage: attachform [-chdir=DIR] state rm [options] ADDRESS...

  Removes attachments from the state: attachform forgets them, and Graph is
  not touched, so they stay on their items. An address without a key, such
  as attachment.handbook, removes every instance of the block. If any
  address matches nothing, nothing is removed.

  While the block is still declared, the next plan uploads the file again,
  or adopts it when an identical attachment is on the item.

Options:

  -dry-run                Only list what would be removed.
` + stateHelp(true)
}

func (c *stateRmCommand) Run(args []string) int {
	r := newStateRun(c.g, "state rm", true)
	dryRun := r.fs.Bool("dry-run", false, "")
	if code, done := r.start(args, c.Help(), stateArgs{someArgs, "needs at least one address", -1}); done {
		return code
	}
	var removed []string
	ok := r.change(func(st *state.State) (*state.State, bool) {
		if st == nil {
			errorf(r.v, "No state", "There is no state yet, so there is nothing to remove.")
			return nil, false
		}
		for _, f := range r.addrs {
			n := len(removed)
			for _, a := range st.Attachments {
				if matches(a.Address, f) && !slices.Contains(removed, a.Address) {
					removed = append(removed, a.Address)
				}
			}
			if len(removed) == n {
				errorf(r.v, "Invalid target address", "No attachment in the state matches %s, so nothing was removed. attachform state list shows the addresses.", f)
				return nil, false
			}
		}
		if *dryRun {
			return nil, true
		}
		for _, a := range removed {
			st.RemoveAttachment(a, "")
		}
		return st, true
	})
	if !ok {
		return exitError
	}
	r.v.Removed(removed, *dryRun)
	return exitOK
}

// stateMvCommand is state mv.
type stateMvCommand struct{ g *globals }

func (c *stateMvCommand) Synopsis() string { return "Rename an attachment in the state" }

func (c *stateMvCommand) Help() string {
	return `Usage: attachform [-chdir=DIR] state mv [options] SOURCE DESTINATION

  Records what the state holds at SOURCE under DESTINATION instead, after a
  block was renamed, so that the next plan keeps the attachment rather than
  deleting it and uploading it again. Graph is not touched. A block address
  without a key moves every instance: state mv attachment.a attachment.b
  moves attachment.a["x"] to attachment.b["x"]. Interrupted uploads and
  replaced attachments recorded at SOURCE move with it. Nothing may be
  recorded at DESTINATION yet.

  A moved block in the manifests does the same through plan and apply, where
  a pull request shows it.

Options:

  -dry-run                Only list what would be moved.
` + stateHelp(true)
}

func (c *stateMvCommand) Run(args []string) int {
	r := newStateRun(c.g, "state mv", true)
	dryRun := r.fs.Bool("dry-run", false, "")
	if code, done := r.start(args, c.Help(), stateArgs{twoArgs, "takes a source and a destination address", -1}); done {
		return code
	}
	src, dst := r.addrs[0], r.addrs[1]
	var moves [][2]string
	ok := r.change(func(st *state.State) (*state.State, bool) {
		if st == nil {
			errorf(r.v, "No state", "There is no state yet, so there is nothing to move.")
			return nil, false
		}
		var ok bool
		if moves, ok = planMoves(r.v, addressesIn(st), src, dst); !ok || *dryRun {
			return nil, ok
		}
		for _, mv := range moves {
			st.Rename(mv[0], mv[1])
		}
		return st, true
	})
	if !ok {
		return exitError
	}
	r.v.Moved(moves, *dryRun)
	return exitOK
}

// planMoves works out what moving src to dst renames among the addresses
// the state records, reporting why when it cannot.
func planMoves(v stateView, present []string, src, dst string) ([][2]string, bool) {
	var moves [][2]string
	switch {
	case src == dst:
		errorf(v, "Invalid move", "%s and %s are the same address.", src, dst)
		return nil, false
	case slices.Contains(present, src):
		moves = append(moves, [2]string{src, dst})
	default:
		from, err1 := addrs.Parse(src)
		to, err2 := addrs.Parse(dst)
		if err1 != nil || err2 != nil || !from.Key.IsNone() {
			break // one instance, and the state has nothing at it
		}
		for _, s := range present {
			a, err := addrs.Parse(s)
			if err != nil || a.Key.IsNone() || a.Block() != from {
				continue
			}
			if !to.Key.IsNone() {
				errorf(v, "Invalid move", "%s has several instances, which cannot all move to the one instance %s. Move them one at a time, or to a block address.", src, dst)
				return nil, false
			}
			moves = append(moves, [2]string{s, to.Instance(a.Key).String()})
		}
	}
	if len(moves) == 0 {
		errorf(v, "Invalid source address", "The state records nothing at %s. attachform state list shows the addresses.", src)
		return nil, false
	}
	for _, mv := range moves {
		if slices.ContainsFunc(present, func(a string) bool { return matches(a, mv[1]) }) {
			errorf(v, "Invalid destination address", "The state already records something at %s. Remove it first (attachform state rm) or choose another address.", mv[1])
			return nil, false
		}
	}
	return moves, true
}

// statePushCommand is state push.
type statePushCommand struct{ g *globals }

func (c *statePushCommand) Synopsis() string { return "Replace the state with a local file" }

func (c *statePushCommand) Help() string {
	return `Usage: attachform [-chdir=DIR] state push [options] FILE

  Replaces the state in its backend with the state in FILE ("-" reads
  stdin), as written by attachform state pull. Refused, unless -force, when
  FILE's lineage is not the stored state's (another state altogether), or
  its serial is lower (older) or the same with other content. The state
  written gets a serial above both.

  Upload URLs that state pull redacted are taken back from the stored state
  by their sessions' ids; one it does not have is refused.

Options:

  -force                  Push even when the lineage or serial checks fail.
` + stateHelp(true)
}

func (c *statePushCommand) Run(args []string) int {
	r := newStateRun(c.g, "state push", true)
	force := r.fs.Bool("force", false, "")
	if code, done := r.start(args, c.Help(), stateArgs{oneArg, "takes one file (or - for stdin)", 0}); done {
		return code
	}
	pushed, err := readStateFile(r.g, r.fs.Arg(0))
	if err != nil {
		errorf(r.v, "Cannot read the state to push", "%v", err)
		return exitError
	}
	ok := r.change(func(cur *state.State) (*state.State, bool) {
		if msg := pushRefused(cur, pushed); msg != "" && !*force {
			errorf(r.v, "Cannot push this state", "%s\n\nNothing was written. To replace the stored state all the same, run state push -force.", msg)
			return nil, false
		}
		if !restoreURLs(r.v, cur, pushed) {
			return nil, false
		}
		if cur != nil {
			pushed.Serial = max(pushed.Serial, cur.Serial)
		}
		return pushed, true
	})
	if !ok {
		return exitError
	}
	r.v.Pushed(pushed)
	return exitOK
}

// readStateFile decodes the state in path, or stdin for "-".
func readStateFile(g *globals, path string) (*state.State, error) {
	var r io.Reader
	if path == "-" {
		r = g.std.in
	} else {
		if !filepath.IsAbs(path) {
			path = filepath.Join(g.dir, path)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(data)
	}
	return state.Decode(r)
}

// pushRefused says why pushed may not replace cur without -force, or "".
func pushRefused(cur, pushed *state.State) string {
	switch {
	case cur == nil:
		return ""
	case cur.Lineage != pushed.Lineage:
		return fmt.Sprintf("The stored state has lineage %s and the file %s: they are different states, and pushing would replace one with the other.", cur.Lineage, pushed.Lineage)
	case pushed.Serial < cur.Serial:
		return fmt.Sprintf("The file's serial (%d) is lower than the stored state's (%d): it is older, and pushing would undo what runs recorded since.", pushed.Serial, cur.Serial)
	case pushed.Serial == cur.Serial && !sameContent(cur, pushed):
		return fmt.Sprintf("The file has the stored state's serial (%d) but other content: it was changed by hand without the serial moving.", cur.Serial)
	}
	return ""
}

func sameContent(a, b *state.State) bool {
	var x, y bytes.Buffer
	ac, bc := a.Clone(), b.Clone()
	ac.Writer, bc.Writer = "", ""
	_ = state.Encode(&x, ac.Redacted())
	_ = state.Encode(&y, bc.Redacted())
	return bytes.Equal(x.Bytes(), y.Bytes())
}

// restoreURLs puts back the upload URLs state pull redacted, from the
// stored state's sessions of the same id.
func restoreURLs(v stateView, cur, pushed *state.State) bool {
	for i, s := range pushed.Sessions {
		if s.UploadURL != state.Redacted {
			continue
		}
		var stored state.Session
		found := false
		if cur != nil {
			stored, found = cur.Session(s.ID)
		}
		if !found || stored.UploadURL == "" {
			errorf(v, "Cannot push a redacted upload URL", "The interrupted upload %s of %s has its upload URL redacted, and the stored state does not have it. "+
				"Remove that entry of upload_sessions from the file (the next apply then uploads the file anew), and push again.", s.ID, s.Address)
			return false
		}
		pushed.Sessions[i].UploadURL = stored.UploadURL
	}
	return true
}
