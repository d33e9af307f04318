package azurerm

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/lease"
	"github.com/attachform/attachform/state"
	"github.com/google/uuid"
)

// heldLock is the lock this handle holds: a lease renewed in the
// background until Unlock, or until it cannot be renewed.
type heldLock struct {
	info     state.LockInfo
	leaseID  string
	lease    *lease.BlobClient
	duration time.Duration
	stop     chan struct{} // closed by Unlock
	done     chan struct{} // closed when renewal has ended

	lostOnce sync.Once
	lost     chan struct{} // closed when the lease is lost
	lostErr  error         // written before lost is closed
}

// metadata is what the blob's metadata holds while the lock is held; every
// write under the lock sets it again (a write replaces the metadata).
func (h *heldLock) metadata() map[string]*string {
	md := encodeInfo(h.info)
	md[keyLeaseSeconds] = ptr(strconv.Itoa(int(h.duration / time.Second)))
	return md
}

func (h *heldLock) isLost() bool {
	select {
	case <-h.lost:
		return true
	default:
		return false
	}
}

func (h *heldLock) lose(err error) {
	h.lostOnce.Do(func() {
		h.lostErr = err
		close(h.lost)
	})
}

// leaseDuration is LeaseDuration within Azure's range, whole seconds.
func (b *Backend) leaseDuration() time.Duration {
	d := b.LeaseDuration
	if d == 0 {
		d = DefaultLeaseDuration
	}
	return min(max(d, 15*time.Second), 60*time.Second).Truncate(time.Second)
}

// Lock implements state.Locker: it creates an empty blob when there is
// none, takes a lease on it under an id derived from info.ID, writes info
// into the blob's metadata and renews the lease until Unlock.
func (b *Backend) Lock(ctx context.Context, info state.LockInfo) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.lock != nil {
		return &state.LockError{Info: b.lock.info, Expires: expires(b.lock.duration), Err: state.ErrLocked}
	}
	info.Path = b.location
	if err := b.ensureBlob(ctx); err != nil {
		return err
	}
	id := leaseIDFor(info.ID)
	lc, err := lease.NewBlobClient(b.blob, &lease.BlobClientOptions{LeaseID: &id})
	if err != nil {
		return fmt.Errorf("lock state %s: %w", b.location, err)
	}
	duration := b.leaseDuration()
	acquired := time.Now()
	if _, err := lc.AcquireLease(ctx, int32(duration/time.Second), nil); err != nil {
		if bloberror.HasCode(err, bloberror.LeaseAlreadyPresent) {
			return b.lockedError(ctx)
		}
		return b.fail("lock state", err)
	}
	h := &heldLock{info: info, leaseID: id, lease: lc, duration: duration,
		stop: make(chan struct{}), done: make(chan struct{}), lost: make(chan struct{})}
	if err := b.setMetadata(ctx, h.metadata(), &blob.LeaseAccessConditions{LeaseID: &id}); err != nil {
		_, _ = lc.ReleaseLease(context.WithoutCancel(ctx), nil)
		return b.fail("lock state", err)
	}
	b.lock = h
	go b.renew(h, acquired)
	return nil
}

// ensureBlob creates an empty blob to lease when there is none. Caller
// holds b.mu. An empty blob reads as no state.
func (b *Backend) ensureBlob(ctx context.Context) error {
	star := azcore.ETagAny
	resp, err := b.block.Upload(ctx, nopCloser{bytes.NewReader(nil)}, &blockblob.UploadOptions{
		HTTPHeaders:      &blob.HTTPHeaders{BlobContentType: ptr("application/json")},
		AccessConditions: &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfNoneMatch: &star}},
	})
	switch {
	case err == nil:
		// This handle made the blob and knows what it holds (nothing),
		// unless it had read a state that has since gone.
		if !b.known || b.etag == "" {
			b.etag, b.known = etagOf(resp.ETag), true
		}
		return nil
	case bloberror.HasCode(err, bloberror.BlobAlreadyExists, bloberror.ConditionNotMet, bloberror.LeaseIDMissing):
		return nil
	}
	return b.fail("lock state", err)
}

// setMetadata replaces the blob's metadata under the lease, on condition
// that the blob is still the one this handle last saw, so that it keeps
// knowing the blob's ETag. When the blob has changed since, the metadata is
// set anyway and the ETag stays the stale one: this handle's next write is
// then a conflict, as it should be. Caller holds b.mu.
func (b *Backend) setMetadata(ctx context.Context, md map[string]*string, leased *blob.LeaseAccessConditions) error {
	if !b.known || b.etag == "" {
		_, err := b.blob.SetMetadata(ctx, md, &blob.SetMetadataOptions{AccessConditions: &blob.AccessConditions{LeaseAccessConditions: leased}})
		return err
	}
	etag := b.etag
	resp, err := b.blob.SetMetadata(ctx, md, &blob.SetMetadataOptions{AccessConditions: &blob.AccessConditions{
		LeaseAccessConditions:    leased,
		ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfMatch: &etag},
	}})
	if bloberror.HasCode(err, bloberror.ConditionNotMet) {
		_, err = b.blob.SetMetadata(ctx, md, &blob.SetMetadataOptions{AccessConditions: &blob.AccessConditions{LeaseAccessConditions: leased}})
		return err
	}
	if err == nil {
		b.etag = etagOf(resp.ETag)
	}
	return err
}

