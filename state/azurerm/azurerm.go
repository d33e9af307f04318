// Package azurerm keeps state in a blob in Azure Storage, so that CI runners
// thrown away after every job share it, locked with a renewable blob lease
// so that two runs never apply at once and a runner that dies frees the lock
// by itself.
//
// The lock is a lease on the state blob itself (Terraform's azurerm backend
// does the same), taken for LeaseDuration and renewed while the process
// lives; the holder's details are in the blob's metadata. Every write is
// conditional on the ETag this handle last read or wrote (If-Match) and
// carries the lease, so neither a broken lock nor a run with -lock=false can
// make two writers lose each other's changes.
//
// Errors from Azure are normalised here: a missing blob is no state, a
// failed condition is state.ErrConflict, a lease held elsewhere is a
// *state.LockError naming its holder.
package azurerm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/attachform/attachform/state"
)

var (
	_ state.Backend     = (*Backend)(nil)
	_ state.LockWatcher = (*Backend)(nil)
	_ state.Pacer       = (*Backend)(nil)
)

// Defaults for a Backend's timing.
const (
	// DefaultLeaseDuration is how long a lock outlives a holder that stopped
	// renewing it: a killed runner's lock is free again within this time.
	DefaultLeaseDuration = 60 * time.Second
	// DefaultMinWriteInterval spaces remote writes: writes that come faster
	// wait, and the changes recorded meanwhile go out in one write.
	DefaultMinWriteInterval = time.Second
)

// Backend is the state in one blob. Its zero value is not usable: see New.
type Backend struct {
	// LeaseDuration is the lease's length, 15 s to 60 s (Azure's range);
	// the lease is renewed every third of it.
	LeaseDuration time.Duration
	// MinWriteInterval is the least time between two writes (see
	// state.Pacer); 0 writes at once.
	MinWriteInterval time.Duration
	// Memory remembers on this machine the serials read and written; Read
	// refuses a state whose serial is lower than one remembered for its
	// lineage (state.ErrSerialBackwards), unless Force, which makes it the
	// latest. Nil remembers nothing.
	Memory *state.SerialMemory
	Force  bool

	blob     *blob.Client
	block    *blockblob.Client
	location string // the blob's URL, for messages

	writeMu   sync.Mutex // one write at a time
	lastWrite time.Time  // guarded by writeMu

	mu sync.Mutex // guards what follows
	// etag is the blob's ETag as this handle last read or wrote it, ""
	// when it found no blob; known says whether it has done either.
	etag  azcore.ETag
	known bool
	lock  *heldLock // nil when this handle holds no lock
}

// New returns a backend for the blob key in the container c.
func New(c *container.Client, key string) *Backend {
	b := c.NewBlobClient(key)
	return &Backend{
		LeaseDuration:    DefaultLeaseDuration,
		MinWriteInterval: DefaultMinWriteInterval,
		blob:             b,
		block:            c.NewBlockBlobClient(key),
		location:         withoutQuery(b.URL()),
	}
}

// queryRE finds URLs with a query, which for a SAS token is a credential.
var queryRE = regexp.MustCompile(`(https?://[^\s"'<>?]+)\?[^\s"'<>]*`)

// withoutQuery drops the query of every URL in s: a container reached with
// ARM_SAS_TOKEN has the token in its URL, and neither messages nor the
// lock's details may carry it.
func withoutQuery(s string) string { return queryRE.ReplaceAllString(s, "$1") }

// URL is the state blob's address.
func (b *Backend) URL() string { return b.location }

