package spec

import (
	"bytes"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// Format returns src in the canonical layout (hclwrite's, as terraform fmt
// uses): indentation, aligned equals signs, spacing. A file with syntax
// errors is returned unchanged with the diagnostics, since formatting a
// broken file could make it worse. filename appears in diagnostics.
func Format(src []byte, filename string) ([]byte, hcl.Diagnostics) {
	if _, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos); diags.HasErrors() {
		return src, diags
	}
	out := hclwrite.Format(src)
	// hclwrite keeps trailing blank lines; a formatted file ends with
	// exactly one newline.
	out = append(bytes.TrimRight(out, "\n"), '\n')
	if len(bytes.TrimSpace(out)) == 0 {
		return []byte{}, nil
	}
	return out, nil
}
