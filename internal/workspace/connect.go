package workspace

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/attachform/attachform/emulator"
	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/internal/authmode"
	"github.com/attachform/attachform/internal/loopback"
	"github.com/attachform/attachform/spec"
)

// connect builds the Graph client; endpoint "emulator" starts the embedded
// emulator, keeping its data under .attachform/ so runs see the same items.
// ATTACHFORM_GRAPH_ENDPOINT overrides the manifest's endpoint, so a CI dry
// run can point an unchanged manifest at "attachform emulator". A
// device-code sign-in shows its prompt on r.
func connect(env Env, r Reporter, gc spec.Graph) (*graph.Client, func(), error) {
	endpoint, closer := graphEndpoint(env, gc), func() {}
	var uploadOrigin string
	if endpoint != gc.Endpoint {
		env.Log.Info("graph endpoint overridden by ATTACHFORM_GRAPH_ENDPOINT", "endpoint", endpoint)
	}
	if endpoint == "emulator" {
		srv, err := emulator.New(emulator.Options{
			DataDir:             filepath.Join(env.Dir, ".attachform", "emulator"),
			Demo:                true,
			AutoCreateMailboxes: true,
			Logger:              env.Log.Named("emulator"),
		})
		if err != nil {
			return nil, nil, fmt.Errorf("start the embedded emulator: %w", err)
		}
		endpoint, closer = srv.URL(), func() { _ = srv.Close() }
		uploadOrigin = srv.UploadOrigin()
	}
	opts := graph.Options{
		Endpoint: endpoint,
		Cloud:    gc.Cloud,
		Logger:   env.Log.Named("graph"),
		// The embedded emulator's second origin; an external one's is
		// learnt from its first upload URL.
		UploadOrigin: uploadOrigin,
		Bounds: graph.Bounds{
			MaxRetryAfter: gc.MaxRetryAfter,
			IdleTimeout:   gc.IdleTimeout,
		},
		Limits: graph.MailboxLimits{
			Concurrency: gc.MailboxConcurrency,
			Requests:    gc.MailboxRequestLimit.N,
			RequestsPer: gc.MailboxRequestLimit.Per,
			UploadBytes: gc.MailboxUploadLimit.Bytes,
			UploadPer:   gc.MailboxUploadLimit.Per,
		},
	}
	if !loopback.Endpoint(endpoint) {
		cred, err := GraphCredential(gc, r.DeviceCode)
		if err != nil {
			closer()
			return nil, nil, err
		}
		opts.Credential = cred
	}
	client, err := graph.New(opts)
	if err != nil {
		closer()
		return nil, nil, err
	}
	return client, closer, nil
}

// graphEndpoint is where the Graph client goes: the manifest's endpoint,
// unless ATTACHFORM_GRAPH_ENDPOINT overrides it (a CI dry run points
// unchanged manifests at "attachform emulator" that way).
func graphEndpoint(env Env, gc spec.Graph) string {
	if override := env.Getenv("ATTACHFORM_GRAPH_ENDPOINT"); override != "" {
		return override
	}
	return gc.Endpoint
}

// GraphCredential builds the credential the graph block's auth names
// (internal/authmode's table; graph.NewCredential builds each). prompt
// shows a device-code sign-in's instructions. Nothing is sent until the
// first token is needed.
func GraphCredential(gc spec.Graph, prompt func(message string) error) (azcore.TokenCredential, error) {
	return graph.NewCredential(graph.AuthConfig{
		Auth: gc.Auth, TenantID: gc.TenantID, ClientID: gc.ClientID, Cloud: gc.Cloud,
		DeviceCodePrompt: func(_ context.Context, message string) error { return prompt(message) },
	})
}

// AppOnly says the plan's Graph sees an application, not a user: the
// auth signs in as one, and the endpoint is a real Graph (the emulator
// gets a placeholder token that is neither). The plan then warns about
// what Graph refuses to applications (To Do attachments).
func AppOnly(env Env, gc spec.Graph) bool {
	endpoint := graphEndpoint(env, gc)
	if endpoint == "emulator" || (endpoint != "" && loopback.Endpoint(endpoint)) {
		return false
	}
	m, ok := authmode.Lookup(gc.Auth)
	return ok && m.Identity == authmode.Application
}
