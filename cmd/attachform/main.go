// Command attachform reconciles Microsoft Graph file attachments with the
// manifests kept in git: plan shows what would change, apply makes it so.
package main

import (
	"context"
	"io"
	"os"

	"github.com/attachform/attachform/internal/interrupt"
	"github.com/attachform/attachform/internal/views"
)

func main() {
	std := streams{in: os.Stdin, out: os.Stdout, err: os.Stderr}
	// Interrupt notices are plain text on stderr; apply shows them on its
	// own view while it works (interrupt.Interrupts.Graceful).
	std.intr = interrupt.Catch(context.Background(), views.NewView(views.Streams{Out: std.out, Err: std.err}, true))
	code := run(std.intr.Context(), os.Args[1:], std, os.Environ())
	std.intr.Release()
	os.Exit(code)
}

// streams are the terminal the command talks to — its input, its output
// and its Ctrl-C; tests swap them.
type streams struct {
	in  io.Reader
	out io.Writer
	err io.Writer
	// intr stops apply gracefully on the first interrupt; nil when no
	// signals are caught (tests calling run), and then an interrupt is
	// only ever the cancellation of run's context.
	intr *interrupt.Interrupts
}
