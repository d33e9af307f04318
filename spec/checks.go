package spec

import (
	"fmt"
	"mime"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf16"

	"github.com/attachform/attachform/internal/addrs"
	"github.com/attachform/attachform/item"
	"github.com/hashicorp/hcl/v2"
)

// resolveSource finds an attachment's file: relative to the config
// directory, symlinks resolved, inside the config directory unless the run
// allows otherwise, a regular file that is not empty. It returns the
// resolved path and the size.
func (l *loader) resolveSource(addr, src string, rng hcl.Range) (string, int64, bool) {
	bad := func(summary, detail string, args ...any) (string, int64, bool) {
		l.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  summary,
			Detail:   fmt.Sprintf(detail, args...),
			Subject:  rng.Ptr(),
		})
		return "", 0, false
	}
	if strings.TrimSpace(src) == "" {
		return bad("Empty source", "%s: source is empty. Give the path of the file to attach, relative to the config directory.", addr)
	}
	p := src
	if !filepath.IsAbs(p) {
		p = filepath.Join(l.cfg.Dir, p)
	}
	p = filepath.Clean(p)
	fi, err := os.Lstat(p)
	if err != nil {
		return bad("Source file not found", "%s: there is no file %q. Paths are relative to the config directory (where the manifests are); check the spelling.", addr, src)
	}
	// Resolved as filepath.EvalSymlinks would, with each directory
	// resolved once per load: thousands of sources in a few directories
	// cost a system call each, not one per path component.
	real, err := l.realPath(p, fi)
	if err != nil {
		return bad("Source file not found", "%s: %q is a symbolic link to a file that does not exist (%v).", addr, src, err)
	}
	if !l.opts.AllowOutsideSources && !inside(l.realDir, real) {
		return bad("Source outside the config directory",
			"%s: %q resolves to %s, outside the config directory. attachform refuses it so that a manifest cannot attach files such as a CI runner's secrets. Move the file into the config directory, or, if this is intended, run with -allow-outside-sources (a manifest cannot grant this itself).",
			addr, src, real)
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		fi, err = os.Stat(real)
	}
	switch {
	case err != nil:
		return bad("Cannot read source file", "%s: %q cannot be read: %v.", addr, src, err)
	case fi.IsDir():
		return bad("Source is a directory", "%s: %q is a directory. To attach every file in it, use for_each = fileset(%q, \"*\") with source = \"%s/${each.value}\".", addr, src, src, strings.TrimSuffix(src, "/"))
	case !fi.Mode().IsRegular():
		return bad("Source is not a regular file", "%s: %q is a %s, not a regular file; only regular files can be attached.", addr, src, fileKind(fi.Mode()))
	case fi.Size() == 0:
		return bad("Empty source file", "%s: %q is empty (0 bytes). Graph does not take empty attachments; put content in the file or remove the attachment.", addr, src)
	}
	return real, fi.Size(), true
}

// realPath is filepath.EvalSymlinks(p) for a clean absolute p whose Lstat
// is fi: a p that is not itself a symbolic link is its directory, resolved
// (once per load), joined with its name.
func (l *loader) realPath(p string, fi os.FileInfo) (string, error) {
	if fi.Mode()&os.ModeSymlink != 0 {
		return filepath.EvalSymlinks(p)
	}
	dir := filepath.Dir(p)
	r, ok := l.realDirs[dir]
	if !ok {
		r.path, r.err = filepath.EvalSymlinks(dir)
		l.realDirs[dir] = r
	}
	if r.err != nil {
		return "", r.err
	}
	return filepath.Join(r.path, filepath.Base(p)), nil
}

// resolvedDir is a directory's filepath.EvalSymlinks.
type resolvedDir struct {
	path string
	err  error
}

func fileKind(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "named pipe"
	case m&os.ModeSocket != 0:
		return "socket"
	case m&os.ModeDevice != 0:
		return "device"
	}
	return "special file"
}

// checkName checks an attachment name against what Outlook rejects or
// changes. The planner matches attachments by name, so a name Graph would
// store differently would be replaced on every run.
func (l *loader) checkName(addr, name string, rng hcl.Range) bool {
	summary, detail := nameProblem(name)
	if summary == "" {
		return true
	}
	l.add(&hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf("%s: the attachment name %q %s", addr, name, detail),
		Subject:  rng.Ptr(),
	})
	return false
}