// lockedError describes the holder of the lease, from the blob's metadata.
// A holder writes its details just after taking the lease: a run that lost
// the race by a moment looks again for up to holderWait before it reports
// a holder it cannot name.
func (b *Backend) lockedError(ctx context.Context) error {
	info := state.LockInfo{Path: b.location}
	duration := DefaultLeaseDuration
	for deadline := time.Now().Add(holderWait); ; {
		props, err := b.blob.GetProperties(ctx, nil)
		if err == nil {
			info = decodeInfo(props.Metadata)
			if s, err := strconv.Atoi(metadata(props.Metadata, keyLeaseSeconds)); err == nil && s > 0 {
				duration = time.Duration(s) * time.Second
			}
		}
		leased := err == nil && props.LeaseState != nil && *props.LeaseState == lease.StateTypeLeased
		if err != nil || info.ID != "" || !leased || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if info.Path == "" {
		info.Path = b.location
	}
	return &state.LockError{Info: info, Expires: expires(duration), Err: state.ErrLocked}
}

// holderWait bounds how long a run that meets a fresh lease waits for its
// holder's details.
const holderWait = 2 * time.Second

func expires(d time.Duration) string {
	return fmt.Sprintf("its lease ends by itself at most %s after the holder stopped renewing it", d)
}

// renew keeps the lease alive every third of its duration until Unlock.
// When renewal fails for good (the lease was broken or taken), or keeps
// failing until the lease is about to end, the lock is lost: the holder
// must start nothing new.
func (b *Backend) renew(h *heldLock, last time.Time) {
	defer close(h.done)
	every := h.duration / 3
	retry := min(every, 2*time.Second)
	margin := h.duration / 6
	t := time.NewTimer(every)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
		}
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), every)
		_, err := h.lease.RenewLease(ctx, nil)
		cancel()
		switch {
		case err == nil:
			last = start
			t.Reset(every)
		case leaseGone(err):
			h.lose(fmt.Errorf("renew the state lock on %s: %w", b.location, errLeaseGone))
			return
		case time.Since(last) >= h.duration-margin:
			h.lose(fmt.Errorf("renew the state lock on %s: no renewal succeeded for %s and the lease ends within %s: %w",
				b.location, time.Since(last).Round(time.Second), margin, b.fail("renew lease", err)))
			return
		default:
			t.Reset(retry)
		}
	}
}

// leaseGone reports whether err says the lease is no longer this handle's.
func leaseGone(err error) bool {
	return bloberror.HasCode(err,
		bloberror.LeaseIDMismatchWithLeaseOperation, bloberror.LeaseNotPresentWithLeaseOperation,
		bloberror.LeaseIsBrokenAndCannotBeRenewed, bloberror.LeaseLost, bloberror.LeaseAlreadyBroken,
		bloberror.LeaseIDMismatchWithBlobOperation, bloberror.LeaseNotPresentWithBlobOperation,
		bloberror.BlobNotFound)
}

// LockLost implements state.LockWatcher.
func (b *Backend) LockLost() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.lock == nil {
		return nil
	}
	return b.lock.lost
}

// LockLostErr implements state.LockWatcher.
func (b *Backend) LockLostErr() error {
	b.mu.Lock()
	h := b.lock
	b.mu.Unlock()
	if h == nil {
		return nil
	}
	select {
	case <-h.lost:
		return h.lostErr
	default:
		return nil
	}
}

// Unlock implements state.Locker. The holder stops renewing, clears the
// lock's metadata and releases the lease; a lease that has already ended is
// no error. From another handle (force-unlock), the lease is broken when
// the blob's metadata names the lock id, on condition that the blob has not
// changed since that was read, so that a lock taken in between is kept.
func (b *Backend) Unlock(ctx context.Context, id string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	h := b.lock
	if h == nil {
		return b.forceUnlock(ctx, id)
	}
	if id != h.info.ID {
		return fmt.Errorf("unlock state: lock id %q does not match the lock held (%s)", id, h.info.ID)
	}
	close(h.stop)
	<-h.done
	b.lock = nil
	if h.isLost() {
		// Renewal failed for good: the lease was broken or taken, or it
		// ends by itself within moments. Asking a store that may have
		// gone would only hold the process.
		return nil
	}
	leased := &blob.LeaseAccessConditions{LeaseID: &h.leaseID}
	if err := b.setMetadata(ctx, map[string]*string{}, leased); err != nil {
		if leaseGone(err) {
			return nil // it ended by itself, or was broken: nothing to release
		}
		return b.fail("unlock state", err)
	}
	if _, err := h.lease.ReleaseLease(ctx, nil); err != nil && !leaseGone(err) {
		return b.fail("unlock state", err)
	}
	return nil
}

