package main

import (
	"context"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/calls"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch"
)

// holdMusic is what callers hear while they wait: FreeSWITCH's default music
// on hold stream.
var holdMusic = orchestrator.Playback{Files: []string{"local_stream://moh"}}

// startCallPath builds the inbound call path on fs: sessions route, admit and
// queue calls through the tenants' ACD owners. Calls are accepted once the
// owners run (see start).
func (c *controller) startCallPath(ctx context.Context, fs *freeswitch.Adapter) error {
	flows, err := c.newFlowRunner(fs)
	if err != nil {
		return err
	}
	c.flows = flows
	c.cdrs = newCDRWriter(storeRecords{c.st}, c.log.With("part", "cdrs"))
	records, err := newCountedRecords(c.reg, c.cdrs)
	if err != nil {
		return err
	}
	codes, err := c.newFeatureCodes()
	if err != nil {
		return err
	}
	svc, err := calls.New(calls.Config{Switch: fs, Router: c.conf, Queuer: c.acds, Agents: c.conf, Admission: c.adm,
		Lines: c.conf, Phones: c.conf, FeatureCodes: codes, Flows: flows, FlowResolver: &flowResolver{st: c.st, compiled: map[string]*ivrflows.Program{}}, Names: c.conf,
		Records: records, Notifier: c.pops, Log: c.log.With("part", "calls"), HoldMusic: holdMusic, Health: fs,
		OverQuotaPrompt: orchestrator.Playback{Files: []string{"ivr/ivr-all_circuits_busy.wav"}},
		SuspendedPrompt: orchestrator.Playback{Files: []string{"ivr/ivr-not_available.wav"}}})
	if err != nil {
		return err
	}
	c.call = svc
	c.callSvc.Store(svc)
	c.acds.calls = svc
	return registerStreamDrops(c.reg, map[string]func() int64{"live_calls": svc.LiveDropped, "notices": c.pops.Dropped})
}

// registerStreamDrops serves, per event stream, how many subscribers were
// cut off for falling behind (a supervisor's wallboard or an agent's screen
// that stopped reading), read from the streams' own counters at scrape time.
func registerStreamDrops(reg prometheus.Registerer, streams map[string]func() int64) error {
	for name, dropped := range streams {
		m := prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "switchboard_stream_subscribers_dropped_total",
			Help:        "Subscribers of an event stream (live_calls, notices) cut off because they fell behind.",
			ConstLabels: prometheus.Labels{"stream": name}}, func() float64 { return float64(dropped()) })
		if err := reg.Register(m); err != nil {
			return err
		}
	}
	return nil
}
