// Package winpath holds the rules by which Windows reads a path, written
// as functions of strings so that they are tested on every OS: volumes
// (drive letters, UNC shares, device paths), names compared without case,
// names a path component cannot have (a device such as CON or nul.txt, a
// trailing dot or space Windows drops, an alternate data stream), and the
// reparse points (junctions, mount points) that filepath.EvalSymlinks does
// not resolve there. The callers apply them on Windows (see Host); file
// names written from outside input go through internal/safename.
package winpath

import (
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"strings"

	"github.com/attachform/attachform/internal/safename"
)

// Host is true where the running OS reads paths by these rules.
var Host = runtime.GOOS == "windows"

// isSep reports a Windows path separator: both slashes are.
func isSep(c byte) bool { return c == '\\' || c == '/' }

// Volume splits p into its volume and the rest. The volume is a drive
// ("C:"), a UNC share (`\\server\share`, or `\\?\UNC\server\share`), or a
// device path's prefix (`\\?\C:`, `\\.\PIPE`); "" when p has none. Slashes
// count as backslashes.
func Volume(p string) (volume, rest string) {
	if len(p) >= 2 && p[1] == ':' && isLetter(p[0]) {
		return p[:2], p[2:]
	}
	if len(p) < 2 || !isSep(p[0]) || !isSep(p[1]) {
		return "", p
	}
	// \\?\ and \\.\ are device paths; \\?\UNC\server\share is a share.
	if len(p) >= 4 && (p[2] == '?' || p[2] == '.') && isSep(p[3]) {
		prefix, after := p[:4], p[4:]
		if len(after) >= 4 && strings.EqualFold(after[:3], "UNC") && isSep(after[3]) {
			n := shareEnd(after[4:])
			return p[:4+4+n], after[4+n:]
		}
		n := strings.IndexAny(after, `\/`)
		if n < 0 {
			n = len(after)
		}
		return prefix + after[:n], after[n:]
	}
	n := shareEnd(p[2:])
	return p[:2+n], p[2+n:]
}

// shareEnd is the length of "server\share" at the start of s.
func shareEnd(s string) int {
	i := strings.IndexAny(s, `\/`)
	if i < 0 {
		return len(s)
	}
	j := strings.IndexAny(s[i+1:], `\/`)
	if j < 0 {
		return len(s)
	}
	return i + 1 + j
}

func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// IsDevicePath reports a path in Windows' device namespace (`\\.\…`, or
// `\\?\…` other than a drive or a UNC share): it names a device, a pipe
// or a volume GUID, never a file of a configuration.
func IsDevicePath(p string) bool {
	v, _ := Volume(p)
	if len(v) < 4 || !isSep(v[0]) || !isSep(v[1]) || !isSep(v[3]) {
		return false
	}
	if v[2] == '.' {
		return true
	}
	if v[2] != '?' {
		return false
	}
	rest := v[4:]
	isDrive := len(rest) == 2 && rest[1] == ':' && isLetter(rest[0])
	isUNC := len(rest) > 4 && strings.EqualFold(rest[:3], "UNC") && isSep(rest[3])
	return !isDrive && !isUNC
}

