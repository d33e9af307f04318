package completion

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// Install adds attachform's lines to the startup files found (through a
// symlink, to the file it points to) and fish's own file; uninstall puts
// every startup file back byte for byte and removes fish's file.
func TestInstallThenUninstallRestoresTheFiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("shell startup files are a Unix affair")
	}
	home := t.TempDir()
	dotfiles := filepath.Join(home, "dotfiles")
	must(t, os.MkdirAll(dotfiles, 0o755))
	must(t, os.MkdirAll(filepath.Join(home, ".config", "fish"), 0o755))
	bashrc := "alias ll='ls -l'" // no final line end
	zshrc := "autoload -U +X bashcompinit && bashcompinit\nexport EDITOR=vi\n"
	must(t, os.WriteFile(filepath.Join(dotfiles, "bashrc"), []byte(bashrc), 0o600))
	must(t, os.Symlink(filepath.Join(dotfiles, "bashrc"), filepath.Join(home, ".bash_profile")))
	must(t, os.Symlink(filepath.Join(dotfiles, "bashrc"), filepath.Join(home, ".bashrc")))
	must(t, os.WriteFile(filepath.Join(home, ".zshrc"), []byte(zshrc), 0o644))
	bin := "/opt/attachform/bin/attachform"

	changed, err := Change(home, "", bin, true)
	if err != nil {
		t.Fatal(err)
	}
	fish := filepath.Join(home, ".config", "fish", "completions", "attachform.fish")
	if runtime.GOOS != "darwin" && !slices.Equal(changed, []string{filepath.Join(home, ".bashrc"), filepath.Join(home, ".zshrc"), fish}) {
		t.Fatalf("changed %q", changed)
	}
	if fi, err := os.Lstat(filepath.Join(home, ".bashrc")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("~/.bashrc is no longer the symlink it was (%v)", err)
	}
	got := read(t, filepath.Join(dotfiles, "bashrc"))
	if want := bashrc + "\n\ncomplete -C " + bin + " attachform\n"; got != want {
		t.Errorf("bashrc after install = %q, want %q", got, want)
	}
	if got := read(t, filepath.Join(home, ".zshrc")); strings.Count(got, "bashcompinit") != 2 || !strings.HasSuffix(got, "\ncomplete -o nospace -C "+bin+" attachform\n") {
		t.Errorf("zshrc after install = %q: want the init line once and the complete line at the end", got)
	}
	if got := read(t, fish); !strings.Contains(got, bin) {
		t.Errorf("fish completion %q does not run %s", got, bin)
	}
	if _, err := Change(home, "", bin, true); err == nil || !strings.Contains(err.Error(), "already installed") {
		t.Errorf("a second install: %v, want already installed", err)
	}

	// Removing works whatever binary the line names (it has moved since).
	if _, err := Change(home, "", "/usr/local/bin/attachform", false); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(dotfiles, "bashrc")); got != bashrc+"\n\n" {
		t.Errorf("bashrc after uninstall = %q", got)
	}
	if got := read(t, filepath.Join(home, ".zshrc")); got != zshrc+"\n" {
		t.Errorf("zshrc after uninstall = %q", got)
	}
	if _, err := os.Stat(fish); !os.IsNotExist(err) {
		t.Errorf("fish's completion file is still there (%v)", err)
	}
}

// A path a shell's complete -C cannot name is refused before any file is
// touched; a home with no shell's startup file is refused with where it
// looked.
func TestRefusals(t *testing.T) {
	home := t.TempDir()
	must(t, os.WriteFile(filepath.Join(home, ".zshrc"), nil, 0o644))
	if _, err := Change(home, "", "/opt/my tools/attachform", true); err == nil || !strings.Contains(err.Error(), "spaces or quotes") {
		t.Errorf("a binary under a path with a space: %v", err)
	}
	if got := read(t, filepath.Join(home, ".zshrc")); got != "" {
		t.Errorf("zshrc changed to %q", got)
	}
	empty := t.TempDir()
	if _, err := Change(empty, "", "/bin/attachform", true); err == nil || !strings.Contains(err.Error(), "found no shell") || !strings.Contains(err.Error(), empty) {
		t.Errorf("a home with no shell: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
