package freeswitch

import (
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// TestCollector: every Stats figure is served, the connected node is up
// by name, and the resync's api commands are in the latency histogram.
func TestCollector(t *testing.T) {
	h := newHarness(t)
	if _, err := h.a.track(keyOf("m1"), nil); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(h.a.Collector()); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		got[mf.GetName()] = mf
	}
	value := func(name string) float64 {
		mf := got[name]
		if mf == nil {
			t.Fatalf("no %s in %v", name, got)
		}
		m := mf.GetMetric()[0]
		return m.GetGauge().GetValue() + m.GetCounter().GetValue()
	}
	for _, d := range metricDefs {
		value(nameOf(d)) // each is served
	}
	if n := len(got["switchboard_freeswitch_sockets_refused_total"].GetMetric()); n != 2 {
		t.Errorf("sockets_refused_total: %d series, want one per reason", n)
	}
	if value("switchboard_freeswitch_calls") != 1 || value("switchboard_freeswitch_nodes_up") != 1 {
		t.Errorf("calls %v, nodes up %v", value("switchboard_freeswitch_calls"), value("switchboard_freeswitch_nodes_up"))
	}
	up := got["switchboard_freeswitch_node_up"].GetMetric()
	if len(up) != 1 || up[0].GetLabel()[0].GetValue() != "fs1" || up[0].GetGauge().GetValue() != 1 {
		t.Errorf("node_up: %v", up)
	}
	var resync uint64
	for _, m := range got["switchboard_freeswitch_esl_command_duration_seconds"].GetMetric() {
		if labels(m) == "command=show kind=api" {
			resync = m.GetHistogram().GetSampleCount()
		}
	}
	if resync == 0 {
		t.Errorf("the resync's api show is not in the command histogram: %v", got["switchboard_freeswitch_esl_command_duration_seconds"])
	}
}

func nameOf(d metricDef) string {
	s := d.desc.String() // Desc{fqName: "name", ...}
	s = s[len(`Desc{fqName: "`):]
	for i := range s {
		if s[i] == '"' {
			return s[:i]
		}
	}
	return s
}

func labels(m *dto.Metric) string {
	out := ""
	for i, l := range m.GetLabel() {
		if i > 0 {
			out += " "
		}
		out += l.GetName() + "=" + l.GetValue()
	}
	return out
}

// TestNodesReportLiveHealth: Nodes says since when a node is up or down, how
// many of its calls are tracked and when its connection last carried an
// event, and the collector serves the same per node.
func TestNodesReportLiveHealth(t *testing.T) {
	start := time.Now()
	h := newHarness(t)
	one := func() orchestrator.NodeHealth {
		t.Helper()
		ns := h.a.Nodes()
		if len(ns) != 1 || ns[0].Node != "fs1" {
			t.Fatalf("Nodes() = %+v, want fs1 only", ns)
		}
		return ns[0]
	}
	up := one()
	if !up.Up || up.Since.Before(start) || up.Calls != 0 {
		t.Fatalf("after connect: %+v, want up since after %v with no call", up, start)
	}
	for _, id := range []string{"m1", "m2"} {
		if _, err := h.a.track(keyOf(id), nil); err != nil {
			t.Fatal(err)
		}
	}
	if got := one().Calls; got != 2 {
		t.Fatalf("Calls = %d with two calls tracked", got)
	}
	beat := time.Now()
	h.node.emit("", "HEARTBEAT")
	waitUntil(t, "the heartbeat stamped", func() bool { return !one().LastEvent.Before(beat) })

	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(h.a.Collector()); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if labels(m) == "node=fs1" {
				got[mf.GetName()] = m.GetGauge().GetValue()
			}
		}
	}
	if got["switchboard_freeswitch_node_calls"] != 2 {
		t.Errorf("node_calls{fs1} = %v, want 2 (%v)", got["switchboard_freeswitch_node_calls"], got)
	}
	if ts := got["switchboard_freeswitch_node_last_event_timestamp_seconds"]; ts < float64(beat.Unix()) {
		t.Errorf("node_last_event_timestamp_seconds{fs1} = %v, want at or after %d", ts, beat.Unix())
	}

	wentDown := time.Now()
	h.node.srv.Close()
	h.nodeEvent(orchestrator.NodeDown)
	down := one()
	if down.Up || down.Since.Before(wentDown) {
		t.Fatalf("after the node was lost: %+v, want down since after %v", down, wentDown)
	}
	if down.LastEvent.Before(beat) {
		t.Errorf("the last event's time was lost with the connection: %+v", down)
	}
}
