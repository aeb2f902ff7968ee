package freeswitch

import (
	"testing"

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
