// Command switchboard is the composition root: it reads configuration, builds
// the adapters, the orchestrator and the API, and runs the subcommands
// (serve, migrate, flows, sim, version). Nothing imports it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `Switchboard: a multi-tenant contact-center controller for FreeSWITCH and Asterisk.

Usage: switchboard <command> [flags]

Commands:
  serve      run the controller (REST API, web app, xml_curl, ESL)
  migrate    apply database migrations and exit
  flows      validate or test IVR flow files: flows validate FILE, flows test FILE
  sim        run simulated FreeSWITCH nodes: sim node
  version    print the version

Run 'switchboard <command> -h' for a command's settings.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one subcommand and returns the process exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = runServe(ctx, args[1:], getenv, stdout, stderr)
	case "migrate":
		err = runMigrate(ctx, args[1:], getenv, stdout, stderr)
	case "flows":
		err = runFlows(ctx, args[1:], stdout, stderr)
	case "sim":
		err = runSim(ctx, args[1:], getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "switchboard", version)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "switchboard: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "switchboard:", err)
		var ec exitCoder
		if errors.As(err, &ec) {
			return ec.ExitCode()
		}
		return 1
	}
	return 0
}

// exitCoder is an error that chooses the process exit code.
type exitCoder interface{ ExitCode() int }
