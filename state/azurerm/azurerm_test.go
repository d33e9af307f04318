package azurerm

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/lease"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"
	"github.com/attachform/attachform/internal/azurite"
	"github.com/attachform/attachform/state"
	"github.com/attachform/attachform/state/backend"
	"github.com/attachform/attachform/state/statetest"
)

// handle opens the backend on key in the container, as another run would.
func handle(t *testing.T, c *container.Client, key string) *Backend {
	t.Helper()
	b := New(c, key)
	b.MinWriteInterval = 0
	return b
}

func testContainer(t *testing.T) *container.Client {
	t.Helper()
	endpoint, name := azurite.Container(t)
	c, err := azurite.Client(endpoint, name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConformance(t *testing.T) {
	c := testContainer(t)
	statetest.Run(t, func(t *testing.T, name string) state.Backend {
		return handle(t, c, "states/"+name+".json")
	})
}

// The lease is renewed while its holder lives: well past its duration,
// another run still cannot take the lock and the holder still writes.
func TestLeaseIsRenewedWhileTheHolderLives(t *testing.T) {
	ctx := context.Background()
	c := testContainer(t)
	holder := handle(t, c, "renewed.json")
	holder.LeaseDuration = 15 * time.Second
	info := state.NewLockInfo("apply", "test")
	if err := holder.Lock(ctx, info); err != nil {
		t.Fatal(err)
	}
	if _, err := holder.Read(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(22 * time.Second)
	if err := handle(t, c, "renewed.json").Lock(ctx, state.NewLockInfo("apply", "test")); !errors.Is(err, state.ErrLocked) {
		t.Fatalf("another run's Lock after 22 s of a 15 s lease = %v; want ErrLocked", err)
	}
	select {
	case <-holder.LockLost():
		t.Fatalf("the lock was lost: %v", holder.LockLostErr())
	default:
	}
	if err := state.Persist(ctx, holder, state.New(), "test"); err != nil {
		t.Fatalf("holder's write after 22 s: %v", err)
	}
	if err := holder.Unlock(ctx, info.ID); err != nil {
		t.Fatal(err)
	}
}

// A holder that dies leaves its lease to run out: the next run, waiting
// with a timeout, gets the lock within the lease's duration and no
// force-unlock.
func TestADeadHoldersLockEndsByItself(t *testing.T) {
	ctx := context.Background()
	c := testContainer(t)
	dead := handle(t, c, "dead.json")
	dead.LeaseDuration = 15 * time.Second
	info := state.NewLockInfo("apply", "test")
	if err := dead.Lock(ctx, info); err != nil {
		t.Fatal(err)
	}
	// The process dies: renewal stops, nothing is released.
	close(dead.lock.stop)
	<-dead.lock.done
	start := time.Now()

	next := handle(t, c, "dead.json")
	err := next.Lock(ctx, state.NewLockInfo("apply", "test"))
	var le *state.LockError
	if !errors.As(err, &le) || le.Info.ID != info.ID || !strings.Contains(le.Error(), "ends by itself") {
		t.Fatalf("Lock while the dead holder's lease runs = %v; want a LockError naming %s and saying the lease ends by itself", err, info.ID)
	}
	mine := state.NewLockInfo("apply", "test")
	if err := state.Acquire(ctx, next, mine, 40*time.Second); err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	if waited := time.Since(start); waited > 20*time.Second {
		t.Fatalf("the lock came free after %s; the lease is 15 s", waited)
	}
	if _, err := next.Read(ctx); err != nil {
		t.Fatal(err)
	}
	if err := state.Persist(ctx, next, state.New(), "test"); err != nil {
		t.Fatal(err)
	}
	if err := next.Unlock(ctx, mine.ID); err != nil {
		t.Fatal(err)
	}
}

// force-unlock breaks the lease; the holder learns it at its next renewal,
// and its writes are refused from then on.
func TestForceUnlockBreaksTheLeaseAndTheHolderLearnsIt(t *testing.T) {
	ctx := context.Background()
	c := testContainer(t)
	holder := handle(t, c, "forced.json")
	holder.LeaseDuration = 15 * time.Second
	info := state.NewLockInfo("apply", "test")
	if err := holder.Lock(ctx, info); err != nil {
		t.Fatal(err)
	}
	if _, err := holder.Read(ctx); err != nil {
		t.Fatal(err)
	}
	lost := holder.LockLost()

	other := handle(t, c, "forced.json")
	if err := other.Unlock(ctx, "00000000-0000-0000-0000-000000000000"); err == nil || !strings.Contains(err.Error(), info.ID) {
		t.Fatalf("force-unlock with a wrong id = %v; want an error naming the lock's id", err)
	}
	if err := other.Unlock(ctx, info.ID); err != nil {
		t.Fatalf("force-unlock: %v", err)
	}
	select {
	case <-lost:
	case <-time.After(15 * time.Second):
		t.Fatal("the holder did not learn within a lease that its lock was broken")
	}
	if err := holder.LockLostErr(); err == nil || !strings.Contains(err.Error(), "broken") {
		t.Fatalf("LockLostErr = %v; want it to say the lease was broken", err)
	}
	third := handle(t, c, "forced.json")
	next := state.NewLockInfo("apply", "test")
	if err := third.Lock(ctx, next); err != nil {
		t.Fatalf("Lock after force-unlock: %v", err)
	}
	if err := state.Persist(ctx, holder, state.New(), "test"); err == nil {
		t.Fatal("the old holder wrote after its lock was broken and taken")
	}
	if err := holder.Unlock(ctx, info.ID); err != nil {
		t.Fatalf("the old holder's Unlock of a lost lock: %v", err)
	}
	if err := third.Unlock(ctx, next.ID); err != nil {
		t.Fatal(err)
	}
}

// A run without the lock (-lock=false) cannot write over a held lock, and
// learns who holds it.
func TestAWriteWithoutTheLeaseIsRefused(t *testing.T) {
	ctx := context.Background()
	c := testContainer(t)
	holder := handle(t, c, "leased.json")
	info := state.NewLockInfo("apply", "test")
	if err := holder.Lock(ctx, info); err != nil {
		t.Fatal(err)
	}
	defer holder.Unlock(ctx, info.ID)
	intruder := handle(t, c, "leased.json")
	if _, err := intruder.Read(ctx); err != nil {
		t.Fatal(err)
	}
	err := state.Persist(ctx, intruder, state.New(), "test")
	var le *state.LockError
	if !errors.As(err, &le) || le.Info.ID != info.ID {
		t.Fatalf("write without the lease = %v; want a LockError naming %s", err, info.ID)
	}
}

// The blob's metadata says who holds the lock while it is held, and
// nothing once it is released; the state written under it is unchanged by
// both.
func TestLockDetailsLiveInTheMetadata(t *testing.T) {
	ctx := context.Background()
	c := testContainer(t)
	b := handle(t, c, "meta.json")
	info := state.NewLockInfo("apply", "v9")
	info.Who, info.Host = "runner@fv-az123", "fv-az123"
	info.RunURL = "https://github.com/contoso/attachments/actions/runs/7"
	if err := b.Lock(ctx, info); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Read(ctx); err != nil {
		t.Fatal(err)
	}
	want := state.New()
	if err := state.Persist(ctx, b, want, "v9"); err != nil {
		t.Fatal(err)
	}
	props, err := c.NewBlobClient("meta.json").GetProperties(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := decodeInfo(props.Metadata)
	if got.ID != info.ID || got.Operation != "apply" || got.Who != info.Who || got.Host != info.Host ||
		got.RunURL != info.RunURL || got.Version != "v9" || !got.Created.Equal(info.Created) {
		t.Fatalf("metadata after a write under the lock = %+v; want %+v", got, info)
	}
	if metadata(props.Metadata, keyLeaseSeconds) != "60" {
		t.Fatalf("lease seconds in metadata = %q, want 60", metadata(props.Metadata, keyLeaseSeconds))
	}
	if props.LeaseState == nil || *props.LeaseState != lease.StateTypeLeased {
		t.Fatalf("lease state %v, want leased", props.LeaseState)
	}
	if err := b.Unlock(ctx, info.ID); err != nil {
		t.Fatal(err)
	}
	props, err = c.NewBlobClient("meta.json").GetProperties(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(props.Metadata) != 0 || *props.LeaseState != lease.StateTypeAvailable {
		t.Fatalf("after Unlock: metadata %v, lease %v; want none, available", props.Metadata, *props.LeaseState)
	}
	// Unlocking changed the blob's metadata: this handle still knows it
	// and may write without reading again.
	if err := state.Persist(ctx, b, want, "v9"); err != nil {
		t.Fatalf("write after Unlock by the same handle: %v", err)
	}
	got2, err := handle(t, c, "meta.json").Read(ctx)
	if err != nil || got2.Serial != 2 || got2.Lineage != want.Lineage {
		t.Fatalf("read back = %+v, %v; want serial 2", got2, err)
	}
}

// Writes closer together than MinWriteInterval wait; NextWrite says until
// when.
func TestWritesArePaced(t *testing.T) {
	ctx := context.Background()
	c := testContainer(t)
	b := New(c, "paced.json")
	b.MinWriteInterval = 400 * time.Millisecond
	if !b.NextWrite().IsZero() {
		t.Fatal("NextWrite before any write is not the zero time")
	}
	s := state.New()
	start := time.Now()
	for range 3 {
		if err := state.Persist(ctx, b, s, "test"); err != nil {
			t.Fatal(err)
		}
	}
	if took := time.Since(start); took < 800*time.Millisecond {
		t.Fatalf("three writes took %s; with 400 ms between writes they take at least 800 ms", took)
	}
	if next := b.NextWrite(); time.Until(next) <= 0 || time.Until(next) > 400*time.Millisecond {
		t.Fatalf("NextWrite right after a write is %s from now; want within the next 400 ms", time.Until(next))
	}
}

// Errors from Azure say what to do in a line, not in a page of headers.
func TestErrorsAreNormalised(t *testing.T) {
	ctx := context.Background()
	endpoint, name := azurite.Container(t)
	missing, err := azurite.Client(endpoint, "no-such-container")
	if err != nil {
		t.Fatal(err)
	}
	_, err = handle(t, missing, "s.json").Read(ctx)
	if err == nil || !strings.Contains(err.Error(), "the container does not exist") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("Read from a missing container = %v; want one line saying the container does not exist", err)
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing container's error is not os.ErrNotExist: %v", err)
	}
	wrongKey, err := ContainerClient(backend.Options{
		Settings: map[string]string{"endpoint": endpoint, "container_name": name, "key": "s.json"},
		Getenv:   env(EnvAccessKey, strings.Repeat("A", 86)+"=="),
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(wrongKey, "s.json").Read(ctx)
	if err == nil || !strings.Contains(err.Error(), "credentials were refused") || !strings.Contains(err.Error(), "ARM_ACCESS_KEY") {
		t.Fatalf("Read with a wrong key = %v; want it to say the credentials were refused", err)
	}
	if !errors.Is(err, os.ErrPermission) {
		t.Errorf("refused credentials' error is not os.ErrPermission: %v", err)
	}
}

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// Credentials come in Terraform's order: ARM_ACCESS_KEY, then
// ARM_SAS_TOKEN, then Entra ID (asked for only when neither is set).
func TestOpenTakesCredentialsInTerraformsOrder(t *testing.T) {
	ctx := context.Background()
	endpoint, name := azurite.Container(t)
	key, err := container.NewSharedKeyCredential(azurite.Account, azurite.Key)
	if err != nil {
		t.Fatal(err)
	}
	q, err := sas.BlobSignatureValues{
		Protocol: sas.ProtocolHTTPSandHTTP, ExpiryTime: time.Now().Add(time.Hour), ContainerName: name,
		Permissions: (&sas.ContainerPermissions{Read: true, Add: true, Create: true, Write: true, Delete: true}).String(),
	}.SignWithSharedKey(key)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{"endpoint": endpoint, "container_name": name, "key": "creds.json"}
	works := func(what string, getenv func(string) string) {
		t.Helper()
		asked := false
		b, err := Type.Open(backend.Options{Settings: settings, Getenv: getenv, Credential: func() (azcore.TokenCredential, error) {
			asked = true
			return nil, errors.New("no identity here")
		}})
		if err != nil {
			t.Fatalf("%s: Open: %v", what, err)
		}
		if _, err := b.Read(ctx); err != nil {
			t.Fatalf("%s: Read: %v", what, err)
		}
		if asked {
			t.Fatalf("%s: Entra ID was asked for although the environment has a credential", what)
		}
	}
	works("key", env(EnvAccessKey, azurite.Key))
	works("key before a bad SAS token", env(EnvAccessKey, azurite.Key, EnvSASToken, "sv=2020-01-01&sig=bad"))
	works("SAS token", env(EnvSASToken, "?"+q.Encode()))

	asked := false
	_, err = Type.Open(backend.Options{Settings: settings, Getenv: env(), Credential: func() (azcore.TokenCredential, error) {
		asked = true
		return nil, errors.New("no identity here")
	}})
	if !asked || err == nil || !strings.Contains(err.Error(), EnvAccessKey) || !strings.Contains(err.Error(), "no identity here") {
		t.Fatalf("Open with no key and no token = %v (Entra ID asked: %v); want the Entra ID error, naming %s", err, asked, EnvAccessKey)
	}
}

// A state blob restored from an older copy (a lower serial than this
// machine wrote for its lineage) is refused, unless Force makes it stand.
func TestAnOlderStateIsRefused(t *testing.T) {
	ctx := context.Background()
	c := testContainer(t)
	memory := &state.SerialMemory{Dir: t.TempDir()}
	b := handle(t, c, "restored.json")
	b.Memory = memory
	st := state.New()
	for range 3 {
		if err := state.Persist(ctx, b, st, "test"); err != nil {
			t.Fatal(err)
		}
	}
	// Someone puts serial 1 of the same lineage back.
	old := st.Clone()
	old.Serial = 1
	other := handle(t, c, "restored.json")
	if _, err := other.Read(ctx); err != nil {
		t.Fatal(err)
	}
	if err := other.Write(ctx, old); err != nil {
		t.Fatal(err)
	}
	again := handle(t, c, "restored.json")
	again.Memory = memory
	if _, err := again.Read(ctx); !errors.Is(err, state.ErrSerialBackwards) {
		t.Fatalf("Read of a restored older state = %v; want ErrSerialBackwards", err)
	}
	again.Force = true
	got, err := again.Read(ctx)
	if err != nil || got.Serial != 1 {
		t.Fatalf("Read with Force = %+v, %v; want serial 1", got, err)
	}
	if last, _ := memory.Last(st.Lineage); last != 1 {
		t.Fatalf("after Force the machine remembers serial %d, want 1", last)
	}
}