// Read implements state.Reader. An absent or empty blob (one a lock
// created before anything was written) is no state.
func (b *Backend) Read(ctx context.Context) (*state.State, error) {
	data, etag, err := b.download(ctx)
	if bloberror.HasCode(err, bloberror.BlobNotFound) {
		b.mu.Lock()
		b.etag, b.known = "", true
		b.mu.Unlock()
		return nil, nil
	}
	if err != nil {
		return nil, b.fail("read state", err)
	}
	b.mu.Lock()
	b.etag, b.known = etag, true
	b.mu.Unlock()
	if len(data) == 0 {
		return nil, nil
	}
	s, err := state.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.location, err)
	}
	last, _ := b.Memory.Last(s.Lineage)
	if err := state.CheckSerial(s, b.location, last, b.Memory.Where()); err != nil {
		if !b.Force {
			return nil, fmt.Errorf("read state: %w", err)
		}
		b.Memory.Set(s.Lineage, s.Serial) // the user says this state stands
		return s, nil
	}
	b.Memory.Remember(s.Lineage, s.Serial)
	return s, nil
}

// download reads the blob whole. A body that goes silent part-way is read
// again from the start, as a silent answer is (idleTransport), up to
// idleAttempts times.
func (b *Backend) download(ctx context.Context) ([]byte, azcore.ETag, error) {
	for attempt := 1; ; attempt++ {
		resp, err := b.blob.DownloadStream(ctx, nil)
		if err != nil {
			return nil, "", err
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		var na *noAnswer
		if errors.As(err, &na) && attempt < idleAttempts && ctx.Err() == nil {
			continue
		}
		if err != nil {
			if na != nil {
				na.attempts = int32(attempt)
			}
			return nil, "", err
		}
		return data, etagOf(resp.ETag), nil
	}
}

// NextWrite implements state.Pacer.
func (b *Backend) NextWrite() time.Time {
	b.writeMu.Lock()
	defer b.writeMu.Unlock()
	if b.lastWrite.IsZero() {
		return time.Time{}
	}
	return b.lastWrite.Add(b.MinWriteInterval)
}

// Write implements state.Writer: one Put Blob, If-Match the ETag last read
// or written (If-None-Match: * when there was none), with the lease and the
// lock's metadata when this handle holds the lock. A write that comes
// sooner than MinWriteInterval after the last one waits first.
func (b *Backend) Write(ctx context.Context, s *state.State) error {
	b.writeMu.Lock()
	defer b.writeMu.Unlock()
	if wait := time.Until(b.lastWrite.Add(b.MinWriteInterval)); wait > 0 && !b.lastWrite.IsZero() {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("write state %s: %w", b.location, ctx.Err())
		case <-t.C:
		}
	}
	var buf bytes.Buffer
	if err := state.Encode(&buf, s); err != nil {
		return fmt.Errorf("write state %s: %w", b.location, err)
	}

	b.mu.Lock()
	etag, known, held := b.etag, b.known, b.lock
	b.mu.Unlock()
	opts := &blockblob.UploadOptions{
		HTTPHeaders:      &blob.HTTPHeaders{BlobContentType: ptr("application/json")},
		AccessConditions: &blob.AccessConditions{ModifiedAccessConditions: matching(etag, known)},
	}
	if held != nil && held.isLost() {
		// The lease is gone: a last write of what finished goes without
		// it, on the ETag condition alone. Azure refuses it while anyone
		// else holds a lease, and the condition fails once anyone wrote.
		held = nil
	}
	if held != nil {
		opts.AccessConditions.LeaseAccessConditions = &blob.LeaseAccessConditions{LeaseID: ptr(held.leaseID)}
		opts.Metadata = held.metadata()
	}
	resp, err := b.block.Upload(ctx, nopCloser{bytes.NewReader(buf.Bytes())}, opts)
	if err != nil {
		return b.writeError(ctx, err, held)
	}
	b.lastWrite = time.Now()
	b.mu.Lock()
	b.etag, b.known = etagOf(resp.ETag), true
	b.mu.Unlock()
	b.Memory.Set(s.Lineage, s.Serial)
	return nil
}

