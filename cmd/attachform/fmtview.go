package main

import (
	"fmt"
	"io"
)

// fmtView is the fmt command's output.
type fmtView interface {
	commonView
	// Listed names a file that was not in the canonical layout.
	Listed(name string)
	// Diff shows how a file (or "<stdin>") changes.
	Diff(name string, old, new []byte)
	// Formatted is standard input, formatted ("attachform fmt -").
	Formatted(src []byte)
}

var fmtViews = viewSet[fmtView]{
	human: func(v *view) fmtView { return &fmtHuman{v} },
}

// fmtHuman writes file names, diffs and formatted input on stdout as
// terraform fmt does; problems are diagnostics on stderr.
type fmtHuman struct{ *view }

func (v *fmtHuman) Listed(name string) { fmt.Fprintln(v.out, name) }

func (v *fmtHuman) Diff(name string, old, new []byte) { writeUnifiedDiff(v.out, name, old, new) }

func (v *fmtHuman) Formatted(src []byte) { _, _ = v.out.Write(src) }

// writeUnifiedDiff writes the change from a to b as a unified diff with
// three lines of context, the format of diff -u.
func writeUnifiedDiff(w io.Writer, name string, a, b []byte) {
	al, bl := splitLines(a), splitLines(b)
	ops := diffLines(al, bl)
	fmt.Fprintf(w, "--- old/%s\n+++ new/%s\n", name, name)
	const context = 3
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		// A hunk: from context lines before this change to context lines
		// after the last change that is no more than 2*context away.
		start := max(i-context, 0)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*context {
				end = min(end+context, len(ops))
				break
			}
			end = run
		}
		aStart, bStart, aLen, bLen := ops[start].a, ops[start].b, 0, 0
		for _, op := range ops[start:end] {
			if op.kind != '+' {
				aLen++
			}
			if op.kind != '-' {
				bLen++
			}
		}
		fmt.Fprintf(w, "@@ -%s +%s @@\n", hunkRange(aStart, aLen), hunkRange(bStart, bLen))
		for _, op := range ops[start:end] {
			fmt.Fprintf(w, "%c%s\n", op.kind, op.text)
		}
		i = end
	}
}

func hunkRange(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	if n == 1 {
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}
