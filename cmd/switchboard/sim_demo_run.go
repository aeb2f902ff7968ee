package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
)

// demo is a running `sim demo`: the controller, its HTTP listener, the
// fssim nodes and the seeded tenants. run drives the simulated people.
type demo struct {
	opts    demoOptions
	log     *slog.Logger
	out     io.Writer
	ctrl    *controller
	nodes   []simNode
	tenants []*demoTenant
	baseURL string // http://host:port of the REST API
	started time.Time

	serveErr chan error // the HTTP server's result once ctx is done
	rngMu    sync.Mutex
	rng      *rand.Rand
}

// simNode is a simulated node as the demo's controller side uses it: where
// its ESL listens, its secret, phones to register, and a stop. *fssim.Node
// is one; the benchmarks' nodes in another process (procNode) are others,
// and only in-process nodes take the demo's callers.
type simNode interface {
	Addr() string
	Password() string
	RegisterPhone(user, domain string, s fssim.PhoneScript) error
	Close()
}

// startDemo starts nodes and controller, seeds the data, serves HTTP, signs
// the agents in and prints how to follow along. On error everything started
// is stopped.
func startDemo(ctx context.Context, cfg serveConfig, opts demoOptions, log *slog.Logger, out io.Writer) (*demo, error) {
	return startDemoOn(ctx, cfg, opts, log, out, nil)
}

// startDemoOn is startDemo on nodes already started (nil: it starts them).
// The demo owns them either way and closes them.
func startDemoOn(ctx context.Context, cfg serveConfig, opts demoOptions, log *slog.Logger, out io.Writer, nodes []simNode) (_ *demo, err error) {
	seed := opts.Seed
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	d := &demo{opts: opts, log: log, out: out, started: time.Now(), rng: rand.New(rand.NewPCG(uint64(seed), 0x5b)), nodes: nodes}
	defer func() {
		if err != nil {
			d.closeAll()
		}
	}()
	if cfg.ESLListen, err = pinPort(cfg.ESLListen); err != nil {
		return nil, err
	}
	if d.nodes == nil {
		if d.nodes, err = startDemoNodes(opts, log); err != nil {
			return nil, err
		}
	}
	if d.ctrl, err = newController(ctx, cfg, log, out); err != nil {
		return nil, err
	}
	if d.tenants, err = seedDemo(ctx, d.ctrl.st, d.nodes, opts); err != nil {
		return nil, err
	}
	if err := d.ctrl.conf.Reload(ctx); err != nil {
		return nil, fmt.Errorf("load the seeded configuration: %w", err)
	}
	if err := d.ctrl.start(ctx); err != nil {
		return nil, err
	}
	if err := d.listen(ctx, cfg.Listen); err != nil {
		return nil, err
	}
	if err := d.waitNodes(ctx); err != nil {
		return nil, err
	}
	if err := d.signInAgents(ctx); err != nil {
		return nil, err
	}
	if err := d.ensureTenantAdmins(ctx, cfg.AdminEmail, cfg.AdminPassword); err != nil {
		fmt.Fprintf(out, "tenant administrators not created: %v\n", err)
	}
	d.printWelcome(cfg)
	return d, nil
}

// startDemoNodes starts the fssim nodes sim1..simN on free ports.
func startDemoNodes(opts demoOptions, log *slog.Logger) ([]simNode, error) {
	var nodes []simNode
	for i := range opts.Nodes {
		n, err := fssim.Start(fssim.Config{Speed: opts.Speed, Hostname: demoNodeName(i), Password: demoNodeSecret(i),
			Logger: log.With("fssim", demoNodeName(i))})
		if err != nil {
			for _, n := range nodes {
				n.Close()
			}
			return nil, err
		}
		nodes = append(nodes, n)
	}
	return nodes, nil
}

// demoNodeSecret is node i's secret: its ESL and xml_curl password (16
// characters at least, or xml_curl leaves the node out).
func demoNodeSecret(i int) string { return "demo-node-secret-" + demoNodeName(i) }

// routeCall places a caller on node i as FreeSWITCH does: the node asks the
// controller's xml_curl for the dialplan and runs it (the socket token, the
// sb_* variables, then `socket` to the controller).
func (d *demo) routeCall(ctx context.Context, i int, in fssim.IncomingCall) (*fssim.Call, error) {
	n, ok := d.nodes[i].(*fssim.Node)
	if !ok {
		return nil, fmt.Errorf("node %s runs in another process: place its calls there", demoNodeName(i))
	}
	return n.RouteCall(ctx, d.xmlCurl(i), in)
}

// xmlCurl is how node i fetches its dialplan from the controller.
func (d *demo) xmlCurl(i int) fssim.XMLCurl {
	return fssim.XMLCurl{URL: d.baseURL + "/fsapi", User: demoNodeName(i), Password: d.nodes[i].Password()}
}

// listen serves the controller's HTTP until ctx is done.
func (d *demo) listen(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	d.baseURL = "http://" + loopbackAddr(ln.Addr().String())
	d.serveErr = make(chan error, 1)
	go func() { d.serveErr <- d.ctrl.serve(ctx, ln) }()
	return nil
}

