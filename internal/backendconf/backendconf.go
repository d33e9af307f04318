// Package backendconf declares the kinds of state backend a manifest's
// backend block can name: each type's label, the settings it takes with
// their defaults, the rules their values follow, and whether this build
// can use it.
//
// It is the one description both sides read: spec checks backend blocks
// against it (validate, plan and apply alike), and the state backends
// (package state/backend, listed by state/backends) declare themselves with
// it, so that a manifest validate accepts is one plan can open. It imports
// nothing of attachform and opens nothing.
package backendconf

import "strings"

// Type is one kind of state backend as a manifest's backend block names it.
type Type struct {
	// Name is the block's label: backend "local" { … }.
	Name string
	// Summary says in a few words where the state is kept, for people
	// choosing a type: "a file next to the manifests".
	Summary string
	// Settings are every setting the block and -backend-config may give,
	// in the order the documentation lists them. No other is accepted.
	Settings []Setting
	// Check reports what is wrong with settings merged from the block and
	// -backend-config, defaults applied: nothing when they are fine. Nil
	// means any values do.
	Check func(settings map[string]string) []Problem
	// Unavailable, when not empty, tells people in full sentences that the
	// type cannot be used in this version and what to use instead.
	// Manifests that name such a type are refused with these words.
	Unavailable string
}

// Setting is one setting of a backend block.
type Setting struct {
	Name string
	// Default is the value when neither the block nor -backend-config
	// gives one; "" for none.
	Default string
}

// Problem is one thing wrong with a backend's settings, for people: a
// short summary, and a detail in full sentences that says how to fix it.
type Problem struct {
	Summary, Detail string
}

// Has reports whether t takes a setting called name.
func (t *Type) Has(name string) bool {
	for _, s := range t.Settings {
		if s.Name == name {
			return true
		}
	}
	return false
}

// SettingNames lists t's settings for a message: "path, key".
func (t *Type) SettingNames() string {
	var names []string
	for _, s := range t.Settings {
		names = append(names, s.Name)
	}
	return strings.Join(names, ", ")
}
