package freeswitch

import "github.com/prometheus/client_golang/prometheus"

// Collector exposes Stats as Prometheus metrics (register it with the
// composition root's registry). The slow-consumer signal is
// switchboard_freeswitch_queued_events and ..._slow_consumer_alarms_total.
func (a *Adapter) Collector() prometheus.Collector { return statsCollector{a} }

// statsCollector reads Stats at every scrape.
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
}

// socketsRefused is labelled by reason (refusedAddress, refusedToken).
var socketsRefused = prometheus.NewDesc("switchboard_freeswitch_sockets_refused_total",
	"Outbound socket connections refused: not from a configured node's address, or without its token.", []string{"reason"}, nil)

func def(name, help string, kind prometheus.ValueType, value func(Stats) float64) metricDef {
	return metricDef{prometheus.NewDesc("switchboard_freeswitch_"+name, help, nil, nil), kind, value}
}

func (c statsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range metricDefs {
		ch <- d.desc
	}
	ch <- socketsRefused
}

func (c statsCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.a.Stats()
	for _, d := range metricDefs {
		ch <- prometheus.MustNewConstMetric(d.desc, d.kind, d.value(s))
	}
	ch <- prometheus.MustNewConstMetric(socketsRefused, prometheus.CounterValue, float64(s.SocketsRefusedAddress), refusedAddress)
	ch <- prometheus.MustNewConstMetric(socketsRefused, prometheus.CounterValue, float64(s.SocketsRefusedToken), refusedToken)
}
