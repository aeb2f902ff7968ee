package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
)

// `switchboard sim demo` runs a whole contact center on one machine: a
// controller built exactly like `serve`, simulated FreeSWITCH nodes (fssim),
// two demo tenants with agents whose phones answer and talk, and callers
// arriving at random. A new user watches calls flow in one terminal and
// through the REST API, without a media server.

const demoUsage = `Usage: switchboard sim demo [flags]

Starts a controller like 'serve' (same settings below), one or more fssim
nodes, two demo tenants ("Acme Insurance" acme.demo, "Bolt Telecom"
bolt.demo) with an access number, a queue and agents, then simulated agents
and callers until Ctrl-C or -duration. It prints a summary line every
-report-every and the logins to use with the REST API.

By default the data lives in a fresh temporary directory removed on exit:
pass -data-dir (or -database) to keep it; seeding is idempotent. Other demo
defaults, unless given by flag or environment: -listen 127.0.0.1:8080,
-admin-password demo-admin-password, -log-level warn.
`

// demoOptions are the simulation's own settings (the controller's are serveConfig).
type demoOptions struct {
	Nodes       int           // fssim nodes
	Agents      int           // agents per tenant
	Rate        float64       // calls per minute per tenant (Poisson arrivals)
	Duration    time.Duration // 0: until interrupted
	Speed       float64       // divides every simulated duration
	HandleTime  time.Duration // mean talk time (exponential)
	Patience    time.Duration // mean caller patience in queue (exponential); 0: never abandon
	ReportEvery time.Duration
	Seed        int64 // random seed; 0: time-based
	// Phone, when set, is every agent phone's script (the benchmarks');
	// nil: each phone gets a random one (registerPhone).
	Phone *fssim.PhoneScript
}

// demoPasswords are printed to the user: the demo is not a deployment.
const (
	demoAdminPassword  = "demo-admin-password"
	demoTenantPassword = "demo-tenant-password"
)

func runSimDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, opts, tmpDir, err := parseDemoConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	if tmpDir != "" {
		defer os.RemoveAll(tmpDir)
		fmt.Fprintf(stdout, "demo data in %s (removed on exit; pass -data-dir to keep it)\n", tmpDir)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	if opts.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Duration)
		defer cancel()
	}
	d, err := startDemo(ctx, cfg, opts, newLogger(cfg, stderr), stdout)
	if err != nil {
		return err
	}
	return d.run(ctx)
}

// parseDemoConfig reads the serve settings and the demo's own flags. Serve
// settings not given (flag or environment) get demo defaults: a fresh
// temporary data dir (returned, to be removed), a known admin password, the
// API on 127.0.0.1 only (the passwords are printed) and warn-level logs so
// the summary lines stay readable.
func parseDemoConfig(args []string, getenv func(string) string, stderr io.Writer) (serveConfig, demoOptions, string, error) {
	fs := flag.NewFlagSet("sim demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ss := serveSettings(fs)
	var o demoOptions
	fs.IntVar(&o.Nodes, "nodes", 1, "number of simulated FreeSWITCH nodes")
	fs.IntVar(&o.Agents, "agents", 5, "agents per tenant")
	fs.Float64Var(&o.Rate, "rate", 6, "new calls per minute per tenant (Poisson arrivals)")
	fs.DurationVar(&o.Duration, "duration", 0, "stop after this long (0: until Ctrl-C)")
	fs.Float64Var(&o.Speed, "speed", 1, "divides every simulated duration (arrivals, ringing, talk, patience)")
	fs.DurationVar(&o.HandleTime, "handle-time", 30*time.Second, "mean talk time (exponential)")
	fs.DurationVar(&o.Patience, "patience", 40*time.Second, "mean caller patience while queued (exponential); 0: callers never abandon")
	fs.DurationVar(&o.ReportEvery, "report-every", 10*time.Second, "how often to print the summary line")
	fs.Int64Var(&o.Seed, "seed", 0, "random seed (0: from the clock)")
	fs.Usage = func() {
		fmt.Fprint(stderr, demoUsage+"\nDemo flags:\n")
		fs.VisitAll(func(f *flag.Flag) {
			if _, serve := ss.byKey[f.Name]; !serve {
				fmt.Fprintf(stderr, "  -%s (default %s)\n      %s\n", f.Name, f.DefValue, f.Usage)
			}
		})
		fmt.Fprintln(stderr)
		ss.usage(stderr, "sim demo", "Controller settings (as for serve):")
	}
	if err := fs.Parse(args); err != nil {
		return serveConfig{}, o, "", err
	}
	if fs.NArg() > 0 {
		return serveConfig{}, o, "", fmt.Errorf("sim demo: unexpected argument %q", fs.Arg(0))
	}
	if err := o.validate(); err != nil {
		return serveConfig{}, o, "", err
	}
	given := func(name string) bool { return ss.set[name] || getenv(ss.byKey[name].env()) != "" }
	var serveArgs []string
	for _, s := range ss.list {
		if ss.set[s.name] {
			serveArgs = append(serveArgs, "-"+s.name+"="+s.value)
		}
	}
	if !given("admin-password") {
		serveArgs = append(serveArgs, "-admin-password="+demoAdminPassword)
	}
	if !given("listen") { // known passwords: keep the demo off the network
		serveArgs = append(serveArgs, "-listen=127.0.0.1:8080")
	}
	if !given("log-level") {
		serveArgs = append(serveArgs, "-log-level=warn")
	}
	tmp := ""
	if !given("data-dir") && !given("database") {
		dir, err := os.MkdirTemp("", "switchboard-demo-")
		if err != nil {
			return serveConfig{}, o, "", fmt.Errorf("sim demo: temporary data dir: %w", err)
		}
		tmp = dir
		serveArgs = append(serveArgs, "-data-dir="+dir)
	}
	cfg, err := parseServeConfig(serveArgs, getenv, stderr)
	if err != nil && tmp != "" {
		os.RemoveAll(tmp)
		tmp = ""
	}
	return cfg, o, tmp, err
}

func (o demoOptions) validate() error {
	switch {
	case o.Nodes < 1 || o.Nodes > 20:
		return fmt.Errorf("sim demo: -nodes %d: want 1 to 20", o.Nodes)
	case o.Agents < 1 || o.Agents > 500:
		return fmt.Errorf("sim demo: -agents %d: want 1 to 500 per tenant", o.Agents)
	case !(o.Rate > 0 && o.Rate <= 60000): // also refuses NaN
		return fmt.Errorf("sim demo: -rate %g: want more than 0 and at most 60000 calls per minute", o.Rate)
	case !(o.Speed > 0 && o.Speed <= 1000):
		return fmt.Errorf("sim demo: -speed %g: want more than 0 and at most 1000", o.Speed)
	case o.HandleTime <= 0:
		return fmt.Errorf("sim demo: -handle-time %s: must be positive", o.HandleTime)
	case o.Patience < 0:
		return fmt.Errorf("sim demo: -patience %s: must not be negative", o.Patience)
	case o.ReportEvery <= 0:
		return fmt.Errorf("sim demo: -report-every %s: must be positive", o.ReportEvery)
	case o.Duration < 0:
		return fmt.Errorf("sim demo: -duration %s: must not be negative", o.Duration)
	}
	return nil
}
