// Package atomicfile replaces files so that a reader, or the next run after
// a crash or a power cut, finds the old contents or the new, never a mix.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/attachform/attachform/internal/winpath"
)

// Write replaces the file at path with r's bytes, with mode perm: it writes
// a temporary file beside path (".NAME.RANDOM.tmp", never world-readable
// while it is written), syncs it, renames it over path and syncs the
// directory, so that the replacement survives a power cut. On Windows the
// rename writes through in place of the directory sync, and waits a moment
// for another process that holds path open (see replace).
//
// On error the file at path is as it was and the temporary file is removed.
// A process killed during Write leaves its temporary file behind, which
// RemoveTemps clears.
func Write(path string, r io.Reader, perm fs.FileMode) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(perm); err != nil {
		return err
	}
	if _, err = io.Copy(tmp, r); err != nil {
		return err
	}
	if err = durable.syncFile(tmp); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = durable.replace(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

// durable are the calls that make a Write survive a power cut, in the
// order Write makes them. No file's contents show whether they were made,
// or in which order: a test replaces them to see.
var durable = struct {
	syncFile func(*os.File) error         // the temporary file, before the rename
	replace  func(tmp, path string) error // the rename over path
	syncDir  func(*os.File) error         // the directory, after the rename
}{
	syncFile: (*os.File).Sync,
	replace:  replace,
	syncDir:  (*os.File).Sync,
}

// syncDir makes a rename in dir durable. Some platforms and file systems
// cannot open or sync a directory; there the rename is as durable as it
// gets, and that is not an error. Windows cannot (FlushFileBuffers on a
// directory handle is refused): its rename writes through instead.
func syncDir(dir string) error {
	if winpath.Host {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	defer d.Close()
	if err := durable.syncDir(d); err != nil && !errors.Is(err, os.ErrInvalid) && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// RemoveTemps removes the temporary files that Writes of path left behind
// when they were killed before they finished. It removes nothing else.
//
// Call it only where no Write of path can be running, as under a lock that
// every writer of path takes: a running Write's temporary file looks the
// same as a dead one's.
func RemoveTemps(path string) error {
	dir, base := filepath.Dir(path), filepath.Base(path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		if isTemp(base, e.Name()) && e.Type().IsRegular() {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// isTemp reports whether name is one of Write's temporary files for a file
// named base: "." + base + "." + the decimal number os.CreateTemp chose +
// ".tmp".
func isTemp(base, name string) bool {
	rest, ok := strings.CutPrefix(name, "."+base+".")
	if !ok {
		return false
	}
	digits, ok := strings.CutSuffix(rest, ".tmp")
	if !ok || digits == "" {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
