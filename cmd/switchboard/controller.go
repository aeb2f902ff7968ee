package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/switchboard-cc/switchboard/api"
	"github.com/switchboard-cc/switchboard/callconfig"
	"github.com/switchboard-cc/switchboard/internal/secretkey"
	"github.com/switchboard-cc/switchboard/orchestrator/admission"
	"github.com/switchboard-cc/switchboard/orchestrator/calls"
	"github.com/switchboard-cc/switchboard/orchestrator/flowrun"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/xmlcurl"
	"github.com/switchboard-cc/switchboard/orchestrator/tts"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/web"
)

// controller is the running product: store, configuration snapshot, REST
// API, xml_curl, and the switch adapters with the call path. It owns every
// goroutine it starts; Close stops them.
type controller struct {
	cfg  serveConfig
	log  *slog.Logger
	st   *store.Store
	conf *callconfig.Live
	fs   *freeswitch.Adapter // built at start, even with no node; nodes follow the configuration live
	adm  *admission.Controller
	acds *tenantACDs
	call *calls.Service // the call path on fs
	cdrs *cdrWriter     // the call path's CDRs, batched
	// callSvc is call for readers that may run before start set it
	// (/readyz's node list).
	callSvc atomic.Pointer[calls.Service]
	pops    *calls.Hub      // screen pops for agents' and supervisors' screens
	flows   *flowrun.Runner // IVR flows on live calls
	tts     *tts.Cache      // offline TTS (espeak-ng + sox); nil when not installed
	// dataSources are the tenants' SQL pools opened by flows.
	dataSources *dataSources
	mux         *http.ServeMux
	api         *api.Server
	reg         *prometheus.Registry

	bg     sync.WaitGroup
	stopBG context.CancelFunc
	// callsCtx is the call path's context: it outlives the stop signal
	// until the calls are handed over (handOver); callsReady is closed once
	// the tenants' ACDs run, so calls taken back find them.
	callsCtx   context.Context
	stopCalls  context.CancelFunc
	callsReady chan struct{}
	handOnce   sync.Once
	// adoptMu serialises taking calls back; readopted are the nodes done
	// since the start, and reconciled says the ACDs were checked once
	// every node was.
	adoptMu    sync.Mutex
	readopted  map[string]bool
	reconciled bool
}

