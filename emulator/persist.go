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

	"github.com/attachform/attachform/internal/atomicfile"
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
	return atomicfile.Write(filepath.Join(st.dir, snapshotFile), bytes.NewReader(b), 0o600)
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
	return atomicfile.Write(st.blobs.path(a.Blob), bytes.NewReader(data), 0o600)
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
