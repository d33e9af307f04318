// Package azurite gives tests a fresh blob container in Azurite, the local
// Azure Storage emulator that .ci/run installs from npm and starts, so that
// the azurerm state backend is tested against a real blob service.
package azurite

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/google/uuid"
)

// EnvEndpoint names the variable that holds Azurite's blob service URL,
// such as http://127.0.0.1:10000/devstoreaccount1. .ci/run sets it.
const EnvEndpoint = "ATTACHFORM_TEST_AZURITE"

// Azurite's well-known development account and its documented key.
const (
	Account = "devstoreaccount1"
	Key     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// Endpoint returns Azurite's blob service URL. Without one the test is
// skipped with a loud message, or fails when CI is set: CI must run it.
func Endpoint(t testing.TB) string {
	t.Helper()
	e := strings.TrimSuffix(os.Getenv(EnvEndpoint), "/")
	if e != "" {
		return e
	}
	msg := "*** " + EnvEndpoint + " is not set: the azurerm backend is NOT tested against Azurite here. " +
		"Start it (npm install -g azurite@3.35.0; azurite-blob --blobHost 127.0.0.1 --blobPort 10000 --inMemoryPersistence --disableTelemetry --skipApiVersionCheck) " +
		"and set " + EnvEndpoint + "=http://127.0.0.1:10000/" + Account + ", as .ci/run does ***"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// Container creates a container with a fresh name in Azurite and returns
// the service endpoint and the container's name; it is deleted when the
// test ends.
func Container(t testing.TB) (endpoint, name string) {
	t.Helper()
	endpoint = Endpoint(t)
	name = "t-" + strings.ReplaceAll(uuid.NewString(), "-", "")[:20]
	c, err := Client(endpoint, name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(context.Background(), nil); err != nil {
		t.Fatalf("create container %s in Azurite at %s: %v", name, endpoint, err)
	}
	t.Cleanup(func() { _, _ = c.Delete(context.Background(), nil) })
	return endpoint, name
}

// Client is a client of the container name, signed with the account key.
func Client(endpoint, name string) (*container.Client, error) {
	cred, err := container.NewSharedKeyCredential(Account, Key)
	if err != nil {
		return nil, err
	}
	c, err := container.NewClientWithSharedKeyCredential(endpoint+"/"+name, cred, nil)
	if err != nil {
		return nil, fmt.Errorf("azurite client: %w", err)
	}
	return c, nil
}
