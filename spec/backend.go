package spec

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/attachform/attachform/internal/backendconf"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// LoadWithBackends is Load, with the backend block checked against
// backends: the type it names must be one of them and available, its
// settings (from the block and -backend-config) must be that type's and
// pass its Check, and settings not given take their defaults. Without a
// backend block the first of backends is used, with its defaults and any
// -backend-config values.
//
// Load itself checks the block against no type: it takes the block's
// settings as literal strings and merges -backend-config into them, with no
// defaults, and with no backend block Config.Backend.Type is empty. That
// suits callers that open no backend; those that do use LoadWithBackends.
//
// Package spec defines no backend: the caller says which types exist. The
// CLI passes the state registry's (state/backends.Declared), from which it
// also opens the backend, so that validate, plan and apply accept and
// refuse the same blocks.
func LoadWithBackends(ctx context.Context, dir string, opts LoadOptions, backends []backendconf.Type) (*Config, hcl.Diagnostics) {
	return NewManifests(dir).load(ctx, opts, backends)
}

// decodeBackend reads the backend block (literal values only, as in
// Terraform: a backend is set up before anything else is evaluated), merges
// -backend-config values over it and checks the result against its type.
func (l *loader) decodeBackend() {
	be := &l.cfg.Backend
	be.Attrs = map[string]string{}
	var bt *backendconf.Type
	if b := l.backendBlock; b != nil {
		be.Type, be.DeclRange = b.Labels[0], b.DefRange
		var attrs hcl.Attributes
		if l.backends == nil {
			var diags hcl.Diagnostics
			attrs, diags = b.Body.JustAttributes()
			l.add(diags...)
		} else {
			if bt = l.backendType(b); bt == nil {
				return
			}
			content, diags := b.Body.Content(backendSchema(bt))
			l.add(diags...)
			attrs = content.Attributes
		}
		for _, name := range keys(attrs) {
			v, ok := l.literal(attrs[name], cty.String)
			if ok && !v.IsNull() {
				be.Attrs[name] = v.AsString()
			}
		}
	} else if len(l.backends) > 0 {
		bt = &l.backends[0]
		be.Type = bt.Name
	}
	if !l.mergeBackendConfig(bt) || bt == nil {
		return
	}
	for _, s := range bt.Settings {
		if _, set := be.Attrs[s.Name]; !set && s.Default != "" {
			be.Attrs[s.Name] = s.Default
		}
	}
	if bt.Check == nil {
		return
	}
	var subject *hcl.Range
	if l.backendBlock != nil {
		subject = be.DeclRange.Ptr()
	}
	for _, p := range bt.Check(be.Attrs) {
		l.add(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: p.Summary, Detail: p.Detail, Subject: subject})
	}
}

// backendType finds the type block b names, or reports why there is none
// to use.
func (l *loader) backendType(b *hcl.Block) *backendconf.Type {
	name := b.Labels[0]
	var names, usable []string
	for i := range l.backends {
		bt := &l.backends[i]
		names = append(names, bt.Name)
		if bt.Unavailable == "" {
			usable = append(usable, fmt.Sprintf("%q (%s)", bt.Name, bt.Summary))
		}
	}
	for i := range l.backends {
		bt := &l.backends[i]
		if bt.Name != name {
			continue
		}
		if bt.Unavailable != "" {
			l.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Backend not available",
				Detail:   bt.Unavailable,
				Subject:  b.LabelRanges[0].Ptr(),
				Context:  b.DefRange.Ptr(),
			})
			return nil
		}
		return bt
	}
	l.add(&hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Unknown backend type",
		Detail:   fmt.Sprintf("There is no backend %q. Use %s.%s", name, strings.Join(usable, " or "), suggest(name, names)),
		Subject:  b.LabelRanges[0].Ptr(),
		Context:  b.DefRange.Ptr(),
	})
	return nil
}

// backendSchema is bt's block schema: every setting, none required
// (required ones are checked after -backend-config values are merged, so
// that a secret or an environment-specific value can stay out of git).
func backendSchema(bt *backendconf.Type) *hcl.BodySchema {
	s := &hcl.BodySchema{}
	for _, a := range bt.Settings {
		s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: a.Name})
	}
	return s
}

// mergeBackendConfig applies -backend-config options: KEY=VALUE pairs, or
// the path of a file of KEY = "VALUE" lines (relative to the config
// directory). With a type, only its settings are accepted.
func (l *loader) mergeBackendConfig(bt *backendconf.Type) bool {
	be := &l.cfg.Backend
	ok := true
	set := func(k, v string, subject *hcl.Range) {
		if bt != nil && !bt.Has(k) {
			l.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid -backend-config key",
				Detail:   fmt.Sprintf("The %s backend has no setting %q. Its settings are %s.", bt.Name, k, bt.SettingNames()),
				Subject:  subject,
			})
			ok = false
			return
		}
		be.Attrs[k] = v
	}
	for _, opt := range l.opts.BackendConfig {
		if k, v, isPair := strings.Cut(opt, "="); isPair {
			set(strings.TrimSpace(k), v, nil)
			continue
		}
		path := opt
		if !filepath.IsAbs(path) {
			path = filepath.Join(l.cfg.Dir, path)
		}
		f, diags := l.parseFile(path, opt, strings.HasSuffix(opt, ".json"))
		l.add(diags...)
		if f == nil {
			ok = false
			continue
		}
		attrs, diags := f.Body.JustAttributes()
		l.add(diags...)
		for _, name := range keys(attrs) {
			if v, good := l.literal(attrs[name], cty.String); good && !v.IsNull() {
				set(name, v.AsString(), attrs[name].NameRange.Ptr())
			}
		}
	}
	return ok
}
