package generate

import (
	"cmp"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/attachform/attachform/internal/addrs"
	"github.com/attachform/attachform/internal/safename"
	"github.com/attachform/attachform/spec"
	"golang.org/x/text/unicode/norm"
)

// Folders lists what a folder of the configuration directory holds (names
// of files and folders); a folder that does not exist holds nothing.
type Folders interface {
	Entries(rel string) ([]string, error)
}

// Layout gives each candidate its file, under folder/<target>/, and its
// block name. File names come from the attachments' names made safe
// (safename.Assign: case twins kept apart, files already in the folder
// never reused); block names from the target and the file name, readable
// and unique beside names (the attachment blocks the configuration
// declares). Candidates are sorted by target and name first, so the same
// attachments get the same names on every run.
func Layout(cands []Candidate, folder string, names map[string]bool, fs Folders) error {
	slices.SortStableFunc(cands, func(a, b Candidate) int {
		return cmp.Or(addrs.Compare(a.Target.Address(), b.Target.Address()),
			strings.Compare(a.Live.Name, b.Live.Name), strings.Compare(a.Live.ID, b.Live.ID))
	})
	dirs := targetDirs(cands)
	taken := map[string]bool{}
	for n := range names {
		taken[n] = true
	}
	for i := range cands {
		if cands[i].Import != nil {
			taken[strings.TrimPrefix(cands[i].Import.To, "attachment.")] = true
		}
	}
	for start := 0; start < len(cands); {
		dir := path.Join(folder, dirs[cands[start].Target])
		end := start
		for end < len(cands) && cands[end].Target == cands[start].Target {
			end++
		}
		existing, err := fs.Entries(dir)
		if err != nil {
			return err
		}
		used := map[string]bool{}
		for _, e := range existing {
			used[safename.Fold(e)] = true
		}
		group := cands[start:end]
		attNames := make([]string, len(group))
		for i, c := range group {
			attNames[i] = c.Live.Name
		}
		for i, f := range safename.Assign(attNames, used) {
			group[i].File = path.Join(dir, f)
		}
		start = end
	}
	for i := range cands {
		c := &cands[i]
		if c.Import != nil {
			c.Block = strings.TrimPrefix(c.Import.To, "attachment.")
			continue
		}
		c.Block = unique(identifier(dirs[c.Target]+"_"+path.Base(c.File)), taken)
		taken[c.Block] = true
	}
	return nil
}

// targetDirs gives each target of cands (sorted by target) its folder:
// its name (an identifier, safe as it is), and for an instance of a block
// with for_each or count a folder in it named after the key, made safe
// and kept apart from the block's other keys as file names are.
func targetDirs(cands []Candidate) map[*spec.Target]string {
	dirs := map[*spec.Target]string{}
	keyed := map[string][]*spec.Target{} // by block name, in order
	var blocks []string
	for _, c := range cands {
		t := c.Target
		if _, done := dirs[t]; done {
			continue
		}
		a := t.Address()
		dirs[t] = a.Name
		if a.Key.IsNone() {
			continue
		}
		if keyed[a.Name] == nil {
			blocks = append(blocks, a.Name)
		}
		keyed[a.Name] = append(keyed[a.Name], t)
	}
	for _, b := range blocks {
		ts := keyed[b]
		keys := make([]string, len(ts))
		for i, t := range ts {
			k := t.Address().Key
			keys[i] = k.Str()
			if k.IsInt() {
				keys[i] = strconv.Itoa(k.Int())
			}
		}
		for i, f := range safename.Assign(keys, nil) {
			dirs[ts[i]] = b + "/" + f
		}
	}
	return dirs
}

// identifier makes s a readable block name: accents dropped, letters and
// digits kept in lower case, every other run of characters one "_".
func identifier(s string) string {
	var b strings.Builder
	under := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r): // a combining accent: é → e
		case r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if under && b.Len() > 0 {
				b.WriteByte('_')
			}
			under = false
			b.WriteRune(unicode.ToLower(r))
		default:
			under = true
		}
	}
	out := b.String()
	if out == "" || !unicode.IsLetter(rune(out[0])) {
		out = "attachment_" + out
	}
	return strings.TrimSuffix(out, "_")
}

// unique returns name, or name_2, name_3… the first not taken.
func unique(name string, taken map[string]bool) string {
	if !taken[name] {
		return name
	}
	for k := 2; ; k++ {
		if n := name + "_" + strconv.Itoa(k); !taken[n] {
			return n
		}
	}
}
