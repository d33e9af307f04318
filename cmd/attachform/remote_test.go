package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/lease"
	"github.com/attachform/attachform/internal/azurite"
	"github.com/attachform/attachform/state"
	"github.com/google/uuid"
	"github.com/rogpeppe/go-internal/testscript"
)

// scriptCondition knows [azurite]: Azurite is running (.ci/run starts it
// and sets ATTACHFORM_TEST_AZURITE). Outside CI a script without it skips
// with its own message; under CI its absence fails the script, so that a
// CI that forgot Azurite cannot pass by skipping.
func scriptCondition(cond string) (bool, error) {
	switch cond {
	case "azurite":
		if os.Getenv(azurite.EnvEndpoint) != "" {
			return true, nil
		}
		if os.Getenv("CI") != "" {
			return false, fmt.Errorf("CI must set %s (.ci/run starts Azurite): the azurerm scripts would not run", azurite.EnvEndpoint)
		}
		return false, nil
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}

// cmdAzurite makes a fresh container in Azurite for the script and sets
// AZURITE (the blob service URL), CONTAINER and ARM_ACCESS_KEY, the
// development account's key, as attachform reads it.
//
//	azurite
func cmdAzurite(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: azurite")
	}
	endpoint := strings.TrimSuffix(os.Getenv(azurite.EnvEndpoint), "/")
	if endpoint == "" {
		ts.Fatalf("azurite: %s is not set ([azurite] skip first)", azurite.EnvEndpoint)
	}
	name := "s-" + strings.ReplaceAll(uuid.NewString(), "-", "")[:20]
	c, err := azurite.Client(endpoint, name)
	ts.Check(err)
	_, err = c.Create(context.Background(), nil)
	ts.Check(err)
	ts.Defer(func() { _, _ = c.Delete(context.Background(), nil) })
	ts.Setenv("AZURITE", endpoint)
	ts.Setenv("CONTAINER", name)
	ts.Setenv("ARM_ACCESS_KEY", azurite.Key)
}

// scriptBlob is the blob KEY of the script's container, read with the SDK
// directly: the checks share nothing with the backend under test.
func scriptBlob(ts *testscript.TestScript, key string) *blob.Client {
	c, err := azurite.Client(ts.Getenv("AZURITE"), ts.Getenv("CONTAINER"))
	ts.Check(err)
	return c.NewBlobClient(key)
}

// cmdRemoteState checks the state blob KEY in the script's container: it
// parses, has a lineage and a serial, holds no upload URL, write-ahead
// intent or session, no lock (no lease, no lock details), and records
// exactly the given addresses, each with its file's digest and length.
//
//	remotestate prod.json attachment.agenda=site/files/agenda.md
func cmdRemoteState(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: remotestate KEY [ADDRESS=FILE ...]")
	}
	b := scriptBlob(ts, args[0])
	resp, err := b.DownloadStream(context.Background(), nil)
	ts.Check(err)
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	ts.Check(err)
	st, err := state.Decode(bytes.NewReader(raw))
	ts.Check(err)
	if st.Lineage == "" || st.Serial == 0 {
		ts.Fatalf("the state blob has lineage %q, serial %d", st.Lineage, st.Serial)
	}
	if len(st.Sessions) > 0 || len(st.Intents) > 0 || bytes.Contains(raw, []byte("attachmentsessions")) || bytes.Contains(raw, []byte("uploadSession")) {
		ts.Fatalf("the state blob still holds %d upload sessions and %d intents:\n%s", len(st.Sessions), len(st.Intents), raw)
	}
	if resp.LeaseState != nil && *resp.LeaseState != lease.StateTypeAvailable && *resp.LeaseState != lease.StateTypeExpired && *resp.LeaseState != lease.StateTypeBroken {
		ts.Fatalf("the state blob is still leased (%s)", *resp.LeaseState)
	}
	for k := range resp.Metadata {
		if strings.Contains(strings.ToLower(k), "lock") {
			ts.Fatalf("the state blob still carries lock details: %s", k)
		}
	}
	stateRecords(ts, st, args[1:], "the state blob")
	ts.Logf("state blob: lineage %s, serial %d, %d attachments", st.Lineage, st.Serial, len(st.Attachments))
}

// cmdLease checks whether the state blob KEY is leased (a lock held, or
// left by a killed run until the lease runs out), and with "held VAR" sets
// VAR to the lock's id from the blob's metadata.
//
//	lease prod.json held LOCKID
//	lease prod.json free
func cmdLease(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || (args[1] != "held" && args[1] != "free") {
		ts.Fatalf("usage: lease KEY held [VAR] | lease KEY free")
	}
	props, err := scriptBlob(ts, args[0]).GetProperties(context.Background(), nil)
	if bloberror.HasCode(err, bloberror.BlobNotFound) && args[1] == "free" {
		return
	}
	ts.Check(err)
	held := props.LeaseState != nil && *props.LeaseState == lease.StateTypeLeased
	if held != (args[1] == "held") {
		ts.Fatalf("lease state of %s is %v, want %s", args[0], *props.LeaseState, args[1])
	}
	if len(args) == 3 {
		id := ""
		for k, v := range props.Metadata {
			if strings.EqualFold(k, "attachformlockid") && v != nil {
				id, _ = url.QueryUnescape(*v)
			}
		}
		if id == "" {
			ts.Fatalf("%s is leased but names no lock id", args[0])
		}
		ts.Setenv(args[2], id)
	}
}

// cmdLiveID sets VAR to the Graph id of the attachment NAME on an item of
// the emulator, as a person would copy it from Graph Explorer.
//
//	liveid site demo@contoso.example event 'Quarterly all hands' agenda.md ID
func cmdLiveID(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 6 {
		ts.Fatalf("usage: liveid DIR MAILBOX KIND SUBJECT NAME VAR")
	}
	item, stop := emulatedItem(ts, args[0], args[1], args[2], args[3])
	defer stop()
	var atts struct {
		Value []struct{ ID, Name string } `json:"value"`
	}
	getJSON(ts, item+"?$select=id,name", &atts)
	for _, a := range atts.Value {
		if a.Name == args[4] {
			ts.Setenv(args[5], a.ID)
			return
		}
	}
	ts.Fatalf("no attachment named %s on the %s %q", args[4], args[2], args[3])
}