// NameProblem says why name cannot be an attachment's name in a manifest
// (summary and detail are empty when it can): the rules Outlook keeps.
func NameProblem(name string) (summary, detail string) { return nameProblem(name) }

func nameProblem(name string) (summary, detail string) {
	switch n := len(utf16.Encode([]rune(name))); {
	case strings.TrimSpace(name) == "":
		return "Empty attachment name", "is empty. Give a file name such as \"Agenda.pdf\"."
	case n > MaxNameLength:
		return "Attachment name too long", fmt.Sprintf("is %d characters; Outlook truncates names longer than %d characters. Shorten it with name = \"…\".", n, MaxNameLength)
	}
	for _, r := range name {
		switch {
		case r == unicode.ReplacementChar:
			return "Invalid character in attachment name", "is not valid UTF-8. Rename the file or set name = \"…\"."
		case unicode.IsControl(r):
			return "Invalid character in attachment name", fmt.Sprintf("contains the control character %U, which Outlook rejects. Remove it.", r)
		case strings.ContainsRune(`\/:*?"<>|`, r):
			return "Invalid character in attachment name", fmt.Sprintf("contains %q. Outlook rejects or replaces the characters \\ / : * ? \" < > | in attachment names; set name = \"…\" without them.", r)
		}
	}
	if strings.TrimSpace(name) != name || strings.HasSuffix(name, ".") {
		return "Attachment name changed by Outlook", "starts or ends with a space, or ends with a dot, which Outlook trims. Remove them."
	}
	return "", ""
}

// checkContentType accepts a MIME type such as application/pdf, with
// optional parameters.
func (l *loader) checkContentType(addr, ct string, rng hcl.Range) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && strings.Count(mt, "/") == 1 && !strings.HasPrefix(mt, "/") && !strings.HasSuffix(mt, "/") {
		return true
	}
	l.add(&hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid content type",
		Detail:   fmt.Sprintf("%s: %q is not a MIME type. Write TYPE/SUBTYPE, such as \"application/pdf\", or leave content_type out to have it detected.", addr, ct),
		Subject:  rng.Ptr(),
	})
	return false
}

// checkKindRules checks what depends on the target's kind: inline and
// content_id (Outlook only), and the size limit.
func (l *loader) checkKindRules(d *attachmentDecl, addr string, a *Attachment) bool {
	attrs := d.content.Attributes
	kind := a.Target.Item.Kind
	ok := true
	bad := func(rng hcl.Range, summary, detail string, args ...any) {
		l.add(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(detail, args...), Subject: rng.Ptr()})
		ok = false
	}
	if !kind.Traits().Inline {
		if a.Inline {
			bad(attrs["inline"].Expr.Range(), "Inline attachment on a "+kind.String(),
				"%s: inline attachments exist only on %s; target %q is a %s. Remove inline.", addr, inlineKinds(item.Definitions()), a.Target.Name, kind)
		}
		if a.ContentID != "" {
			bad(attrs["content_id"].Expr.Range(), "content_id on a "+kind.String(),
				"%s: content_id exists only on %s; target %q is a %s. Remove content_id.", addr, inlineKinds(item.Definitions()), a.Target.Name, kind)
		}
	} else {
		if a.Inline && a.ContentID == "" {
			bad(attrs["inline"].Expr.Range(), "Missing content_id",
				"%s: an inline attachment is shown where the message body refers to it as cid:CONTENT_ID, so it needs content_id, as in content_id = \"logo\".", addr)
		}
		if a.ContentID != "" && !validContentID(a.ContentID) {
			bad(attrs["content_id"].Expr.Range(), "Invalid content_id",
				"%s: %q is not a content id. Use up to %d visible characters, without spaces or angle brackets (the body refers to it as cid:ID).", addr, a.ContentID, MaxContentIDLength)
		}
	}
	if maxBytes := kind.Traits().MaxBytes; a.Size > maxBytes {
		rng := d.block.DefRange
		if s := attrs["source"]; s != nil {
			rng = s.Expr.Range()
		}
		bad(rng, fmt.Sprintf("File too large for a %s", kind),
			"%s: the file is %s (%d bytes); a %s takes attachments up to %s (%d bytes). Split or compress the file, or share a link to it instead.",
			addr, FormatByteSize(a.Size), a.Size, kind, FormatByteSize(maxBytes), maxBytes)
	}
	return ok
}

