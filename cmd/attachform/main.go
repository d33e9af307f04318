// Command attachform reconciles Microsoft Graph file attachments with the
// manifests kept in git: plan shows what would change, apply makes it so.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], streams{in: os.Stdin, out: os.Stdout, err: os.Stderr}, os.Environ())
	stop()
	os.Exit(code)
}

// streams are the terminal the command talks to; tests swap them.
type streams struct {
	in  io.Reader
	out io.Writer
	err io.Writer
}
