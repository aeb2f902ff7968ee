package freeswitch

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

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
	got := map[string]float64{}
	for _, mf := range mfs {
		m := mf.GetMetric()[0]
		got[mf.GetName()] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
	}
	if len(got) != len(metricDefs)+1 || got["switchboard_freeswitch_calls"] != 1 || got["switchboard_freeswitch_nodes_up"] != 1 {
		t.Errorf("metrics %v", got)
	}
}
