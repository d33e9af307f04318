// Package backend is how a kind of state backend is declared and opened:
// its manifest block (package backendconf's Type, which spec checks too)
// with the function that opens it, and the options it is opened with.
// Package backends lists every type one build knows; the backends
// themselves (state/local, state/azurerm) implement the contract of
// package state.
//
// The options are kept out of package state, whose root holds the model,
// the codec and the contract only: they carry the environment and an Entra
// ID credential, which the commands that open a backend supply.
package backend

import (
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/attachform/attachform/internal/backendconf"
	"github.com/attachform/attachform/state"
)

// Type is one kind of state backend: what its block takes, and how to
// open it.
type Type struct {
	backendconf.Type
	// Open returns the backend the settings describe, settings that Check
	// passed. It is nil for a type this build knows but cannot open yet;
	// Unavailable then says so.
	Open func(opts Options) (state.Backend, error)
}

// Options is what a backend is opened with.
type Options struct {
	// Dir is the configuration directory; relative paths in settings are
	// relative to it.
	Dir string
	// Settings are the block's settings merged with -backend-config,
	// defaults applied, as Type.Check passed them.
	Settings map[string]string
	// Getenv reads the environment the command runs in, where credentials
	// such as ARM_ACCESS_KEY come from; nil reads the process's.
	Getenv func(string) string
	// Credential returns the Entra ID credential the manifests' graph block
	// describes (the chain the Graph client uses), for backends in Azure
	// that the environment gives no key; it is called only then. Nil: such
	// a backend builds azidentity's default chain itself.
	Credential func() (azcore.TokenCredential, error)
	// Memory remembers on this machine the last serial of each lineage;
	// nil remembers nothing. A backend refuses to read a state whose
	// serial is lower than the last one it remembers, or recorded with the
	// state itself, with an error wrapping state.ErrSerialBackwards.
	Memory *state.SerialMemory
	// Force reads such a state anyway (-force), and makes it the latest.
	Force bool
}

// Env returns o.Getenv, or os.Getenv when it is nil.
func (o Options) Env() func(string) string {
	if o.Getenv == nil {
		return os.Getenv
	}
	return o.Getenv
}
