package spec

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/attachform/attachform/internal/bytesize"
	"github.com/attachform/attachform/internal/winpath"
	"github.com/hashicorp/hcl/v2"
)

// MaxConfigFileSize bounds a manifest, a variables file, a -backend-config
// file and a template: far above any real one, and small enough that a
// committed huge file cannot exhaust a CI runner's memory.
const MaxConfigFileSize = 16 * MiB

// errOutside is wrapped by every refusal of a path outside the
// configuration directory.
var errOutside = errors.New("outside the configuration directory")

// confinedPath resolves path (relative to dir, symlinks included) and
// returns the real path, refused with an error wrapping errOutside when it
// lies outside realDir (dir with its symlinks resolved). Only paths are
// named in its errors, never content; they start with "it", for the caller
// to name the file.
func confinedPath(dir, realDir, path string) (string, error) {
	p := path
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	p = filepath.Clean(p)
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return "", err
	}
	if !inside(realDir, real) {
		if real != p {
			return "", fmt.Errorf("it resolves to %s, %w", real, errOutside)
		}
		return "", fmt.Errorf("it is %w", errOutside)
	}
	if winpath.Host {
		if err := windowsConfined(realDir, real); err != nil {
			return "", err
		}
	}
	return real, nil
}

// windowsConfined adds Windows' own ways out of a directory to the check
// of a resolved path inside it: a junction or mount point (which
// EvalSymlinks does not resolve there) leads anywhere, and a name such as
// CON, nul.txt or "files." is a device or another file than it says. The
// rules are internal/winpath's, tested on every OS.
func windowsConfined(realDir, real string) error {
	rel, err := filepath.Rel(realDir, real)
	if err != nil {
		return fmt.Errorf("it is %w", errOutside)
	}
	if err := winpath.CheckNoReparse(realDir, rel, os.Lstat, filepath.Join); err != nil {
		return fmt.Errorf("it passes through %v, %w", err, errOutside)
	}
	if err := winpath.CheckPath(rel); err != nil {
		return fmt.Errorf("it is not a plain file name on Windows: %w", err)
	}
	return nil
}

// readConfined reads a regular file inside the configuration directory,
// at most MaxConfigFileSize of it. Anything else (a path or a symbolic
// link leading outside, a device, a pipe, /proc) is refused before it is
// opened, so that no byte of it can reach a diagnostic's snippet. Errors
// say what is wrong with the file ("it is a directory"), for the caller
// to name it.
func readConfined(dir, realDir, path string) ([]byte, error) {
	real, err := confinedPath(dir, realDir, path)
	if err != nil {
		return nil, err
	}
	// Stat before opening: opening a named pipe blocks until a writer
	// comes; then check the opened file again, in case it was swapped.
	if err := checkConfigFile(os.Stat(real)); err != nil {
		return nil, err
	}
	f, err := os.Open(real)
	if err != nil {
		return nil, errors.New("it cannot be opened")
	}
	defer f.Close()
	if err := checkConfigFile(f.Stat()); err != nil {
		return nil, err
	}
	src, err := io.ReadAll(io.LimitReader(f, MaxConfigFileSize+1))
	if err != nil {
		return nil, errors.New("it cannot be read")
	}
	if int64(len(src)) > MaxConfigFileSize {
		return nil, fmt.Errorf("it grew past %s while it was read", bytesize.Format(MaxConfigFileSize))
	}
	return src, nil
}

// checkConfigFile accepts a regular file of at most MaxConfigFileSize.
func checkConfigFile(fi os.FileInfo, err error) error {
	switch {
	case err != nil:
		return errors.New("it cannot be read")
	case fi.IsDir():
		return errors.New("it is a directory")
	case !fi.Mode().IsRegular():
		return fmt.Errorf("it is a %s, not a regular file", fileKind(fi.Mode()))
	case fi.Size() > MaxConfigFileSize:
		return fmt.Errorf("it is larger than the %s attachform reads of a configuration file", bytesize.Format(MaxConfigFileSize))
	}
	return nil
}

// readConfigFile reads a file the loader parses (a manifest, a variables
// file, a -backend-config file) confined to the configuration directory.
func (l *loader) readConfigFile(path, display string) ([]byte, *hcl.Diagnostic) {
	src, err := readConfined(l.cfg.Dir, l.realDir, path)
	if err == nil {
		return src, nil
	}
	if errors.Is(err, errOutside) {
		return nil, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "File outside the configuration directory",
			Detail: fmt.Sprintf("%s: %v. attachform reads manifests, variable files and -backend-config files only from inside the configuration directory, after symbolic links are resolved, so that a committed file or link cannot show a CI runner's secrets (such as /proc/self/environ) in a diagnostic. Move the file into the configuration directory, or give the values with -var or %sNAME environment variables.",
				display, err, VarEnvPrefix),
		}
	}
	return nil, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Cannot read file",
		Detail:   fmt.Sprintf("Reading %s failed: %v.", display, err),
	}
}
