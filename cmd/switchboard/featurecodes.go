package main

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard-cc/switchboard/orchestrator/featurecodes"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// newFeatureCodes serves the codes agents dial on their phones through the
// tenants' ACD owners (the REST API's path), with each tenant's codes and
// reasons from the store, its language from the loaded configuration, and
// the offline TTS when installed. Called after newFlowRunner set c.tts.
func (c *controller) newFeatureCodes() (*featurecodes.Service, error) {
	served := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_feature_codes_total",
		Help: "Feature codes dialled from agents' phones, by tenant, action (login, logout, ready, not_ready, break, end_wrap, state, unknown) and outcome (done, refused, unknown)."},
		[]string{"tenant", "action", "outcome"})
	if err := c.reg.Register(served); err != nil {
		return nil, err
	}
	cfg := featurecodes.Config{Desks: featureDesks{c.acds}, Settings: featureSettings{c}, Log: c.log.With("part", "featurecodes"),
		Count: func(t tenancy.TenantID, action string, o featurecodes.Outcome) {
			served.WithLabelValues(string(t), action, string(o)).Inc()
		}}
	if c.tts != nil {
		cfg.Prompter = c.tts
	}
	return featurecodes.New(cfg), nil
}

type featureDesks struct{ r *tenantACDs }

func (d featureDesks) Desk(t tenancy.TenantID) (featurecodes.Desk, bool) {
	o, ok := d.r.Owner(string(t))
	if !ok {
		return nil, false
	}
	return o, true
}

type featureSettings struct{ c *controller }

func (f featureSettings) FeatureSettings(ctx context.Context, t tenancy.TenantID) (featurecodes.Settings, error) {
	codes, err := f.c.st.FeatureCodes(ctx, t)
	if err != nil {
		return featurecodes.Settings{}, err
	}
	ds, err := f.c.st.DesktopSettings(ctx, t)
	if err != nil {
		return featurecodes.Settings{}, err
	}
	return featurecodes.Settings{Codes: codes, Reasons: ds.NotReadyReasons, Language: f.c.conf.Snapshot().Tenants[t].Language}, nil
}
