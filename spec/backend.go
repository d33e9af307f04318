package spec

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// DefaultStatePath is the local backend's state file, relative to the
// config directory, when no backend block says otherwise.
const DefaultStatePath = "attachform.state.json"

var (
	storageAccountRE = regexp.MustCompile(`^[a-z0-9]{3,24}$`)
	containerRE      = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9]|-[a-z0-9]){2,62}$`)
)

// decodeBackend reads the backend block (literal values only, as in
// Terraform: a backend is set up before anything else is evaluated), merges
// -backend-config values over it and checks the result.
func (l *loader) decodeBackend() {
	be := &l.cfg.Backend
	if b := l.backendBlock; b != nil {
		be.Type, be.DeclRange = b.Labels[0], b.DefRange
		be.Attrs = map[string]string{}
		schema := backendSchemas[be.Type]
		if schema == nil {
			l.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unknown backend type",
				Detail:   fmt.Sprintf("There is no backend %q. Use \"local\" (a file next to the manifests) or \"azurerm\" (a blob in Azure Storage).%s", be.Type, suggest(be.Type, keys(backendSchemas))),
				Subject:  b.LabelRanges[0].Ptr(),
			})
			return
		}
		content, diags := b.Body.Content(schema)
		l.add(diags...)
		for _, name := range keys(content.Attributes) {
			a := content.Attributes[name]
			v, ok := l.literal(a, cty.String)
			if !ok || v.IsNull() {
				continue
			}
			be.Attrs[name] = v.AsString()
		}
	}
	if !l.mergeBackendConfig() {
		return
	}
	if be.Type == "local" && l.backendBlock != nil {
		if _, ok := be.Attrs["path"]; !ok {
			be.Attrs["path"] = DefaultStatePath
		}
	}
	l.checkBackend()
}

// mergeBackendConfig applies -backend-config options: KEY=VALUE pairs, or
// the path of a file of KEY = "VALUE" lines (relative to the config
// directory).
func (l *loader) mergeBackendConfig() bool {
	be := &l.cfg.Backend
	schema := backendSchemas[be.Type]
	ok := true
	set := func(k, v string, subject *hcl.Range) {
		if !hasAttr(schema, k) {
			l.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid -backend-config key",
				Detail:   fmt.Sprintf("The %s backend has no setting %q. Its settings are %s.", be.Type, k, attrNames(schema)),
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

func hasAttr(s *hcl.BodySchema, name string) bool {
	for _, a := range s.Attributes {
		if a.Name == name {
			return true
		}
	}
	return false
}

func attrNames(s *hcl.BodySchema) string {
	var names []string
	for _, a := range s.Attributes {
		names = append(names, a.Name)
	}
	return strings.Join(names, ", ")
}

// checkBackend checks the merged settings.
func (l *loader) checkBackend() {
	be := &l.cfg.Backend
	subject := be.DeclRange.Ptr()
	if l.backendBlock == nil {
		subject = nil
	}
	bad := func(summary, detail string) {
		l.add(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: subject})
	}
	switch be.Type {
	case "local":
		if strings.TrimSpace(be.Attrs["path"]) == "" {
			bad("Empty backend path", "The local backend needs a file path for the state, such as \"attachform.state.json\".")
		}
	case "azurerm":
		account, endpoint := be.Attrs["storage_account_name"], be.Attrs["endpoint"]
		switch {
		case account == "" && endpoint == "":
			bad("Missing storage account", "The azurerm backend needs storage_account_name, or endpoint (the blob service URL). Set one in the block or with -backend-config=storage_account_name=NAME.")
		case account != "" && endpoint != "":
			bad("Both storage_account_name and endpoint", "Give the azurerm backend either storage_account_name or endpoint, not both.")
		case account != "" && !storageAccountRE.MatchString(account):
			bad("Invalid storage_account_name", fmt.Sprintf("%q is not a storage account name: 3 to 24 lowercase letters and digits.", account))
		case endpoint != "":
			if u, err := url.Parse(endpoint); err != nil || u.Scheme != "https" || u.Host == "" {
				bad("Invalid backend endpoint", fmt.Sprintf("%q is not a blob service URL such as \"https://NAME.blob.core.windows.net\".", endpoint))
			}
		}
		switch c := be.Attrs["container_name"]; {
		case c == "":
			bad("Missing container_name", "The azurerm backend needs container_name: the blob container that holds the state. Set it in the block or with -backend-config=container_name=NAME.")
		case !containerRE.MatchString(c):
			bad("Invalid container_name", fmt.Sprintf("%q is not a container name: 3 to 63 lowercase letters, digits and single dashes, starting and ending with a letter or digit.", c))
		}
		if strings.TrimSpace(be.Attrs["key"]) == "" {
			bad("Missing key", "The azurerm backend needs key: the blob name of the state, such as \"attachform.state.json\". Set it in the block or with -backend-config=key=NAME.")
		}
	}
}