// normalVolume is v as one spelling: `\\?\C:` is "C:", `\\?\UNC\s\x` is
// `\\s\x`, slashes are backslashes.
func normalVolume(v string) string {
	v = strings.ReplaceAll(v, "/", `\`)
	if strings.HasPrefix(v, `\\?\`) {
		rest := v[4:]
		if len(rest) > 4 && strings.EqualFold(rest[:4], `UNC\`) {
			return `\\` + rest[4:]
		}
		return rest
	}
	return v
}

// components cleans rest ("." dropped, ".." taking one back) and returns
// its components; ok is false when ".." would climb above the root.
func components(rest string) (parts []string, ok bool) {
	for _, c := range strings.FieldsFunc(rest, func(r rune) bool { return r == '\\' || r == '/' }) {
		switch c {
		case ".":
		case "..":
			if len(parts) == 0 {
				return nil, false
			}
			parts = parts[:len(parts)-1]
		default:
			parts = append(parts, c)
		}
	}
	return parts, true
}

// Inside reports whether path lies in dir or is dir, both absolute Windows
// paths, compared as Windows compares them: volumes and names without
// case ("C:\Work" holds `c:\work\a`), `\\?\C:\x` as `C:\x`, slashes as
// backslashes. A path on another drive or share, a relative or
// drive-relative path ("C:x", `\x`), a device path and a path whose ".."
// climbs above its root are never inside.
func Inside(dir, path string) bool {
	if IsDevicePath(dir) || IsDevicePath(path) {
		return false
	}
	dv, drest := Volume(dir)
	pv, prest := Volume(path)
	if dv == "" || pv == "" || !rooted(drest) || !rooted(prest) {
		return false
	}
	if !strings.EqualFold(normalVolume(dv), normalVolume(pv)) {
		return false
	}
	dparts, ok1 := components(drest)
	pparts, ok2 := components(prest)
	if !ok1 || !ok2 || len(pparts) < len(dparts) {
		return false
	}
	for i, d := range dparts {
		if safename.Fold(d) != safename.Fold(pparts[i]) {
			return false
		}
	}
	return true
}

// rooted reports that what follows a volume starts at its root: "C:\x",
// not the drive-relative "C:x".
func rooted(rest string) bool { return rest == "" || isSep(rest[0]) }

// ErrName is wrapped by every refusal of CheckName and CheckPath.
var ErrName = errors.New("a name Windows reads as something else")

// CheckName refuses one path component that Windows would not read as
// written: a device name with or without an extension ("CON", "nul.txt",
// "COM1"), a trailing dot or space (Windows drops them: "notes." opens
// "notes"), a colon (an alternate data stream: "a.txt:hidden"), or a
// character Windows forbids in names (<>"|?* and control characters).
// "." and ".." are path syntax, not names, and pass.
func CheckName(name string) error {
	switch {
	case name == "." || name == "..":
		return nil
	case name == "":
		return fmt.Errorf("an empty name: %w", ErrName)
	case safename.Reserved(name):
		return fmt.Errorf("%q is a device on Windows (CON, PRN, AUX, NUL, COM0-9, LPT0-9, with any extension): %w", name, ErrName)
	case strings.HasSuffix(name, ".") || strings.HasSuffix(name, " "):
		return fmt.Errorf("%q ends in a dot or a space, which Windows drops: %w", name, ErrName)
	case strings.ContainsRune(name, ':'):
		return fmt.Errorf("%q holds a colon, which Windows reads as an alternate data stream: %w", name, ErrName)
	}
	for _, r := range name {
		if r < 0x20 || strings.ContainsRune(`<>"|?*`, r) {
			return fmt.Errorf("%q holds %q, which Windows forbids in names: %w", name, r, ErrName)
		}
	}
	return nil
}

// CheckPath applies CheckName to every component of a relative path.
func CheckPath(rel string) error {
	for _, c := range strings.FieldsFunc(rel, func(r rune) bool { return r == '\\' || r == '/' }) {
		if err := CheckName(c); err != nil {
			return err
		}
	}
	return nil
}

// CheckNoReparse refuses a path that passes through a reparse point other
// than a symbolic link: filepath.EvalSymlinks resolves symbolic links but,
// since Go 1.23, not Windows junctions and mount points, which os.Lstat
// reports as irregular. rel is the path below root (which is trusted);
// each of its prefixes is looked at with lstat, so a junction in the
// configuration directory pointing elsewhere is refused. A component that
// does not exist ends the walk: nothing below it can be read.
func CheckNoReparse(root, rel string, lstat func(string) (fs.FileInfo, error), join func(...string) string) error {
	p := root
	for _, c := range strings.FieldsFunc(rel, func(r rune) bool { return r == '\\' || r == '/' }) {
		p = join(p, c)
		fi, err := lstat(p)
		if err != nil {
			return nil
		}
		if fi.Mode()&(fs.ModeIrregular|fs.ModeSymlink) != 0 {
			return fmt.Errorf("%s is a junction, mount point or other link that is not a plain directory or file", p)
		}
	}
	return nil
}
