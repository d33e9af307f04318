package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/attachform/attachform/emulator"
)

type emulatorCommand struct{ g *globals }

func (c *emulatorCommand) Synopsis() string { return "Run a local Microsoft Graph for attachments" }

func (c *emulatorCommand) Help() string {
	return `Usage: attachform emulator [options]

  Serves attachform's Graph emulator until interrupted: messages, events,
  To Do tasks, their attachments and upload sessions, with Outlook's limits.
  The first line of output is the Graph base URL, for a manifest's
  graph { endpoint = "..." } or any other Graph client.

Options:

  -listen=ADDR      Address of the Graph origin (default 127.0.0.1, a free port).
  -data=DIR         Keep everything in DIR, so it survives a restart.
  -users=A,B        Mailboxes that exist at start; the first is /me.
                    Without it, the demo mailbox demo@contoso.example.
  -latency=D        Added to every request, e.g. 20ms.
  -faults=SPEC      Shares of requests that fail on purpose, e.g.
                    503=0.05,429=0.02,reset=0.01 (reset: the request takes
                    effect, then the connection drops before the answer).
  -limits=SPEC      Per-mailbox limits, any subset of
                    concurrency=4,requests=10000/10m,upload=150MB/5m,message=35MB,
                    or "off" for no throttling.
  -seed=N           Seed for ids, fault draws and $batch answer order.`
}

func (c *emulatorCommand) Run(args []string) int {
	g := c.g
	var opts emulator.Options
	var users, faults, limits string
	var latency durationFlag
	fs := newFlagSet("emulator")
	fs.StringVar(&opts.Listen, "listen", "", "")
	fs.StringVar(&opts.DataDir, "data", "", "")
	fs.StringVar(&users, "users", "", "")
	fs.Var(&latency, "latency", "")
	fs.StringVar(&faults, "faults", "", "")
	fs.StringVar(&limits, "limits", "", "")
	fs.Int64Var(&opts.Seed, "seed", 0, "")
	if code, done := parseFlags(g, fs, args, c.Help()); done {
		return code
	}
	var err error
	if opts.Faults, err = emulator.ParseFaults(faults); err != nil {
		fmt.Fprintf(g.std.err, "Error: -faults: %v\n", err)
		return exitError
	}
	opts.Faults.Latency += time.Duration(latency)
	if opts.Limits, err = emulator.ParseLimits(limits); err != nil {
		fmt.Fprintf(g.std.err, "Error: -limits: %v\n", err)
		return exitError
	}
	for _, u := range strings.Split(users, ",") {
		if u = strings.TrimSpace(u); u != "" {
			opts.Users = append(opts.Users, u)
		}
	}
	opts.Demo = len(opts.Users) == 0
	opts.Logger = g.log.Named("emulator")
	srv, err := emulator.New(opts)
	if err != nil {
		fmt.Fprintf(g.std.err, "Error: %v\n", err)
		return exitError
	}
	defer srv.Close()
	fmt.Fprintln(g.std.out, srv.URL())
	fmt.Fprintf(g.std.err, "Graph emulator serving on %s (upload origin %s). Interrupt to stop.\n", srv.URL(), srv.UploadOrigin())
	<-g.ctx.Done()
	return exitOK
}
