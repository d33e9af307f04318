package views

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Diagnostics is the human rendering of diagnostics, the one place the
// CLI writes them as text: HCL's renderer on stderr, with the source
// snippet and the token at fault underlined (by colour on a terminal, by
// a line of carets otherwise). When GITHUB_ACTIONS=true, every diagnostic
// with a location is also written to stderr as a workflow command
// (::error file=…,line=…::…), so it shows on the pull request's diff.
func (v *View) Diagnostics(files map[string]*hcl.File, diags hcl.Diagnostics) {
	if len(diags) > 0 {
		useColor := v.errPal.on
		width := uint(0)
		if useColor {
			width = 78
		}
		// Each diagnostic is rendered into a buffer, given a caret line
		// under the token at fault when there is no colour to underline
		// it, and written in one piece.
		var out bytes.Buffer
		for _, d := range diags {
			var buf bytes.Buffer
			_ = hcl.NewDiagnosticTextWriter(&buf, files, width, useColor).WriteDiagnostic(d) // a buffer cannot fail
			text := buf.String()
			if !useColor {
				text = addCaret(text, files, d)
			}
			out.WriteString(text)
		}
		_, _ = v.err.Write(out.Bytes())
	}
	v.annotate(diags)
}

// jsonDiagnostics writes diagnostics as one document on stdout in the
// shape of terraform validate -json ({"valid", "error_count",
// "warning_count", "diagnostics": [...]}), whatever the diagnostics, and
// the GitHub annotations on stderr (stdout stays clean for the JSON).
func (v *View) jsonDiagnostics(files map[string]*hcl.File, diags hcl.Diagnostics) {
	enc := json.NewEncoder(v.out)
	enc.SetIndent("", "  ")
	if err := enc.Encode(newJSONReport(files, diags)); err != nil {
		v.Fail(fmt.Sprintf("writing diagnostics: %v", err))
	}
	v.annotate(diags)
}

// addCaret puts a line of carets under the subject in HCL's snippet: the
// snippet line is "NNNN: code" (the number right-aligned in four), and the carets go under the subject's
// columns (to the end of the line when the subject spans lines).
func addCaret(text string, files map[string]*hcl.File, d *hcl.Diagnostic) string {
	if d.Subject == nil || files[d.Subject.Filename] == nil {
		return text
	}
	s := *d.Subject
	prefix := fmt.Sprintf("%4d: ", s.Start.Line)
	lines := strings.SplitAfter(text, "\n")
	for i, line := range lines {
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		code := []rune(strings.TrimSuffix(line[len(prefix):], "\n"))
		start := min(max(s.Start.Column-1, 0), len(code))
		end := len(code)
		if s.End.Line == s.Start.Line {
			end = min(max(s.End.Column-1, start+1), len(code))
		}
		if start >= len(code) {
			return text
		}
		var caret strings.Builder
		caret.WriteString(strings.Repeat(" ", len(prefix)))
		for _, r := range code[:start] {
			if r == '\t' {
				caret.WriteRune('\t') // keep the alignment of tabs
			} else {
				caret.WriteByte(' ')
			}
		}
		caret.WriteString(strings.Repeat("^", max(end-start, 1)))
		caret.WriteByte('\n')
		lines = append(lines[:i+1], append([]string{caret.String()}, lines[i+1:]...)...)
		return strings.Join(lines, "")
	}
	return text
}

// JSONReport is the -json document, shaped as terraform validate -json.
type JSONReport struct {
	FormatVersion string           `json:"format_version"`
	Valid         bool             `json:"valid"`
	ErrorCount    int              `json:"error_count"`
	WarningCount  int              `json:"warning_count"`
	Diagnostics   []jsonDiagnostic `json:"diagnostics"`
}

type jsonDiagnostic struct {
	Severity string       `json:"severity"` // error, warning
	Summary  string       `json:"summary"`
	Detail   string       `json:"detail"`
	Range    *jsonRange   `json:"range,omitempty"`
	Snippet  *jsonSnippet `json:"snippet,omitempty"`
}

type jsonRange struct {
	Filename string  `json:"filename"`
	Start    jsonPos `json:"start"`
	End      jsonPos `json:"end"`
}

type jsonPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

type jsonSnippet struct {
	Context              string `json:"context,omitempty"` // the enclosing block, as `attachment "agenda"`
	Code                 string `json:"code"`              // the whole lines of the range
	StartLine            int    `json:"start_line"`
	HighlightStartOffset int    `json:"highlight_start_offset"` // in Code, bytes
	HighlightEndOffset   int    `json:"highlight_end_offset"`
}

func newJSONReport(files map[string]*hcl.File, diags hcl.Diagnostics) JSONReport {
	r := JSONReport{FormatVersion: "1.0", Diagnostics: []jsonDiagnostic{}}
	for _, d := range diags {
		r.Diagnostics = append(r.Diagnostics, newJSONDiagnostic(files, d))
		if d.Severity == hcl.DiagError {
			r.ErrorCount++
		} else {
			r.WarningCount++
		}
	}
	r.Valid = r.ErrorCount == 0
	return r
}

func newJSONDiagnostic(files map[string]*hcl.File, d *hcl.Diagnostic) jsonDiagnostic {
	jd := jsonDiagnostic{Severity: "error", Summary: d.Summary, Detail: d.Detail}
	if d.Severity != hcl.DiagError {
		jd.Severity = "warning"
	}
	if d.Subject == nil {
		return jd
	}
	s := *d.Subject
	jd.Range = &jsonRange{
		Filename: s.Filename,
		Start:    jsonPos{s.Start.Line, s.Start.Column, s.Start.Byte},
		End:      jsonPos{s.End.Line, s.End.Column, s.End.Byte},
	}
	f := files[s.Filename]
	if f == nil || s.Start.Byte > len(f.Bytes) || s.End.Byte > len(f.Bytes) || s.Start.Byte > s.End.Byte {
		return jd
	}
	lineStart := bytes.LastIndexByte(f.Bytes[:s.Start.Byte], '\n') + 1
	lineEnd := len(f.Bytes)
	if i := bytes.IndexByte(f.Bytes[s.End.Byte:], '\n'); i >= 0 {
		lineEnd = s.End.Byte + i
	}
	snip := &jsonSnippet{
		Code:                 string(f.Bytes[lineStart:lineEnd]),
		StartLine:            s.Start.Line,
		HighlightStartOffset: s.Start.Byte - lineStart,
		HighlightEndOffset:   s.End.Byte - lineStart,
	}
	if nav, ok := f.Nav.(interface{ ContextString(int) string }); ok {
		snip.Context = nav.ContextString(s.Start.Byte)
	}
	jd.Snippet = snip
	return jd
}

// annotate writes GitHub Actions workflow commands when GITHUB_ACTIONS=true,
// one line per diagnostic that has a location. Paths are made relative to
// GITHUB_WORKSPACE, where GitHub expects them.
func (v *View) annotate(diags hcl.Diagnostics) {
	if v.env("GITHUB_ACTIONS") != "true" {
		return
	}
	w := bufio.NewWriter(v.err)
	for _, d := range diags {
		if d.Subject == nil {
			continue
		}
		level := "error"
		if d.Severity != hcl.DiagError {
			level = "warning"
		}
		s := d.Subject
		msg := d.Summary
		if d.Detail != "" {
			msg += "\n\n" + d.Detail
		}
		fmt.Fprintf(w, "::%s file=%s,line=%d,col=%d,endLine=%d,endColumn=%d::%s\n",
			level, escapeProperty(v.annotationPath(s.Filename)), s.Start.Line, s.Start.Column, s.End.Line, s.End.Column, escapeData(msg))
	}
	_ = w.Flush()
}

func (v *View) annotationPath(name string) string {
	p := name
	if !filepath.IsAbs(p) {
		p = filepath.Join(v.dir, p)
	}
	base := v.env("GITHUB_WORKSPACE")
	if base == "" {
		base, _ = os.Getwd()
	}
	if rel, err := filepath.Rel(base, p); err == nil && !strings.HasPrefix(rel, "..") {
		p = rel
	}
	return filepath.ToSlash(p)
}

// escapeData and escapeProperty follow the workflow command syntax: % and
// line breaks are escaped in messages, and : and , too in properties.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
