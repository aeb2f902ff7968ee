package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
)

// simCommands are `switchboard sim node|demo`.
var simCommands = []command{
	{name: "node", summary: "run one simulated FreeSWITCH node (fssim) speaking inbound ESL", run: runSimNode},
	{name: "demo", summary: "run a controller, fssim nodes, demo tenants, agents and callers on this machine", run: runSimDemo},
}

const simNodeUsage = `Usage: switchboard sim node [flags]

Runs fssim, the FreeSWITCH node simulator (a TEST INSTRUMENT, never a real
switch): it speaks inbound ESL on -listen and places simulated calls to a
controller's outbound socket address.
`

func runSimNode(ctx context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sim node", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8021", "inbound ESL address of the simulated node")
	password := fs.String("password", "ClueCon", "inbound ESL password")
	hostname := fs.String("hostname", "fssim", "FreeSWITCH-Hostname of the node")
	speed := fs.Float64("speed", 1, "divides every simulated duration (2 = twice as fast)")
	control := fs.String("control", "", "address of the JSON control API (register phones, place calls, drop the node); empty: none")
	noMusic := fs.Bool("no-music", false, "simulate a node without music on hold installed (local_stream show lists no stream)")
	gateways := fs.String("gateways", fssim.DefaultGateway, "comma-separated SIP gateways of profile external, as sofia status lists them; empty: none")
	fs.Usage = func() { fmt.Fprint(stderr, simNodeUsage+"\n"); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("sim node: unexpected argument %q", fs.Arg(0))}
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{ReplaceAttr: durationsAsText}))
	fmt.Fprintf(stdout, "fssim node %q: inbound ESL on %s (password %q)\n", *hostname, *listen, *password)
	cfg := fssim.Config{Listen: *listen, Password: *password, Hostname: *hostname, Speed: *speed,
		ControlListen: *control, Logger: log, NoMusic: *noMusic, NoGateways: *gateways == ""}
	if *gateways != "" {
		cfg.Gateways = strings.Split(*gateways, ",")
	}
	return fssim.Run(ctx, cfg)
}
