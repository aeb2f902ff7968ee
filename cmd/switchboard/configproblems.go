package main

import (
	"log/slog"
	"slices"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/switchboard-cc/switchboard/api"
	"github.com/switchboard-cc/switchboard/dialplan"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Builders of call configuration, as configuration problems name them.
const (
	sourceCallConfig = "callconfig" // the call path's snapshot and number plan
	sourceXMLCurl    = "xmlcurl"    // what FreeSWITCH nodes are served
)

// configProblems holds what each builder of call configuration left out at
// its last build: logged when it appears, listed by GET
// /api/v1/config-problems and counted in switchboard_config_problems.
// A problem both builders found (xmlcurl rebuilds the number plan) counts
// once, for the first.
type configProblems struct {
	log   *slog.Logger
	gauge *prometheus.GaugeVec

	mu       sync.Mutex
	bySource map[string][]dialplan.Problem
}

func newConfigProblems(reg prometheus.Registerer, log *slog.Logger) (*configProblems, error) {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "switchboard_config_problems",
		Help: "Rows of call configuration left out by each builder at its last build (listed by GET /api/v1/config-problems)."},
		[]string{"source"})
	if err := reg.Register(g); err != nil {
		return nil, err
	}
	for _, src := range []string{sourceCallConfig, sourceXMLCurl} {
		g.WithLabelValues(src).Set(0)
	}
	return &configProblems{log: log, gauge: g, bySource: map[string][]dialplan.Problem{}}, nil
}

// set replaces source's problems, logging each new one with its tenant and
// object.
func (p *configProblems) set(source string, problems []dialplan.Problem) {
	p.mu.Lock()
	defer p.mu.Unlock()
	old := p.bySource[source]
	p.bySource[source] = problems
	for _, pr := range problems {
		if !slices.Contains(old, pr) {
			p.log.Warn("configuration row left out", "source", source, "tenant", string(pr.Tenant),
				"object", pr.Object, "reason", pr.Reason)
		}
	}
	for _, src := range []string{sourceCallConfig, sourceXMLCurl} {
		p.gauge.WithLabelValues(src).Set(float64(len(p.listLocked(src))))
	}
}

// listLocked is source's problems that an earlier source has not listed.
func (p *configProblems) listLocked(source string) []dialplan.Problem {
	var out []dialplan.Problem
	for _, pr := range p.bySource[source] {
		if source == sourceXMLCurl && slices.Contains(p.bySource[sourceCallConfig], pr) {
			continue
		}
		out = append(out, pr)
	}
	return out
}

// ConfigProblems implements api.ConfigProblems.
func (p *configProblems) ConfigProblems() []api.ConfigProblem {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []api.ConfigProblem
	for _, src := range []string{sourceCallConfig, sourceXMLCurl} {
		for _, pr := range p.listLocked(src) {
			out = append(out, api.ConfigProblem{Source: src, TenantID: tenancy.TenantID(pr.Tenant), Object: pr.Object, Reason: pr.Reason})
		}
	}
	return out
}