// inlineKinds names those of the kinds defs (item's table in the
// program) whose attachments may be inline, for people: "Outlook messages
// and events" (inline is Outlook's).
func inlineKinds(defs []item.Definition) string {
	var names []string
	for _, d := range defs {
		if d.Inline {
			names = append(names, d.Label+"s")
		}
	}
	return "Outlook " + wordList(names, "and")
}

func validContentID(s string) bool {
	if len(s) > MaxContentIDLength {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r == '<' || r == '>' || unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// itemKey identifies the item an attachment goes on: by value when the
// ids are known, else by target name (offline, ids from data sources).
func itemKey(t *Target) string {
	if t.Unknown {
		return "target." + t.Name
	}
	return strings.ToLower(t.Item.Mailbox) + "\x00" + string(t.Item.Kind) + "\x00" + t.Item.ListID + "\x00" + t.Item.ID
}

// checkAttachments checks rules across attachments: unique names and
// content ids per item, and the total size per Outlook item.
func (l *loader) checkAttachments() {
	type seen struct {
		a   *Attachment
		rng hcl.Range
	}
	names := map[string]seen{}
	cids := map[string]seen{}
	totals := map[string]int64{}
	reported := map[string]bool{}
	maxMsg := l.cfg.Graph.EffectiveMaxMessageSize()
	for _, a := range l.cfg.Attachments {
		key := itemKey(a.Target)
		addr, _ := addrs.Parse(a.Address) // written by expandAttachments
		d := l.attachByName[addr.Name]
		nameRng, cidRng := d.block.DefRange, d.block.DefRange
		if at := d.content.Attributes["name"]; at != nil {
			nameRng = at.Expr.Range()
		}
		if at := d.content.Attributes["content_id"]; at != nil {
			cidRng = at.Expr.Range()
		}
		nk := key + "\x00" + strings.ToLower(a.Name)
		if prev, dup := names[nk]; dup {
			l.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate attachment name",
				Detail: fmt.Sprintf("%s and %s both attach %q to the same %s (%s). Graph would hold two attachments with one name, and attachform tells attachments apart by name. Give one of them another name = \"…\". Names are compared ignoring case.",
					prev.a.Address, a.Address, a.Name, a.Target.Item.Kind, describeTarget(a.Target)),
				Subject: nameRng.Ptr(),
			})
		} else {
			names[nk] = seen{a, nameRng}
		}
		if a.ContentID != "" {
			ck := key + "\x00" + a.ContentID
			if prev, dup := cids[ck]; dup {
				l.add(&hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Duplicate content_id",
					Detail: fmt.Sprintf("%s and %s both use content_id %q on the same %s (%s); cid:%s in the body could mean either. Give each inline attachment its own content_id.",
						prev.a.Address, a.Address, a.ContentID, a.Target.Item.Kind, describeTarget(a.Target), a.ContentID),
					Subject: cidRng.Ptr(),
				})
			} else {
				cids[ck] = seen{a, cidRng}
			}
		}
		if a.Target.Item.Kind.Traits().SharesMessageSize {
			totals[key] += a.Size
			if totals[key] > maxMsg && !reported[key] {
				reported[key] = true
				l.add(&hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Attachments exceed the maximum message size",
					Detail: fmt.Sprintf("With %s, the attachments on %s add up to more than %s, the mailbox's maximum message size, and Graph would fail the upload part-way with ErrorMessageSizeExceeded. Attach less to this %s, or, if your administrator raised the limit, say so with graph { max_message_size = \"…\" } (at most 150MB).",
						a.Address, describeTarget(a.Target), FormatByteSize(maxMsg), a.Target.Item.Kind),
					Subject: d.block.DefRange.Ptr(),
				})
			}
		}
	}
}

func describeTarget(t *Target) string {
	if t.Unknown {
		return "target." + t.Name
	}
	if d, _ := t.Item.Kind.Definition(); d.Parent != nil {
		return fmt.Sprintf("target.%s, %s %s in %s %s of %s", t.Name, d.Noun, t.Item.ID, d.Parent.Noun, t.Item.ListID, t.Item.Mailbox)
	}
	return fmt.Sprintf("target.%s, %s %s of %s", t.Name, t.Item.Kind, t.Item.ID, t.Item.Mailbox)
}
