// Package download writes bytes that come from outside (an attachment's
// content, streamed from Graph) into new files under one directory, the
// configuration directory, and nowhere else: not outside it, not through a
// symbolic link, never over a file that exists. A file appears only once
// its bytes are all on disk and hash as the bytes received; until then
// they sit in a temporary file beside it.
package download

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// ErrExists is returned (wrapped) when the file to write exists already.
var ErrExists = errors.New("the file exists already, and is not overwritten")

// Dir writes new files under one directory.
type Dir struct {
	root *os.Root
}

// Open opens dir (which may itself be reached through links: the user
// named it) as the directory nothing is written outside of.
func Open(dir string) (*Dir, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &Dir{root: root}, nil
}

// Close releases the directory.
func (d *Dir) Close() error { return d.root.Close() }

// Result is what was written.
type Result struct {
	SHA256 string
	Bytes  int64
}

// Exists reports whether rel (slash-separated, inside the directory) names
// anything, a link included.
func (d *Dir) Exists(rel string) (bool, error) {
	if err := checkRel(rel); err != nil {
		return false, err
	}
	_, err := d.root.Lstat(rel)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, err
}

// Entries lists the names in the folder rel; a folder that does not exist
// holds none. A folder that is a link is refused, as Write refuses it.
func (d *Dir) Entries(rel string) ([]string, error) {
	if err := checkRel(rel); err != nil {
		return nil, err
	}
	prefix := ""
	for _, part := range strings.Split(rel, "/") {
		prefix = path.Join(prefix, part)
		fi, err := d.root.Lstat(prefix)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, nil
		case err != nil:
			return nil, err
		case fi.Mode()&fs.ModeSymlink != 0:
			return nil, fmt.Errorf("%s is a symbolic link: attachform does not write through links; point the download folder elsewhere", prefix)
		case !fi.IsDir():
			return nil, fmt.Errorf("%s is not a folder", prefix)
		}
	}
	f, err := d.root.Open(rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Readdirnames(-1)
}

// Remove removes the file rel, one this process wrote.
func (d *Dir) Remove(rel string) error {
	if err := checkRel(rel); err != nil {
		return err
	}
	return d.root.Remove(rel)
}

// Write streams r into the new file rel (slash-separated, inside the
// directory), creating its folders. More than limit bytes from r is an
// error, and nothing is written. The bytes go to a temporary file in the
// same folder, which is synced, read back and hashed; only when that hash
// is the hash of what r yielded is the file put in place, never replacing
// one: a file there (even one that appeared meanwhile) fails with
// ErrExists. A folder on the way that is a symbolic link, or not a folder,
// fails the write.
func (d *Dir) Write(rel string, r io.Reader, limit int64) (Result, error) {
	if err := checkRel(rel); err != nil {
		return Result{}, err
	}
	dir, name := path.Split(rel)
	dir = strings.TrimSuffix(dir, "/")
	if err := d.mkdirs(dir); err != nil {
		return Result{}, err
	}
	if exists, err := d.Exists(rel); err != nil || exists {
		if err == nil {
			err = fmt.Errorf("%s: %w", rel, ErrExists)
		}
		return Result{}, err
	}
	tmp, f, err := d.createTemp(dir, name)
	if err != nil {
		return Result{}, err
	}
	placed := false
	defer func() {
		if !placed {
			_ = d.root.Remove(tmp)
		}
	}()
	got, err := copyHashed(f, r, limit)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", rel, err)
	}
	if err := d.verify(tmp, got); err != nil {
		return Result{}, fmt.Errorf("%s: %w", rel, err)
	}
	if err := d.place(tmp, rel); err != nil {
		return Result{}, err
	}
	placed = true
	_ = d.root.Remove(tmp)
	syncDir(d.root, dir)
	return got, nil
}

// checkRel refuses a path that is not plainly inside the directory.
func checkRel(rel string) error {
	if rel == "" || !fs.ValidPath(rel) || strings.Contains(rel, `\`) {
		return fmt.Errorf("%q is not a path inside the configuration directory", rel)
	}
	return nil
}

// mkdirs creates each folder of dir that is missing; one that exists must
// be a real folder, not a link to one.
func (d *Dir) mkdirs(dir string) error {
	if dir == "" {
		return nil
	}
	prefix := ""
	for _, part := range strings.Split(dir, "/") {
		prefix = path.Join(prefix, part)
		fi, err := d.root.Lstat(prefix)
		if errors.Is(err, fs.ErrNotExist) {
			if err := d.root.Mkdir(prefix, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
				return err
			}
			fi, err = d.root.Lstat(prefix)
		}
		if err != nil {
			return err
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			return fmt.Errorf("%s is a symbolic link: attachform does not write through links; point the download folder elsewhere", prefix)
		case !fi.IsDir():
			return fmt.Errorf("%s is not a folder", prefix)
		}
	}
	return nil
}

// createTemp makes a new, private temporary file in dir.
func (d *Dir) createTemp(dir, name string) (string, *os.File, error) {
	var rnd [6]byte
	for range 10 {
		if _, err := rand.Read(rnd[:]); err != nil {
			return "", nil, err
		}
		tmp := path.Join(dir, ".attachform-"+hex.EncodeToString(rnd[:])+".part")
		f, err := d.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", nil, fmt.Errorf("create a temporary file for %s: %w", name, err)
		}
		return tmp, f, nil
	}
	return "", nil, fmt.Errorf("create a temporary file for %s: too many name collisions", name)
}

// copyHashed copies at most limit bytes of r to w, hashing them.
func copyHashed(w io.Writer, r io.Reader, limit int64) (Result, error) {
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(r, limit+1))
	if err != nil {
		return Result{}, err
	}
	if n > limit {
		return Result{}, fmt.Errorf("the content is larger than the %d bytes expected", limit)
	}
	return Result{SHA256: hex.EncodeToString(h.Sum(nil)), Bytes: n}, nil
}

// verify reads tmp back from disk and compares it with what was received.
func (d *Dir) verify(tmp string, want Result) error {
	f, err := d.root.Open(tmp)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return fmt.Errorf("read back: %w", err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want.SHA256 || n != want.Bytes {
		return fmt.Errorf("the file on disk (%d bytes, sha256 %s) is not what was received (%d bytes, sha256 %s)", n, got, want.Bytes, want.SHA256)
	}
	return nil
}

// place gives tmp its final name without replacing anything: a hard link
// fails when the name is taken. Where links are not supported it renames
// after looking, which only a writer racing this one could defeat.
func (d *Dir) place(tmp, rel string) error {
	err := d.root.Link(tmp, rel)
	switch {
	case err == nil:
		return d.root.Chmod(rel, 0o644)
	case errors.Is(err, fs.ErrExist):
		return fmt.Errorf("%s: %w", rel, ErrExists)
	}
	if exists, lerr := d.Exists(rel); lerr != nil || exists {
		if lerr == nil {
			lerr = fmt.Errorf("%s: %w", rel, ErrExists)
		}
		return lerr
	}
	if err := d.root.Chmod(tmp, 0o644); err != nil {
		return err
	}
	return d.root.Rename(tmp, rel)
}

// syncDir makes the new name durable where the platform can sync a
// folder; where it cannot, the name is as durable as it gets.
func syncDir(root *os.Root, dir string) {
	if dir == "" {
		dir = "."
	}
	f, err := root.Open(dir)
	if err != nil {
		return
	}
	_ = f.Sync()
	_ = f.Close()
}
