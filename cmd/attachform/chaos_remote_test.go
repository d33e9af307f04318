package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/attachform/attachform/internal/azurite"
)

// chaosRemoteRuns bounds the killed applies of the chaos test with the
// state in Azurite: each is paced by the blob's writes and followed by a
// force-unlock.
const chaosRemoteRuns = 10

// chaosRemote is the state blob of a chaos run in Azurite.
type chaosRemote struct {
	endpoint, container string
	blob                *blob.Client
}

const chaosKey = "chaos.attachform.json"

func newChaosRemote(t *testing.T) *chaosRemote {
	endpoint, container := azurite.Container(t)
	c, err := azurite.Client(endpoint, container)
	if err != nil {
		t.Fatal(err)
	}
	return &chaosRemote{endpoint: endpoint, container: container, blob: c.NewBlobClient(chaosKey)}
}

// backendBlock is the manifests' backend block.
func (w *chaosWorld) backendBlock() string {
	if w.remote == nil {
		return "\nbackend \"local\" {\n  path = \"attachform.state.json\"\n}\n"
	}
	return fmt.Sprintf("\nbackend \"azurerm\" {\n  endpoint       = %q\n  container_name = %q\n  key            = %q\n}\n",
		w.remote.endpoint, w.remote.container, chaosKey)
}

// stateBytes reads the state as stored: the file, or the blob.
func (w *chaosWorld) stateBytes() ([]byte, error) {
	if w.remote == nil {
		return os.ReadFile(filepath.Join(w.dir, "attachform.state.json"))
	}
	resp, err := w.remote.blob.DownloadStream(context.Background(), nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// unlockKilled frees the lock a killed apply left on the blob, with
// force-unlock and the id the blob's metadata names, as the lock's message
// tells people to. A local lock went with the process.
func (w *chaosWorld) unlockKilled(ctx context.Context) {
	if w.remote == nil {
		return
	}
	props, err := w.remote.blob.GetProperties(ctx, nil)
	if err != nil {
		w.t.Fatalf("the state blob after a killed apply: %v", err)
	}
	id := ""
	for k, v := range props.Metadata {
		if strings.EqualFold(k, "attachformlockid") && v != nil {
			id, _ = url.QueryUnescape(*v)
		}
	}
	if id == "" {
		return // killed before it locked, or its lock ended
	}
	cmd := exec.CommandContext(ctx, chaosBinary(), "-chdir="+w.dir, "force-unlock", "-force", id)
	cmd.Env = w.environ(99)
	if out, err := cmd.CombinedOutput(); err != nil {
		w.t.Fatalf("force-unlock %s after a killed apply: %v\n%s", id, err, out)
	}
}
