package winpath

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"
)

func TestVolume(t *testing.T) {
	for _, tc := range []struct{ path, volume, rest string }{
		{`C:\Users\a`, "C:", `\Users\a`},
		{`c:/Users/a`, "c:", `/Users/a`},
		{`C:relative`, "C:", "relative"},
		{`\\server\share\dir\f`, `\\server\share`, `\dir\f`},
		{`//server/share`, `//server/share`, ""},
		{`\\?\C:\dir`, `\\?\C:`, `\dir`},
		{`\\?\UNC\server\share\dir`, `\\?\UNC\server\share`, `\dir`},
		{`\\.\PIPE\name`, `\\.\PIPE`, `\name`},
		{`\\.\CON`, `\\.\CON`, ""},
		{`\rooted`, "", `\rooted`},
		{`relative\f`, "", `relative\f`},
		{`1:\x`, "", `1:\x`},
	} {
		v, r := Volume(tc.path)
		if v != tc.volume || r != tc.rest {
			t.Errorf("Volume(%q) = %q, %q; want %q, %q", tc.path, v, r, tc.volume, tc.rest)
		}
	}
}

func TestIsDevicePath(t *testing.T) {
	for path, want := range map[string]bool{
		`\\.\CON`:                     true,
		`\\.\PhysicalDrive0`:          true,
		`\\?\GLOBALROOT\Device\Foo`:   true,
		`\\?\Volume{1234}\dir`:        true,
		`\\?\C:\dir`:                  false,
		`\\?\UNC\server\share\dir`:    false,
		`\\server\share`:              false,
		`C:\dir`:                      false,
		`//./pipe/x`:                  true,
		`\\?\c:\`:                     false,
		`\\?\UNC\server`:              false,
		`\\?\unc\server\share\a`:      false,
		`\\?\UNCserver\share`:         true,
		`\\?\C:`:                      false,
		`\\?\CC:\x`:                   true,
		`\\?\1:\x`:                    true,
		`relative\\.\x`:               false,
		`C:\\.\x`:                     false,
		`\\.`:                         false,
		`\\?`:                         false,
		`\\?\`:                        true,
		`\\.\`:                        true,
		`\\.\C:\dir`:                  true,
		`\\?\UNC\server\share\..\..`:  false,
		`\\?\C:\..\..\Windows\system`: false,
	} {
		if got := IsDevicePath(path); got != want {
			t.Errorf("IsDevicePath(%q) = %v, want %v", path, got, want)
		}
	}
}

// Confinement as Windows reads paths: drive letters, UNC shares, device
// paths, case and "..".
func TestInside(t *testing.T) {
	for _, tc := range []struct {
		dir, path string
		want      bool
	}{
		{`C:\work\cfg`, `C:\work\cfg\files\a.pdf`, true},
		{`C:\work\cfg`, `C:\work\cfg`, true},
		{`C:\Work\Cfg`, `c:\work\cfg\FILES\a.pdf`, true},   // case-insensitive names
		{`C:\work\cfg`, `C:/work/cfg/files/a.pdf`, true},   // slashes are separators
		{`C:\work\cfg`, `\\?\C:\work\cfg\a.pdf`, true},     // the long-path spelling
		{`C:\work\cfg`, `D:\work\cfg\a.pdf`, false},        // another drive
		{`C:\work\cfg`, `C:\work\cfg2\a.pdf`, false},       // a sibling with the prefix
		{`C:\work\cfg`, `C:\work\cfg\..\secret`, false},    // ".." out
		{`C:\work\cfg`, `C:\work\cfg\a\..\..\cfg\b`, true}, // ".." back in
		{`C:\work\cfg`, `C:\..\..\work\cfg\a`, false},      // ".." above the root
		{`C:\work\cfg`, `C:work\cfg\a`, false},             // drive-relative
		{`C:\work\cfg`, `\work\cfg\a`, false},              // no drive
		{`C:\work\cfg`, `work\cfg\a`, false},               // relative
		{`C:\work\cfg`, `\\.\C:\work\cfg\a`, false},        // the device namespace
		{`C:\work\cfg`, `\\?\GLOBALROOT\Device\HarddiskVolume1\work\cfg\a`, false},
		{`\\srv\share\cfg`, `\\SRV\Share\cfg\a`, true},
		{`\\srv\share\cfg`, `\\?\UNC\srv\share\cfg\a`, true},
		{`\\srv\share\cfg`, `\\srv\other\cfg\a`, false},
		{`\\srv\share\cfg`, `\\other\share\cfg\a`, false},
		{`\\srv\share\cfg`, `C:\cfg\a`, false},
		{`\\srv\share`, `\\srv\share\a`, true},
		{`C:\`, `C:\anything`, true},
		{`C:\work\Straße`, `C:\work\STRASSE\a`, false}, // simple folding only, as NTFS
		{`C:\work\k`, `C:\work\K\a`, true},
	} {
		if got := Inside(tc.dir, tc.path); got != tc.want {
			t.Errorf("Inside(%q, %q) = %v, want %v", tc.dir, tc.path, got, tc.want)
		}
	}
}

func TestCheckName(t *testing.T) {
	for _, tc := range []struct {
		name string
		bad  string // a word of the error; "" for none
	}{
		{"report.pdf", ""},
		{".hidden", ""},
		{".", ""},
		{"..", ""},
		{"Ünïcödé 名前.txt", ""},
		{"CON", "device"},
		{"con", "device"},
		{"nul.txt", "device"},
		{"Aux.tar.gz", "device"},
		{"COM1", "device"},
		{"lpt9.log", "device"},
		{"COM¹", "device"},
		{"CONIN$", "device"},
		{"CON .txt", "device"},
		{"console", ""},
		{"COM10", ""},
		{"notes.", "dot or a space"},
		{"notes ", "dot or a space"},
		{"a.txt:hidden", "colon"},
		{"a.txt::$DATA", "colon"},
		{"what?", "forbids"},
		{"a*b", "forbids"},
		{"a\x01b", "forbids"},
		{`a"b`, "forbids"},
		{"a|b", "forbids"},
		{"", "empty"},
	} {
		err := CheckName(tc.name)
		switch {
		case tc.bad == "" && err != nil:
			t.Errorf("CheckName(%q): %v", tc.name, err)
		case tc.bad != "" && (err == nil || !errors.Is(err, ErrName) || !strings.Contains(err.Error(), tc.bad)):
			t.Errorf("CheckName(%q) = %v, want an error about %q", tc.name, err, tc.bad)
		}
	}
}

