package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/attachform/attachform/graph"
	"github.com/hashicorp/go-hclog"
)

// newLogger builds the go-hclog logger: off unless ATTACHFORM_LOG names a
// level, written to ATTACHFORM_LOG_PATH or stderr. Every line passes through
// the redactor, so no package can leak a secret by logging it.
func newLogger(g *globals) (hclog.Logger, func(), error) {
	levelName := strings.TrimSpace(g.getenv("ATTACHFORM_LOG"))
	if levelName == "" || strings.EqualFold(levelName, "off") {
		return hclog.NewNullLogger(), func() {}, nil
	}
	level := hclog.LevelFromString(levelName)
	if level == hclog.NoLevel {
		return nil, nil, fmt.Errorf("ATTACHFORM_LOG=%q is not a level: use trace, debug, info, warn, error or off", levelName)
	}
	var out io.Writer = g.std.err
	closer := func() {}
	if path := g.getenv("ATTACHFORM_LOG_PATH"); path != "" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("ATTACHFORM_LOG_PATH: %w", err)
		}
		out = f
		closer = func() { _ = f.Close() }
	}
	logger := hclog.New(&hclog.LoggerOptions{
		Name:   "attachform",
		Level:  level,
		Output: redactingWriter{out},
	})
	return logger, closer, nil
}

// redactingWriter redacts each write; hclog writes one whole line per call.
type redactingWriter struct{ w io.Writer }

func (r redactingWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(r.w, graph.Redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

func redactText(s string) string { return graph.Redact(s) }