// forceUnlock frees a lock this handle does not hold. Caller holds b.mu.
func (b *Backend) forceUnlock(ctx context.Context, id string) error {
	props, err := b.blob.GetProperties(ctx, nil)
	if bloberror.HasCode(err, bloberror.BlobNotFound) {
		return fmt.Errorf("unlock state: no lock with id %q on %s: there is no state there", id, b.location)
	}
	if err != nil {
		return b.fail("unlock state", err)
	}
	holder := decodeInfo(props.Metadata)
	leased := props.LeaseState != nil && (*props.LeaseState == lease.StateTypeLeased || *props.LeaseState == lease.StateTypeBreaking)
	switch {
	case holder.ID == "" && leased:
		return fmt.Errorf("unlock state: no lock with id %q on %s: the blob is leased by something that left no lock details", id, b.location)
	case holder.ID == "":
		return fmt.Errorf("unlock state: no lock with id %q on %s: the state is not locked", id, b.location)
	case holder.ID != id:
		return fmt.Errorf("unlock state: no lock with id %q on %s: the lock there has id %s (%s, %s)", id, b.location, holder.ID, holder.Who, holder.Operation)
	}
	unchanged := &blob.ModifiedAccessConditions{IfMatch: props.ETag}
	if leased {
		lc, err := lease.NewBlobClient(b.blob, nil)
		if err != nil {
			return fmt.Errorf("unlock state %s: %w", b.location, err)
		}
		_, err = lc.BreakLease(ctx, &lease.BlobBreakOptions{BreakPeriod: ptr(int32(0)), ModifiedAccessConditions: unchanged})
		if bloberror.HasCode(err, bloberror.ConditionNotMet) {
			return fmt.Errorf("unlock state %s: the lock changed while it was being unlocked; run force-unlock again with the id it now shows", b.location)
		}
		if err != nil && !bloberror.HasCode(err, bloberror.LeaseNotPresentWithLeaseOperation) {
			return b.fail("unlock state", err)
		}
	}
	// Clear the details; if another run took the lock meanwhile, its own
	// details stay.
	_, err = b.blob.SetMetadata(ctx, map[string]*string{}, &blob.SetMetadataOptions{AccessConditions: &blob.AccessConditions{ModifiedAccessConditions: unchanged}})
	if err != nil && !bloberror.HasCode(err, bloberror.ConditionNotMet, bloberror.LeaseIDMissing) {
		return b.fail("unlock state", err)
	}
	return nil
}

// leaseIDFor is the lease id of lock id: the id itself when it is a UUID
// (as state.NewLockInfo makes them), else a UUID derived from it.
func leaseIDFor(id string) string {
	if u, err := uuid.Parse(id); err == nil {
		return u.String()
	}
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("attachform lock "+id)).String()
}

// Metadata keys of the lock's details. Azure metadata names are
// identifiers and values are ASCII, so values are query-escaped.
const (
	keyPrefix       = "attachformlock"
	keyLeaseSeconds = "attachformleaseseconds"
)

func encodeInfo(i state.LockInfo) map[string]*string {
	md := map[string]*string{}
	set := func(k, v string) {
		if v != "" {
			md[keyPrefix+k] = ptr(url.QueryEscape(v))
		}
	}
	set("id", i.ID)
	set("operation", i.Operation)
	set("who", i.Who)
	set("host", i.Host)
	set("runurl", i.RunURL)
	set("version", i.Version)
	if !i.Created.IsZero() {
		set("created", i.Created.UTC().Format(time.RFC3339Nano))
	}
	set("path", i.Path)
	return md
}

func decodeInfo(md map[string]*string) state.LockInfo {
	get := func(k string) string {
		v, _ := url.QueryUnescape(metadata(md, keyPrefix+k))
		return v
	}
	i := state.LockInfo{ID: get("id"), Operation: get("operation"), Who: get("who"), Host: get("host"),
		RunURL: get("runurl"), Version: get("version"), Path: get("path")}
	i.Created, _ = time.Parse(time.RFC3339Nano, get("created"))
	return i
}

// metadata looks a key up as Azure compares them: without case.
func metadata(md map[string]*string, key string) string {
	for k, v := range md {
		if strings.EqualFold(k, key) && v != nil {
			return *v
		}
	}
	return ""
}