func TestCheckPath(t *testing.T) {
	for rel, ok := range map[string]bool{
		`files\report.pdf`:       true,
		`files/sub/report.pdf`:   true,
		`files\nul\x.pdf`:        false,
		`files/aux.pdf`:          false,
		`files./x`:               false,
		`..\files\x`:             true,
		`files\x.pdf:Zone.Id`:    false,
		`files\\double\\slash`:   true,
		`files/trailing space /`: false,
	} {
		if err := CheckPath(rel); (err == nil) != ok {
			t.Errorf("CheckPath(%q) = %v, want ok %v", rel, err, ok)
		}
	}
}

// fakeInfo is a file of a given mode.
type fakeInfo struct{ mode fs.FileMode }

func (f fakeInfo) Name() string       { return "" }
func (f fakeInfo) Size() int64        { return 0 }
func (f fakeInfo) Mode() fs.FileMode  { return f.mode }
func (f fakeInfo) ModTime() time.Time { return time.Time{} }
func (f fakeInfo) IsDir() bool        { return f.mode.IsDir() }
func (f fakeInfo) Sys() any           { return nil }

// A junction (irregular, as os.Lstat reports it on Windows) anywhere
// below the root is refused; the root itself is trusted; a missing
// component ends the walk.
func TestCheckNoReparse(t *testing.T) {
	tree := map[string]fs.FileMode{
		`C:\cfg\files`:            fs.ModeDir,
		`C:\cfg\files\a.pdf`:      0,
		`C:\cfg\junction`:         fs.ModeIrregular,
		`C:\cfg\junction\a.pdf`:   0,
		`C:\cfg\files\link`:       fs.ModeSymlink,
		`C:\cfg\files\deep`:       fs.ModeDir,
		`C:\cfg\files\deep\mount`: fs.ModeIrregular | fs.ModeDir,
	}
	lstat := func(p string) (fs.FileInfo, error) {
		m, ok := tree[p]
		if !ok {
			return nil, fs.ErrNotExist
		}
		return fakeInfo{m}, nil
	}
	join := func(parts ...string) string { return strings.Join(parts, `\`) }
	for rel, ok := range map[string]bool{
		`files\a.pdf`:            true,
		`junction\a.pdf`:         false,
		`files\link`:             false,
		`files\deep\mount\x.pdf`: false,
		`files\missing\x.pdf`:    true,
		``:                       true,
	} {
		err := CheckNoReparse(`C:\cfg`, rel, lstat, join)
		if (err == nil) != ok {
			t.Errorf("CheckNoReparse(%q) = %v, want ok %v", rel, err, ok)
		}
	}
}
