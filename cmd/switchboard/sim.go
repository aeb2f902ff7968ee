package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
)

const simUsage = `Usage: switchboard sim node [flags]

Runs fssim, the FreeSWITCH node simulator (a TEST INSTRUMENT, never a real
switch): it speaks inbound ESL on -listen and places simulated calls to a
controller's outbound socket address.
`

func runSim(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "demo" {
		return runSimDemo(ctx, args[1:], getenv, stdout, stderr)
	}
	if len(args) == 0 || args[0] != "node" {
		fmt.Fprint(stderr, simUsage)
		return errors.New("sim: want a subcommand: node")
	}
	fs := flag.NewFlagSet("sim node", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8021", "inbound ESL address of the simulated node")
	password := fs.String("password", "ClueCon", "inbound ESL password")
	hostname := fs.String("hostname", "fssim", "FreeSWITCH-Hostname of the node")
	speed := fs.Float64("speed", 1, "divides every simulated duration (2 = twice as fast)")
	control := fs.String("control", "", "address of the JSON control API (register phones, place calls, drop the node); empty: none")
	fs.Usage = func() { fmt.Fprint(stderr, simUsage+"\n"); fs.PrintDefaults() }
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	fmt.Fprintf(stdout, "fssim node %q: inbound ESL on %s (password %q)\n", *hostname, *listen, *password)
	return fssim.Run(ctx, fssim.Config{Listen: *listen, Password: *password, Hostname: *hostname, Speed: *speed,
		ControlListen: *control, Logger: log})
}
