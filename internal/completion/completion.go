// Package completion is attachform's shell completion. It installs and
// removes it (-install-autocomplete, -uninstall-autocomplete): a line in
// bash's and zsh's startup files, a file of its own for fish. And it tells
// the command framework what completes a line (Commands): each command's
// flags as internal/arguments defines them, and what their values and the
// positional arguments are. It prints nothing: it returns the files it
// changed and the words that fit, and the command writes them.
package completion

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"github.com/attachform/attachform/internal/atomicfile"
)

// Written here rather than left to the completion library, whose installer finds the home
// directory in the user database instead of $HOME (so a test, a container
// or sudo -E changes another home than the shell's), replaces a symlinked
// ~/.bashrc with a file, and cannot remove a line naming a binary that has
// since moved.

// completeLinePattern is a line an install wrote, whatever binary it names.
var completeLinePattern = regexp.MustCompile(`^complete (-o nospace )?-C \S+ attachform$`)

const zshCompInit = "autoload -U +X bashcompinit && bashcompinit"

// shellHook is one place completion is installed: a line in a startup
// file (bash, zsh), or a file of its own (fish).
type shellHook struct {
	path    string
	lines   []string // for a startup file: appended on install
	ownFile bool     // the whole file is attachform's (fish)
}

// completionHooks are where the shells on this machine read completion
// from: the first bash startup file that exists, ~/.zshrc when it exists,
// and fish's completions when its config directory exists. bin is the
// binary the shell runs to complete.
func completionHooks(home, configHome, bin string) ([]shellHook, error) {
	if home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil {
			return nil, fmt.Errorf("no home directory: set HOME")
		}
	}
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }
	var hooks []shellHook
	bashFiles := []string{".bashrc", ".bash_profile", ".bash_login", ".profile"}
	if runtime.GOOS == "darwin" {
		bashFiles = []string{".bash_profile"}
	}
	for _, name := range bashFiles {
		if p := filepath.Join(home, name); exists(p) {
			hooks = append(hooks, shellHook{path: p, lines: []string{"complete -C " + bin + " attachform"}})
			break
		}
	}
	if p := filepath.Join(home, ".zshrc"); exists(p) {
		hooks = append(hooks, shellHook{path: p, lines: []string{zshCompInit, "complete -o nospace -C " + bin + " attachform"}})
	}
	config := configHome
	if config == "" {
		config = filepath.Join(home, ".config")
	}
	if fi, err := os.Stat(filepath.Join(config, "fish")); err == nil && fi.IsDir() {
		hooks = append(hooks, shellHook{
			path:    filepath.Join(config, "fish", "completions", "attachform.fish"),
			lines:   []string{fishCompletion(bin)},
			ownFile: true,
		})
	}
	if len(hooks) == 0 {
		return nil, fmt.Errorf("found no shell to install completion for: none of ~/.bashrc, ~/.zshrc or fish's %s exists in %s", filepath.Join(".config", "fish"), home)
	}
	return hooks, nil
}

// fishCompletion asks attachform for the words, as bash's complete -C does.
func fishCompletion(bin string) string {
	return `function __complete_attachform
    set -lx COMP_LINE (commandline -cp)
    test -z (commandline -ct)
    and set COMP_LINE "$COMP_LINE "
    ` + bin + `
end
complete -f -c attachform -a "(__complete_attachform)"`
}

// installed reports whether h already has attachform's completion.
func (h shellHook) installed() (bool, error) {
	data, err := os.ReadFile(h.path)
	switch {
	case h.ownFile:
		return err == nil, nil
	case err != nil:
		return false, err
	}
	_, ours := withoutOurs(data)
	return ours > 0, nil
}

// withoutOurs is a startup file without the lines an install wrote (each
// kept line with its line end), and how many of those there were.
func withoutOurs(data []byte) (kept string, ours int) {
	var b strings.Builder
	for _, l := range strings.SplitAfter(string(data), "\n") {
		if completeLinePattern.MatchString(strings.TrimSpace(l)) {
			ours++
		} else {
			b.WriteString(l)
		}
	}
	return b.String(), ours
}

func (h shellHook) install() error {
	if h.ownFile {
		if err := os.MkdirAll(filepath.Dir(h.path), 0o755); err != nil {
			return err
		}
		return atomicfile.Write(h.path, strings.NewReader(h.lines[0]+"\n"), 0o644)
	}
	path, data, mode, err := readStartupFile(h.path)
	if err != nil {
		return err
	}
	var add []string
	for _, l := range h.lines {
		if l != zshCompInit || !bytes.Contains(data, []byte(zshCompInit)) {
			add = append(add, l)
		}
	}
	if len(data) > 0 && !bytes.HasSuffix(data, []byte("\n")) {
		data = append(data, '\n')
	}
	data = append(data, "\n"+strings.Join(add, "\n")+"\n"...)
	return atomicfile.Write(path, bytes.NewReader(data), mode)
}

func (h shellHook) uninstall() error {
	if h.ownFile {
		return os.Remove(h.path)
	}
	path, data, mode, err := readStartupFile(h.path)
	if err != nil {
		return err
	}
	kept, _ := withoutOurs(data)
	return atomicfile.Write(path, strings.NewReader(kept), mode)
}

// readStartupFile reads a shell's startup file through any symlink (a
// dotfiles checkout), so that the rewrite replaces the file it points to.
func readStartupFile(p string) (path string, data []byte, mode fs.FileMode, err error) {
	if path, err = filepath.EvalSymlinks(p); err != nil {
		return "", nil, 0, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return "", nil, 0, err
	}
	data, err = os.ReadFile(path)
	return path, data, fi.Mode().Perm(), err
}

// Change installs (install) or removes completion in every shell found,
// returning the files it changed. home is the user's home directory ("":
// os.UserHomeDir's), configHome is XDG_CONFIG_HOME ("": home's .config),
// and bin the absolute path of the attachform binary the shells run to
// complete. Installing where it is installed already, or removing where it
// is not, is an error naming those files.
func Change(home, configHome, bin string, install bool) ([]string, error) {
	if strings.ContainsAny(bin, " \t\n'\"\\$`") {
		return nil, fmt.Errorf("attachform is at %q, and a shell's complete -C cannot name a path with spaces or quotes: move it, then run again", bin)
	}
	hooks, err := completionHooks(home, configHome, bin)
	if err != nil {
		return nil, err
	}
	var changed, already []string
	var errs []error
	for _, h := range hooks {
		have, err := h.installed()
		switch {
		case err != nil:
			errs = append(errs, err)
			continue
		case have == install:
			already = append(already, h.path)
			continue
		case install:
			err = h.install()
		default:
			err = h.uninstall()
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", h.path, err))
			continue
		}
		changed = append(changed, h.path)
	}
	if len(changed) == 0 && len(errs) == 0 {
		if install {
			return nil, fmt.Errorf("completion is already installed in %s", strings.Join(already, ", "))
		}
		return nil, fmt.Errorf("completion is not installed in %s", strings.Join(already, ", "))
	}
	return changed, errors.Join(errs...)
}
