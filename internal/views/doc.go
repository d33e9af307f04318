// Package views is attachform's view layer: commands decide what
// happened; views decide how it reads. Every byte attachform writes for a
// person or a program goes through a view (log lines go through
// go-hclog, and --help through the command framework, both onto the
// view's streams). The rules:
//
//   - stdout carries what a command produces: the plan, apply's progress
//     and outcome, validate's verdict, fmt's file list, diffs and output,
//     the emulator's URL, the version, and JSON documents. A program may
//     read it.
//   - stderr carries what is about the run: diagnostics, interrupt
//     notices, the emulator's status line, the sign-in prompt, GitHub
//     annotations.
//   - Colour comes from the palette (palette.go) and nowhere else, per
//     stream: only on a terminal, never with -no-color or NO_COLOR.
//   - Byte counts are written with internal/bytesize.
//   - Text that may quote an error from Graph is redacted (Errorf does it).
//   - No command writes to a stream itself.
//
// Each command's output is an interface (Plan, Apply, ...) with one
// implementation per kind of output: human text for every command, JSON
// where it exists, Markdown next. The command's Set lists them; a kind's
// flag (-json, -markdown) exists for a command exactly when its set has
// that kind, so a new kind is a new implementation and one entry in a set,
// and the command's code stays as it is.
//
// This package is the only one that writes to the terminal: the command
// hands it the streams (Streams) and nothing else writes to them
// (TestOutputGoesThroughViews checks the module's source for it).
package views