// writeError explains a refused write.
func (b *Backend) writeError(ctx context.Context, err error, held *heldLock) error {
	switch {
	case bloberror.HasCode(err, bloberror.ConditionNotMet, bloberror.BlobAlreadyExists):
		return fmt.Errorf("write state %s: %w: another run wrote it since (with -lock=false, or after this run's lock was broken). "+
			"Nothing was written; run again to start from the state as it is now", b.location, state.ErrConflict)
	case held == nil && bloberror.HasCode(err, bloberror.LeaseIDMissing):
		return fmt.Errorf("write state: %w", b.lockedError(ctx))
	case held != nil && bloberror.HasCode(err, bloberror.LeaseIDMismatchWithBlobOperation, bloberror.LeaseNotPresentWithBlobOperation, bloberror.LeaseLost):
		return fmt.Errorf("write state %s: this run's lock (lease %s) is gone: %w; nothing was written", b.location, held.info.ID, errLeaseGone)
	}
	return b.fail("write state", err)
}

// errLeaseGone is why writes and renewals fail once the lease has ended.
var errLeaseGone = errors.New("the lease was broken (force-unlock) or expired and was taken by another run")

// matching is the condition a write or a metadata change puts on the blob:
// still the one this handle last saw.
func matching(etag azcore.ETag, known bool) *blob.ModifiedAccessConditions {
	if known && etag != "" {
		return &blob.ModifiedAccessConditions{IfMatch: &etag}
	}
	star := azcore.ETagAny
	return &blob.ModifiedAccessConditions{IfNoneMatch: &star}
}

// fail wraps an error from Azure with what was being done, in words people
// can act on.
func (b *Backend) fail(op string, err error) error {
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		return &azureError{msg: fmt.Sprintf("%s %s: %s", op, b.location, withoutQuery(err.Error())), err: err}
	}
	hint, kind := "", error(nil)
	switch {
	case bloberror.HasCode(err, bloberror.ContainerNotFound):
		hint, kind = ": the container does not exist; create it first (az storage container create)", os.ErrNotExist
	case bloberror.HasCode(err, bloberror.AuthenticationFailed, bloberror.NoAuthenticationInformation):
		hint, kind = ": the credentials were refused; check ARM_ACCESS_KEY or ARM_SAS_TOKEN, or the Entra ID sign-in", os.ErrPermission
	case bloberror.HasCode(err, bloberror.AuthorizationPermissionMismatch, bloberror.InsufficientAccountPermissions):
		hint, kind = ": the identity may not do this; it needs the role Storage Blob Data Contributor on the container", os.ErrPermission
	case bloberror.HasCode(err, bloberror.AuthorizationFailure):
		hint = ": the credentials were refused or may not do this; check ARM_ACCESS_KEY or ARM_SAS_TOKEN (and its permissions), " +
			"or give the Entra ID identity the role Storage Blob Data Contributor on the container"
		kind = os.ErrPermission
	}
	code := re.ErrorCode
	if code == "" {
		code = fmt.Sprintf("HTTP %d", re.StatusCode)
	}
	return &azureError{msg: fmt.Sprintf("%s %s: %s%s", op, b.location, code, hint), err: err, kind: kind}
}

// azureError keeps Azure's error for errors.Is and errors.As while showing
// only what people need: the SDK's own text spans many lines of headers, and
// a transport error quotes the URL, SAS token included. kind is the
// standard error it amounts to, as litestream's backends normalise them: a
// missing container is os.ErrNotExist, refused credentials
// os.ErrPermission; nil for others.
type azureError struct {
	msg  string
	err  error
	kind error
}

func (e *azureError) Error() string { return e.msg }
func (e *azureError) Unwrap() []error {
	if e.kind == nil {
		return []error{e.err}
	}
	return []error{e.err, e.kind}
}

func etagOf(p *azcore.ETag) azcore.ETag {
	if p == nil {
		return ""
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

// nopCloser makes a bytes.Reader the io.ReadSeekCloser Upload takes.
type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }
