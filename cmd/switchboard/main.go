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
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// runFunc runs one command with the arguments after its name.
type runFunc func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error

// command is one subcommand. A command with subs only dispatches to them.
// Every command, and every sub, answers -h and --help with its usage and
// exit status 0: the help test walks this table, so a new command cannot be
// left out.
type command struct {
	name    string
	summary string
	run     runFunc
	subs    []command
}

// commands is the top-level command table; the usage text is built from it.
var commands = []command{
	{name: "serve", summary: "run the controller (REST API, xml_curl, ESL)", run: runServe},
	{name: "migrate", summary: "apply database migrations and exit", run: runMigrate},
	{name: "flows", summary: "validate or test IVR flow files", subs: flowsCommands},
	{name: "fsconfig", summary: "FreeSWITCH configuration files for a node", subs: fsconfigCommands},
	{name: "sim", summary: "simulated FreeSWITCH nodes (test instrument) and a whole demo", subs: simCommands},
	{name: "version", summary: "print the version", run: runVersion},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one subcommand and returns the process exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	top := command{name: "", summary: "Switchboard: a multi-tenant contact-center controller for FreeSWITCH (Asterisk support is planned, not built).", subs: commands}
	err := top.dispatch(ctx, nil, args, getenv, stdout, stderr)
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

// dispatch runs c, or the sub named by args[0] when c has subs. path is the
// chain of parent command names, for usage texts.
func (c command) dispatch(ctx context.Context, path, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if c.name != "" {
		path = append(path, c.name)
	}
	if len(c.subs) == 0 {
		return c.run(ctx, args, getenv, stdout, stderr)
	}
	if len(args) == 0 {
		c.usage(stderr, path)
		return usageError{"want a command"}
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		c.usage(stdout, path)
		return flag.ErrHelp
	}
	for _, sub := range c.subs {
		if sub.name == args[0] {
			return sub.dispatch(ctx, path, args[1:], getenv, stdout, stderr)
		}
	}
	c.usage(stderr, path)
	return usageError{fmt.Sprintf("unknown command %q", strings.Join(append(path, args[0]), " "))}
}

// usage lists c's subs.
func (c command) usage(w io.Writer, path []string) {
	name := strings.Join(append([]string{"switchboard"}, path...), " ")
	if c.name != "" {
		fmt.Fprintf(w, "%s: %s\n\n", name, c.summary)
	} else {
		fmt.Fprintf(w, "%s\n\n", c.summary)
	}
	fmt.Fprintf(w, "Usage: %s <command> [flags] [arguments]\n\nCommands:\n", name)
	for _, sub := range c.subs {
		fmt.Fprintf(w, "  %-10s %s\n", sub.name, sub.summary)
	}
	fmt.Fprintf(w, "\nRun '%s <command> -h' for a command's usage.\n", name)
}

// usageError is a command line that names no known command: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }
func (e usageError) ExitCode() int { return 2 }

// exitCoder is an error that chooses the process exit code.
type exitCoder interface{ ExitCode() int }

// parseArgs parses a command that has no flags, only positional arguments, so
// that -h and --help print its usage and `--` ends the flags (a file named -h
// is `-- -h`). It returns the positional arguments.
func parseArgs(name, usage string, args []string, stderr io.Writer) ([]string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return fs.Args(), nil
}

const versionUsage = `Usage: switchboard version

Prints the version of this build.
`

func runVersion(_ context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
	rest, err := parseArgs("version", versionUsage, args, stderr)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError{fmt.Sprintf("version: unexpected argument %q", rest[0])}
	}
	fmt.Fprintln(stdout, "switchboard", version)
	return nil
}