// pinPort replaces port 0 (any free port) by a free port now, because the
// nodes must be told where the controller's outbound socket listens.
func pinPort(addr string) (string, error) {
	if _, port, err := net.SplitHostPort(addr); err != nil || port != "0" {
		return addr, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("esl-listen %s: %w", addr, err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// loopbackAddr turns a wildcard listen address into one a local client dials.
func loopbackAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

func (d *demo) waitNodes(ctx context.Context) error {
	return waitFor(ctx, 10*time.Second, "fssim nodes to connect", func() bool {
		for i := range d.nodes {
			if !d.ctrl.conf.NodeUp(demoNodeName(i)) {
				return false
			}
		}
		return true
	})
}

// signInAgents registers every agent's phone on every node (an agent leg is
// originated on the caller's node), then logs the agent in and makes it ready.
func (d *demo) signInAgents(ctx context.Context) error {
	for _, t := range d.tenants {
		for _, a := range t.agents {
			if err := d.registerPhone(t, a.Extension); err != nil {
				return err
			}
		}
	}
	for _, t := range d.tenants {
		for _, a := range t.agents {
			err := waitFor(ctx, 10*time.Second, "registration of "+a.Extension+"@"+t.SIPDomain,
				func() bool { return d.ctrl.conf.Registered(a.Extension, t.SIPDomain) })
			if err != nil {
				return err
			}
			if err := d.makeReady(ctx, t, a.ID); err != nil {
				return fmt.Errorf("agent %s@%s: %w", a.Extension, t.SIPDomain, err)
			}
		}
	}
	return nil
}

// makeReady logs the agent in if needed and makes it ready unless it is
// already ready or working (an ACD restored from history may know it).
func (d *demo) makeReady(ctx context.Context, t *demoTenant, agent string) error {
	o, ok := d.ctrl.acds.Owner(string(t.ID))
	if !ok {
		return fmt.Errorf("no ACD runs for tenant %s", t.SIPDomain)
	}
	v, err := o.Agent(ctx, agent)
	if err != nil {
		return err
	}
	if v.State == acd.LoggedOut {
		if err := o.Login(ctx, agent); err != nil {
			return err
		}
		v.State = acd.NotReady
	}
	if v.State == acd.NotReady || v.State == acd.Break {
		return o.Ready(ctx, agent)
	}
	return nil
}

// registerPhone (re)registers an agent's phone on every node with a fresh
// random behaviour: it answers after 1 to 4 s and hangs up after an
// exponential talk time counted from the moment it is connected to the
// caller (at least 2 s: nobody hangs up on a caller at once), unless
// opts.Phone fixes every phone's script. fssim applies a script to the next
// call it rings.
func (d *demo) registerPhone(t *demoTenant, ext string) error {
	script := fssim.PhoneScript{AnswerAfter: d.uniform(time.Second, 4*time.Second), TalkFor: max(2*time.Second, d.exp(d.opts.HandleTime))}
	if d.opts.Phone != nil {
		script = *d.opts.Phone
	}
	for _, n := range d.nodes {
		if err := n.RegisterPhone(ext, t.SIPDomain, script); err != nil {
			return fmt.Errorf("register phone %s@%s: %w", ext, t.SIPDomain, err)
		}
	}
	return nil
}

func (d *demo) uniform(lo, hi time.Duration) time.Duration {
	d.rngMu.Lock()
	defer d.rngMu.Unlock()
	return lo + time.Duration(d.rng.Int64N(int64(hi-lo)))
}

// exp draws an exponential duration of the given mean (at least 1 ms).
func (d *demo) exp(mean time.Duration) time.Duration {
	d.rngMu.Lock()
	defer d.rngMu.Unlock()
	return max(time.Millisecond, time.Duration(d.rng.ExpFloat64()*float64(mean)))
}

func (d *demo) intn(n int) int {
	d.rngMu.Lock()
	defer d.rngMu.Unlock()
	return d.rng.IntN(n)
}

// scaled converts demo time to wall time (durations fssim does not scale).
func (d *demo) scaled(x time.Duration) time.Duration {
	return time.Duration(float64(x) / d.opts.Speed)
}

// run drives agents and callers, prints the summary every ReportEvery, and
// stops everything when ctx is done.
func (d *demo) run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, t := range d.tenants {
		wg.Go(func() { d.agentDesk(ctx, t) })
		wg.Go(func() { d.callers(ctx, t, &wg) })
	}
	wg.Go(func() { d.report(ctx) })
	<-ctx.Done()
	wg.Wait()
	d.printSummary(context.Background())
	err := <-d.serveErr
	d.serveErr = nil
	d.closeAll()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// closeAll stops the controller, then the nodes.
func (d *demo) closeAll() {
	if d.ctrl != nil {
		d.ctrl.Close()
		d.ctrl = nil
	}
	for _, n := range d.nodes {
		n.Close()
	}
	d.nodes = nil
}

// waitFor polls cond every 20 ms until it holds, ctx ends or limit passes.
func waitFor(ctx context.Context, limit time.Duration, what string, cond func() bool) error {
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s waiting for %s", limit, what)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}
