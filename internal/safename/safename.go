// Package safename turns names that come from outside (an attachment's
// name as Graph reports it, a for_each key) into file names that are one
// path component on Linux, macOS and Windows: no separator, no "." or "..",
// no control character, no name Windows reserves, no trailing dot or
// space, at most MaxBytes bytes. Names that differ only in case or in
// Unicode normalisation are one file on Windows and macOS; Assign keeps
// such names of one folder apart.
package safename

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxBytes is the longest file name written: most file systems (ext4,
// APFS, NTFS in UTF-16 units, which a UTF-8 name of this length never
// exceeds) stop at 255.
const MaxBytes = 255

// fallback names what has nothing safe left (an empty name, "..").
const fallback = "attachment"

// maxExt is the longest extension kept whole when a name is shortened.
const maxExt = 32

// File returns name as a safe file name. Every unsafe character becomes
// "_"; trailing dots and spaces are dropped; a name Windows reserves (CON,
// nul.txt, COM1…) gets a leading "_"; a long name is shortened at a
// character boundary, its extension kept.
func File(name string) string {
	return fit(clean(name), 0)
}

// clean replaces unsafe characters and trims what Windows trims.
func clean(name string) string {
	var b strings.Builder
	for len(name) > 0 {
		r, size := utf8.DecodeRuneInString(name)
		name = name[size:]
		if unsafeRune(r, size) {
			r = '_'
		}
		b.WriteRune(r)
	}
	s := strings.TrimRight(b.String(), ". ")
	s = strings.TrimLeft(s, " ")
	if s == "" {
		return fallback
	}
	if reserved(s) {
		s = "_" + s
	}
	return s
}

func unsafeRune(r rune, size int) bool {
	switch {
	case r == utf8.RuneError && size <= 1: // not UTF-8
		return true
	case unicode.IsControl(r), unicode.Is(unicode.Cf, r): // C0, DEL, C1; bidi overrides and other invisible format characters
		return true
	case r == unicode.ReplacementChar, r >= 0xFFF0: // specials, including U+FFFE/U+FFFF noncharacters
		return true
	case unicode.Is(unicode.Co, r), unicode.Is(unicode.Cs, r): // private use; surrogates cannot be encoded
		return true
	}
	return strings.ContainsRune(`/\<>:"|?*`, r)
}

// Reserved reports whether Windows reserves name for a device (see
// reserved); internal/winpath refuses such path components.
func Reserved(name string) bool { return reserved(name) }

// reserved reports a name Windows reserves for a device, with or without
// an extension and whatever its case ("con", "Nul.txt", "COM¹.log").
func reserved(s string) bool {
	base, _, _ := strings.Cut(s, ".")
	base = strings.ToUpper(strings.TrimRight(base, " "))
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(base) < 4 || (base[:3] != "COM" && base[:3] != "LPT") {
		return false
	}
	switch base[3:] {
	case "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³":
		return true
	}
	return false
}

// fit shortens s so that s plus reserve bytes stay within MaxBytes,
// keeping its extension when it is short, cutting at a character
// boundary. The result is still clean: no trailing dot or space.
func fit(s string, reserve int) string {
	limit := MaxBytes - reserve
	if len(s) <= limit {
		return s
	}
	stem, ext := splitExt(s)
	if len(ext) > maxExt || len(ext) >= limit {
		stem, ext = s, ""
	}
	stem = cutBytes(stem, limit-len(ext))
	stem = strings.TrimRight(stem, ". ")
	if stem == "" {
		stem = "_"
	}
	return stem + ext
}

// splitExt splits "report.final.pdf" into "report.final" and ".pdf"; a name
// whose only dot leads (".profile") has no extension.
func splitExt(s string) (stem, ext string) {
	i := strings.LastIndexByte(s, '.')
	if i <= 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

// cutBytes returns the longest prefix of s of at most n bytes that ends at
// a character boundary.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Fold is the key under which Windows and macOS see two names as one file:
// the same after Unicode normalisation (NFC) and simple case folding.
func Fold(name string) string {
	var b strings.Builder
	for _, r := range norm.NFC.String(name) {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// foldRune is the smallest rune of r's simple case-folding orbit, so that
// 'K', 'k' and the Kelvin sign share one key.
func foldRune(r rune) rune {
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return least
}

// Assign returns a safe file name for each of names, the names of one
// folder in a stable order, no two alike under Fold. The first name to
// claim a file name keeps it; a later one that would collide becomes
// "stem (2).ext", "stem (3).ext" and so on. taken holds Fold keys already
// used in the folder (nil for an empty one); it is not changed.
func Assign(names []string, taken map[string]bool) []string {
	used := make(map[string]bool, len(taken)+len(names))
	for k := range taken {
		used[k] = true
	}
	out := make([]string, len(names))
	for i, n := range names {
		base := clean(n)
		f := fit(base, 0)
		for k := 2; used[Fold(f)]; k++ {
			suffix := " (" + strconv.Itoa(k) + ")"
			stem, ext := splitExt(fit(base, len(suffix)))
			f = stem + suffix + ext
		}
		used[Fold(f)] = true
		out[i] = f
	}
	return out
}