// newController opens the store, bootstraps the admin and builds every part.
func newController(ctx context.Context, cfg serveConfig, log *slog.Logger, stdout io.Writer) (*controller, error) {
	key, err := loadSecretKey(cfg.SecretKey, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	st, err := openStore(ctx, cfg, key)
	if err != nil {
		return nil, err
	}
	c := &controller{cfg: cfg, log: log, st: st, mux: http.NewServeMux(), reg: prometheus.NewRegistry()}
	warnRowSecurity(ctx, st, log)
	if len(cfg.FlowHTTPAllow) > 0 {
		log.Info("flow HTTP nodes may reach these private prefixes (flow-http-allow)", "prefixes", fmt.Sprint(cfg.FlowHTTPAllow))
	}
	if err := c.build(ctx, key, stdout); err != nil {
		st.Close()
		return nil, err
	}
	return c, nil
}

// warnRowSecurity logs an ERROR when the database role bypasses row-level
// security (it is also in every /readyz answer): the service runs, but its
// second wall between tenants is down.
func warnRowSecurity(ctx context.Context, st *store.Store, log *slog.Logger) {
	rs, err := st.RowSecurity(ctx)
	switch {
	case err != nil:
		log.Warn("could not check whether the database role bypasses row-level security", "err", err)
	case rs.Bypassed:
		log.Error(api.RowSecurityBypassedWarning(rs.Role), "role", rs.Role)
	}
}

func (c *controller) build(ctx context.Context, key []byte, stdout io.Writer) error {
	if err := bootstrapAdmin(ctx, c.st, c.cfg, stdout); err != nil {
		return err
	}
	if err := ensureTenantDefaults(ctx, c.st, c.cfg, c.log); err != nil {
		return err
	}
	c.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Tokens are signed with a key of their own: access tokens signed with
	// the secret key itself (before v2) are refused, and clients refresh.
	signing, err := secretkey.TokenSigning(key)
	if err != nil {
		return err
	}
	authLimit := c.cfg.AuthRateLimit
	srv, err := api.New(api.Config{Store: c.st, Logger: c.log, JWTSecret: signing, Registry: c.reg, MaxTokenLifetime: c.cfg.TokenMaxLifetime,
		Prompts: promptOptions(c.cfg.DataDir, c.log), AuthRateLimit: &authLimit,
		HashConcurrency: c.cfg.HashConcurrency, HashWait: c.cfg.HashWait, App: web.Dist()})
	if err != nil {
		return err
	}
	c.api = srv
	fsLive := &xmlcurl.Live{}
	if c.conf, err = callconfig.New(ctx, c.st, c.log, nil); err != nil {
		return fmt.Errorf("load call configuration: %w", err)
	}
	problems, err := newConfigProblems(c.reg, c.log)
	if err != nil {
		return err
	}
	srv.UseConfigProblems(problems)
	c.conf.OnReload = func(s *callconfig.Snapshot) {
		problems.set(sourceCallConfig, s.Problems)
		problems.set(sourceXMLCurl, refreshXMLCurl(fsLive, s, c.cfg.ESLListen))
		if c.acds != nil {
			c.acds.sync(ctx, s)
		}
	}
	c.conf.OnReload(c.conf.Snapshot())
	failureLimit := c.cfg.XMLCurlFailureLimit
	c.acds = newTenantACDs(c.log, c.st, c.conf)
	fsHandler, err := xmlcurl.NewHandler(xmlcurl.Config{Nodes: fsLive, Directory: fsLive, Plan: fsLive, Logger: c.log,
		FailureLimit: &failureLimit, Reachable: c.acds.fallbackReachable})
	if err != nil {
		return err
	}
	if err := c.reg.Register(fsHandler.Collector()); err != nil {
		return err
	}
	c.adm = admission.New()
	c.pops = calls.NewHub()
	if err := c.reg.Register(controllerCollector{acds: c.acds, adm: c.adm, conf: c.conf}); err != nil {
		return err
	}
	srv.UseACD(c.acds)
	srv.UsePhones(c.conf)
	c.mux.Handle("/fsapi", fsHandler)
	c.mux.Handle("/", srv)
	return nil
}

// start runs the background work: the switches and the call path, the
// tenants' ACDs, and configuration reloads (which keep the ACDs in step).
func (c *controller) start(ctx context.Context) error {
	bgCtx, stop := context.WithCancel(ctx)
	c.stopBG = stop
	c.callsCtx, c.stopCalls = context.WithCancel(context.WithoutCancel(ctx))
	c.callsReady = make(chan struct{})
	if err := c.startSwitches(bgCtx); err != nil {
		return err
	}
	c.acds.sync(bgCtx, c.conf.Snapshot())
	close(c.callsReady)
	if c.call != nil {
		c.api.UseCalls(c.call, c.pops)
		c.api.UseIVR(c.flows)
	}
	if c.fs != nil {
		c.goBG(func() {
			<-bgCtx.Done() // the stop signal: hand calls over first
			c.handOver()
		})
		c.goBG(func() {
			if err := c.fs.ServeCalls(c.callsCtx, c.call.HandleCall); err != nil {
				c.log.Error("outbound socket listener stopped", "err", err)
			}
		})
	}
	c.goBG(func() { c.conf.Run(bgCtx, c.cfg.ReloadEvery) })
	c.goBG(func() { c.purgeIdempotencyKeys(bgCtx) })
	return nil
}

// purgeIdempotencyKeys forgets Idempotency-Key records older than a day,
// hourly: a retry is only meaningful for minutes.
func (c *controller) purgeIdempotencyKeys(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if n, err := c.st.PurgeIdempotency(ctx, now.Add(-24*time.Hour)); err != nil {
				c.log.Warn("idempotency purge failed", "err", err)
			} else if n > 0 {
				c.log.Info("idempotency keys purged", "count", n)
			}
		}
	}
}

func (c *controller) goBG(f func()) {
	c.bg.Add(1)
	go func() { defer c.bg.Done(); f() }()
}

// Close stops the background work and closes the store.
func (c *controller) Close() {
	c.handOver()
	if c.stopBG != nil {
		c.stopBG()
	}
	if c.fs != nil {
		c.fs.Close()
	}
	c.bg.Wait()
	if c.call != nil {
		c.call.Wait()
	}
	c.acds.stopAll(context.Background())
	if c.dataSources != nil {
		c.dataSources.closeAll()
	}
	if c.cdrs != nil {
		c.cdrs.Close()
	}
	c.st.Close()
}

// serve serves HTTP on ln until ctx is done, then shuts down gracefully.
func (c *controller) serve(ctx context.Context, ln net.Listener) error {
	return serveHTTP(ctx, ln, c.mux, serveTimeouts, c.cfg.ShutdownTimeout, c.log, c.api.Close)
}
