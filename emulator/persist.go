package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
)

// On disk a persistent store is:
//
//	DIR/store.json        the snapshot (mailboxes, items, attachment metadata, sessions)
//	DIR/blobs/KEY         one attachment's bytes
//	DIR/blobs/KEY.part    an open upload session's bytes so far
//
// store.json is rewritten atomically (temp file, fsync, rename, fsync dir)
// after every change that matters; upload ranges append to their .part file
// and do not rewrite it: on load a session's confirmed offset is the .part
// file's length.
const (
	snapshotFile    = "store.json"
	snapshotVersion = 1
)

// openStore loads the store in dir, or returns fresh=true with an empty one.
func openStore(dir string, seed int64) (st *store, fresh bool, err error) {
	st = &store{dir: dir, sessions: map[string]*session{}}
	if dir != "" {
		st.blobs = blobStore{dir: filepath.Join(dir, "blobs")}
		if err := os.MkdirAll(st.blobs.dir, 0o700); err != nil {
			return nil, false, fmt.Errorf("create data dir: %w", err)
		}
		b, err := os.ReadFile(filepath.Join(dir, snapshotFile))
		switch {
		case err == nil:
			if err := json.Unmarshal(b, &st.meta); err != nil {
				return nil, false, fmt.Errorf("read %s: %w", filepath.Join(dir, snapshotFile), err)
			}
			if st.meta.Version != snapshotVersion {
				return nil, false, fmt.Errorf("read %s: unsupported version %d", filepath.Join(dir, snapshotFile), st.meta.Version)
			}
			for _, s := range st.meta.Sessions {
				if fi, err := os.Stat(st.blobs.path(s.Blob + ".part")); err == nil {
					s.Received = min(fi.Size(), s.Total)
				} else {
					s.Received = 0
				}
				st.sessions[s.ID] = s
			}
			st.meta.Sessions = nil
			return st, false, nil
		case errors.Is(err, fs.ErrNotExist):
		default:
			return nil, false, fmt.Errorf("read store: %w", err)
		}
	}
	st.meta = snapshot{Version: snapshotVersion, Salt: "attachform-emulator/" + strconv.FormatInt(seed, 10)}
	st.meta.TenantID = st.newGUID()
	return st, true, nil
}

// save writes the snapshot when the store is persistent. Caller holds the lock.
func (st *store) save() error {
	if st.dir == "" {
		return nil
	}
	meta := st.meta
	meta.Sessions = make([]*session, 0, len(st.sessions))
	for _, s := range st.sessions {
		meta.Sessions = append(meta.Sessions, s)
	}
	sort.Slice(meta.Sessions, func(i, j int) bool { return meta.Sessions[i].ID < meta.Sessions[j].ID })
	b, err := json.MarshalIndent(&meta, "", " ")
	if err != nil {
		return fmt.Errorf("encode store: %w", err)
	}
	return writeFileAtomic(filepath.Join(st.dir, snapshotFile), bytes.NewReader(b))
}

// writeFileAtomic replaces path with r's bytes: temp file, fsync, rename,
// fsync of the directory. Readers see the old file or the new, never half.
func writeFileAtomic(path string, r io.Reader) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = io.Copy(f, r); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	// Some filesystems refuse fsync on directories; the rename is done anyway.
	_ = d.Sync()
	return nil
}

// blobStore holds attachment contents of a persistent store.
type blobStore struct{ dir string }

func (b blobStore) path(key string) string { return filepath.Join(b.dir, key) }

func (st *store) newBlobKey() string {
	st.meta.BlobSeq++
	return fmt.Sprintf("%016x", st.meta.BlobSeq)
}

// storeContent keeps data as a's content: in memory, or in a blob file.
func (st *store) storeContent(a *attachment, data []byte) error {
	if st.dir == "" {
		a.data = data
		return nil
	}
	a.Blob = st.newBlobKey()
	return writeFileAtomic(st.blobs.path(a.Blob), bytes.NewReader(data))
}

// dropContent forgets a's content. Readers streaming it keep their handle.
func (st *store) dropContent(a *attachment) {
	if st.dir != "" && a.Blob != "" {
		os.Remove(st.blobs.path(a.Blob))
	}
}

// openContent returns a reader over a's bytes; the caller closes it.
func (st *store) openContent(a *attachment) (io.ReadCloser, error) {
	if st.dir == "" {
		return io.NopCloser(bytes.NewReader(a.data)), nil
	}
	return os.Open(st.blobs.path(a.Blob))
}
