package main

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/internal/authmode"
	"github.com/attachform/attachform/internal/loopback"
	"github.com/attachform/attachform/spec"
)

// graphEndpoint is where the Graph client goes: the manifest's endpoint,
// unless ATTACHFORM_GRAPH_ENDPOINT overrides it (a CI dry run points
// unchanged manifests at "attachform emulator" that way).
func graphEndpoint(g *globals, gc spec.Graph) string {
	if override := g.getenv("ATTACHFORM_GRAPH_ENDPOINT"); override != "" {
		return override
	}
	return gc.Endpoint
}

// graphCredential builds the credential the graph block's auth names
// (internal/authmode's table; graph.NewCredential builds each). prompt
// shows a device-code sign-in's instructions. Nothing is sent until the
// first token is needed.
func graphCredential(gc spec.Graph, prompt func(message string) error) (azcore.TokenCredential, error) {
	return graph.NewCredential(graph.AuthConfig{
		Auth: gc.Auth, TenantID: gc.TenantID, ClientID: gc.ClientID, Cloud: gc.Cloud,
		DeviceCodePrompt: func(_ context.Context, message string) error { return prompt(message) },
	})
}

// appOnly says the plan's Graph sees an application, not a user: the
// auth signs in as one, and the endpoint is a real Graph (the emulator
// gets a placeholder token that is neither). The plan then warns about
// what Graph refuses to applications (To Do attachments).
func appOnly(g *globals, gc spec.Graph) bool {
	endpoint := graphEndpoint(g, gc)
	if endpoint == "emulator" || (endpoint != "" && loopback.Endpoint(endpoint)) {
		return false
	}
	m, ok := authmode.Lookup(gc.Auth)
	return ok && m.Identity == authmode.Application
}
