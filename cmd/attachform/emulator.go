package main

import (
	"fmt"
	"path/filepath"

	"github.com/attachform/attachform/emulator"
	"github.com/attachform/attachform/internal/arguments"
	"github.com/attachform/attachform/internal/views"
)

type emulatorCommand struct{ g *globals }

func (c *emulatorCommand) Synopsis() string { return "Run a local Microsoft Graph for attachments" }

func (c *emulatorCommand) Help() string {
	return `Usage: attachform emulator [options]

  Serves attachform's Graph emulator until interrupted: messages, events,
  To Do tasks, their attachments and upload sessions, with Outlook's limits.
  The first line of output is the Graph base URL, for a manifest's
  graph { endpoint = "..." }, ATTACHFORM_GRAPH_ENDPOINT, or any other Graph
  client. As on Graph, every request to it needs "Authorization: Bearer
  TOKEN"; any token will do, and attachform sends one by itself.

  For a CI dry run of real manifests, -fixtures creates at start the items
  their data sources look up (see examples/dry-run). A script waits for
  -endpoint-file, which appears, complete, once the emulator listens:

      rm -f endpoint
      attachform emulator -fixtures fixtures.hcl -endpoint-file endpoint > log 2>&1 &
      until [ -s endpoint ]; do kill -0 $! || break; sleep 0.1; done
      ATTACHFORM_GRAPH_ENDPOINT=$(cat endpoint) attachform -chdir=attachments plan

Options:

  -listen=ADDR      Address of the Graph origin (default 127.0.0.1, a free port).
  -endpoint-file=FILE
                    Once listening, write the Graph base URL to FILE
                    (replaced atomically, mode 0600; removed at start and
                    on a clean stop), for scripts to wait on.
  -data=DIR         Keep everything in DIR, so it survives a restart.
  -users=A,B        Mailboxes that exist at start; the first is /me.
                    Without it (and without -fixtures), the demo mailbox
                    demo@contoso.example.
  -fixtures=FILE    Mailboxes and the messages, events, To Do lists and tasks
                    in them (by subject, name and title), with attachments
                    from files, created at start where missing. HCL, or its
                    JSON syntax for a FILE ending in .json. A mistake stops
                    the emulator before it starts, naming file and line.
  -latency=D        Server time every request takes, e.g. 300ms, spent
                    inside its mailbox's concurrency slot as on Graph: a
                    client that does not bound its requests per mailbox
                    meets 429s.
  -faults=SPEC      Shares of requests that fail on purpose, e.g.
                    503=0.05,429=0.02,reset=0.01 (reset: the request takes
                    effect, then the connection drops before the answer).
  -limits=SPEC      Per-mailbox limits, any subset of
                    concurrency=4,requests=10000/10m,upload=150MB/5m,message=35MB,
                    or "off" for no throttling.
  -seed=N           Seed for ids, fault draws and $batch answer order.
` + views.EmulatorViews.Help(20)
}

func (c *emulatorCommand) Run(args []string) int {
	g := c.g
	a, err := arguments.ParseEmulator(args)
	if code, done := parsed(g, err, c.Help()); done {
		return code
	}
	v, ok := views.EmulatorViews.Open(g.viewStreams(), a.View)
	if !ok {
		return exitError
	}
	opts := emulator.Options{Listen: a.Listen, DataDir: a.DataDir, Seed: a.Seed}
	if opts.Faults, err = emulator.ParseFaults(a.Faults); err != nil {
		v.UsageError(fmt.Errorf("-faults: %w", err), "")
		return exitError
	}
	opts.Faults.Latency += a.Latency
	if opts.Limits, err = emulator.ParseLimits(a.Limits); err != nil {
		v.UsageError(fmt.Errorf("-limits: %w", err), "")
		return exitError
	}
	opts.Users = emulator.ParseUsers(a.Users)
	if a.Fixtures != "" {
		fx, files, diags := emulator.LoadFixturesAs(g.dir, a.Fixtures, opts.Limits)
		v.Diagnostics(files, diags)
		if diags.HasErrors() {
			return exitError
		}
		opts.Fixtures = fx
	}
	endpointFile := a.EndpointFile
	if endpointFile != "" && !filepath.IsAbs(endpointFile) {
		endpointFile = filepath.Join(g.dir, endpointFile)
	}
	// A file left by an earlier run must not be taken for this one's.
	if err := emulator.RemoveEndpointFile(endpointFile); err != nil {
		v.Fail(fmt.Sprintf("-endpoint-file: %v", err))
		return exitError
	}
	opts.Demo = len(opts.Users) == 0 && opts.Fixtures == nil
	opts.Logger = g.log.Named("emulator")
	srv, err := emulator.New(opts)
	if err != nil {
		v.Fail(err.Error())
		return exitError
	}
	defer srv.Close()
	if endpointFile != "" {
		if err := emulator.WriteEndpointFile(endpointFile, srv.URL()); err != nil {
			v.Fail(fmt.Sprintf("-endpoint-file: %v", err))
			return exitError
		}
		defer func() { _ = emulator.RemoveEndpointFile(endpointFile) }()
	}
	v.Serving(srv.URL(), srv.UploadOrigin())
	<-g.ctx.Done()
	return exitOK
}
