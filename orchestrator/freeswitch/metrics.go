package freeswitch

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/eslconn"
)

// Collector exposes Stats, each configured node's state and the ESL
// command latency as Prometheus metrics (register it with the composition
// root's registry). The slow-consumer signal is
// switchboard_freeswitch_queued_events and ..._slow_consumer_alarms_total.
func (a *Adapter) Collector() prometheus.Collector { return statsCollector{a} }

// statsCollector reads Stats and the node set at every scrape.
type statsCollector struct{ a *Adapter }

type metricDef struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	value func(Stats) float64
}

var metricDefs = []metricDef{
	def("calls", "Calls the adapter tracks.", prometheus.GaugeValue, func(s Stats) float64 { return float64(s.Calls) }),
	def("queued_events", "Events waiting in per-call queues for slow consumers.", prometheus.GaugeValue,
		func(s Stats) float64 { return float64(s.QueuedEvents) }),
	def("queued_events_peak", "Highest queued_events seen.", prometheus.GaugeValue,
		func(s Stats) float64 { return float64(s.PeakQueuedEvents) }),
	def("slow_consumer_alarms_total", "Per-call queues that crossed the high-water mark.", prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.SlowConsumerAlarms) }),
	def("events_routed_total", "Events delivered to tracked calls.", prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.EventsRouted) }),
	def("events_unrouted_total", "Channel events of calls nobody tracks.", prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.EventsUnrouted) }),
	def("events_out_of_order_total", "Events below their call's last Event-Sequence.", prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.OutOfOrder) }),
	def("reconnects_total", "Inbound connections re-established.", prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.Reconnects) }),
	def("late_events_total", "Events that came after their call's end (not delivered).", prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.LateEvents) }),
	def("nodes_up", "Nodes with an inbound connection.", prometheus.GaugeValue, func(s Stats) float64 { return float64(s.NodesUp) }),
	def("esl_events_total", "Events read from every ESL connection (nodes' inbound connections and calls' outbound sockets).",
		prometheus.CounterValue, func(s Stats) float64 { return float64(s.ESLEvents) }),
}

// socketsRefused is labelled by reason (refusedAddress, refusedToken).
var socketsRefused = prometheus.NewDesc("switchboard_freeswitch_sockets_refused_total",
	"Outbound socket connections refused: not from a configured node's address, or without its token.", []string{"reason"}, nil)

// nodeUpDesc is one series per configured node: node names are the
// operator's (a bounded set), so the label stays small.
var nodeUpDesc = prometheus.NewDesc("switchboard_freeswitch_node_up",
	"1 while the controller holds an inbound ESL connection to the configured node, 0 while it is down.", []string{"node"}, nil)

// nodeCallsDesc and nodeLastEventDesc are per configured node too.
var (
	nodeCallsDesc = prometheus.NewDesc("switchboard_freeswitch_node_calls",
		"Calls of the node the controller tracks now (callers, agents' legs, phones' calls).", []string{"node"}, nil)
	nodeLastEventDesc = prometheus.NewDesc("switchboard_freeswitch_node_last_event_timestamp_seconds",
		"When the controller last read an event from the node's inbound connection (Unix seconds); absent before the first. FreeSWITCH sends a HEARTBEAT every 20 s.", []string{"node"}, nil)
)

func def(name, help string, kind prometheus.ValueType, value func(Stats) float64) metricDef {
	return metricDef{prometheus.NewDesc("switchboard_freeswitch_"+name, help, nil, nil), kind, value}
}

// newCommandHistogram measures api and bgapi commands by their first word,
// which the adapter's own code chooses (uuid_bridge, originate...), so the
// label set is bounded. bgapi originate includes the ringing.
func newCommandHistogram() *prometheus.HistogramVec {
	return prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "switchboard_freeswitch_esl_command_duration_seconds",
		Help:    "ESL api and bgapi commands from sending to their reply (bgapi: to its BACKGROUND_JOB), by kind and command.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
	}, []string{"kind", "command"})
}

// instrument makes a connection count its events and time its commands.
func (a *Adapter) instrument(o eslconn.Options) eslconn.Options {
	onEvent := o.OnEvent
	o.OnEvent = func(ev *esl.Event) {
		a.st.eslEvents.Add(1)
		if onEvent != nil {
			onEvent(ev)
		}
	}
	o.OnCommand = func(kind, name string, took time.Duration, _ error) {
		a.commandObserver(kind, name).Observe(took.Seconds())
	}
	return o
}

type commandLabels struct{ kind, name string }

// commandObserver is commandSeconds' histogram for kind and name.
func (a *Adapter) commandObserver(kind, name string) prometheus.Observer {
	k := commandLabels{kind, name}
	a.commandObsMu.RLock()
	o, ok := a.commandObservers[k]
	a.commandObsMu.RUnlock()
	if ok {
		return o
	}
	o = a.commandSeconds.WithLabelValues(kind, name)
	a.commandObsMu.Lock()
	a.commandObservers[k] = o
	a.commandObsMu.Unlock()
	return o
}

// Nodes reports every configured (enabled) node in configuration order:
// whether it is up and what its health checks learned (health.go).
func (a *Adapter) Nodes() []orchestrator.NodeHealth {
	order := a.nodes.Load().order
	calls := map[string]int{}
	a.mu.Lock()
	for k := range a.calls {
		calls[k.Node]++
	}
	a.mu.Unlock()
	out := make([]orchestrator.NodeHealth, 0, len(order))
	for _, n := range order {
		h := n.healthSnapshot()
		h.Calls = calls[h.Node]
		out = append(out, h)
	}
	return out
}

func (c statsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range metricDefs {
		ch <- d.desc
	}
	ch <- socketsRefused
	ch <- nodeUpDesc
	ch <- nodeCallsDesc
	ch <- nodeLastEventDesc
	c.a.commandSeconds.Describe(ch)
}

func (c statsCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.a.Stats()
	for _, d := range metricDefs {
		ch <- prometheus.MustNewConstMetric(d.desc, d.kind, d.value(s))
	}
	ch <- prometheus.MustNewConstMetric(socketsRefused, prometheus.CounterValue, float64(s.SocketsRefusedAddress), refusedAddress)
	ch <- prometheus.MustNewConstMetric(socketsRefused, prometheus.CounterValue, float64(s.SocketsRefusedToken), refusedToken)
	for _, n := range c.a.Nodes() {
		up := 0.0
		if n.Up {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(nodeUpDesc, prometheus.GaugeValue, up, n.Node)
		ch <- prometheus.MustNewConstMetric(nodeCallsDesc, prometheus.GaugeValue, float64(n.Calls), n.Node)
		if !n.LastEvent.IsZero() {
			ch <- prometheus.MustNewConstMetric(nodeLastEventDesc, prometheus.GaugeValue, float64(n.LastEvent.UnixNano())/1e9, n.Node)
		}
	}
	c.a.commandSeconds.Collect(ch)
}
