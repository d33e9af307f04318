package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/attachform/attachform/emulator"
	"github.com/attachform/attachform/spec/spectest"
)

// TestInvalidCorpusNeverReachesGraph runs plan and validate on every broken
// manifest of spec's corpus, with Graph pointed at an emulator: each fails
// with exit 1, names its problems, and the emulator sees not one request
// from it (counted per command, so one case that reaches Graph fails
// alone).
func TestInvalidCorpusNeverReachesGraph(t *testing.T) {
	srv, err := emulator.New(emulator.Options{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, name := range spectest.Names(t) {
		t.Run(name, func(t *testing.T) {
			c := spectest.Prepare(t, name)
			var args []string
			for _, v := range c.Vars {
				args = append(args, "-var="+v)
			}
			for _, v := range c.VarFiles {
				args = append(args, "-var-file="+v)
			}
			for _, v := range c.BackendConfig {
				args = append(args, "-backend-config="+v)
			}
			environ := append([]string{"ATTACHFORM_GRAPH_ENDPOINT=" + srv.URL()}, c.Environ...)
			for _, command := range [][]string{append([]string{"plan", "-no-color"}, args...), {"validate", "-no-color"}} {
				if command[0] == "validate" {
					command = append(command, args...)
				}
				var out, errOut bytes.Buffer
				// Counted around each command: a shared total would fail every
				// case after the first that reached Graph, not that one.
				before := srv.Stats().Requests.Total
				code := run(context.Background(), append([]string{"-chdir=" + c.Dir}, command...),
					streams{in: strings.NewReader(""), out: &out, err: &errOut}, environ)
				if n := srv.Stats().Requests.Total - before; n != 0 {
					t.Errorf("%s sent the emulator %d requests", command[0], n)
				}
				if code != exitError {
					t.Errorf("%s exited %d, want 1\n%s%s", command[0], code, out.String(), errOut.String())
				}
				for _, line := range c.Want {
					if strings.HasPrefix(line, "warning: ") {
						continue
					}
					summary := line[strings.LastIndex(line, ": ")+2:]
					if !strings.Contains(errOut.String(), summary) {
						t.Errorf("%s does not report %q:\n%s", command[0], summary, errOut.String())
					}
				}
			}
		})
	}
}
