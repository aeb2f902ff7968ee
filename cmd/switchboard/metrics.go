package main

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/callconfig"
	"github.com/switchboard-cc/switchboard/orchestrator/acdowner"
	"github.com/switchboard-cc/switchboard/orchestrator/admission"
	"github.com/switchboard-cc/switchboard/orchestrator/calls"
)

// The product's own metrics (docs/metrics.md lists them all). Figures that
// already live somewhere (the ACD owners' queues and agents, admission's
// counters, the configuration's reload count) are read at scrape time by
// a prometheus.Collector, so nothing is stored twice; only call endings,
// which are events, are counted here. Labels are bounded: tenant IDs
// (thousands at most), a tenant's queue IDs, closed sets (disposition,
// leg, state, resource); never a call or agent ID.

// countedRecords counts every CDR by tenant, leg and disposition as it is
// handed to the store.
type countedRecords struct {
	calls.Records
	ended *prometheus.CounterVec
}

func newCountedRecords(reg prometheus.Registerer, r calls.Records) (countedRecords, error) {
	ended := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_calls_total",
		Help: "Call legs ended, by tenant, leg (caller, agent, outbound, consult) and disposition; leg=\"caller\" counts inbound calls."},
		[]string{"tenant", "leg", "disposition"})
	if err := reg.Register(ended); err != nil {
		return countedRecords{}, err
	}
	return countedRecords{Records: r, ended: ended}, nil
}

func (r countedRecords) WriteCDR(ctx context.Context, c calls.CDR) error {
	r.ended.WithLabelValues(string(c.Tenant), c.Leg, string(c.Disposition)).Inc()
	return r.Records.WriteCDR(ctx, c)
}

// scrapeTimeout bounds how long a scrape waits for one tenant's ACD owner;
// an owner that does not answer is left out of that scrape.
const scrapeTimeout = 2 * time.Second

var (
	queueWaitingDesc = prometheus.NewDesc("switchboard_queue_waiting",
		"Callers waiting in the queue now.", []string{"tenant", "queue"}, nil)
	queueLongestDesc = prometheus.NewDesc("switchboard_queue_longest_wait_seconds",
		"How long the queue's longest-waiting caller has waited.", []string{"tenant", "queue"}, nil)
	queueLoggedInDesc = prometheus.NewDesc("switchboard_queue_agents_logged_in",
		"Agents of the queue who are logged in.", []string{"tenant", "queue"}, nil)
	agentsDesc = prometheus.NewDesc("switchboard_agents",
		"Configured agents by ACD state (logged_out, not_ready, ready, reserved, busy, after_call_work, break).", []string{"tenant", "state"}, nil)
	acdDecisionsDesc = prometheus.NewDesc("switchboard_acd_decisions_total",
		"Routing decisions the tenant's ACD made (offers, cancels, overflows, timers).", []string{"tenant"}, nil)
	acdOfferFailuresDesc = prometheus.NewDesc("switchboard_acd_offer_failures_total",
		"Offers the call path could not deliver to an agent.", []string{"tenant"}, nil)
	acdHistoryFailuresDesc = prometheus.NewDesc("switchboard_acd_history_failures_total",
		"Agent-state history writes that failed.", []string{"tenant"}, nil)
	admissionInUseDesc = prometheus.NewDesc("switchboard_admission_in_use",
		"Units of a tenant's quota held now (pstn_calls, web_calls, chats...).", []string{"tenant", "resource"}, nil)
	admissionAdmittedDesc = prometheus.NewDesc("switchboard_admission_admitted_total",
		"Units admitted under the tenant's quota.", []string{"tenant", "resource"}, nil)
	admissionRefusedDesc = prometheus.NewDesc("switchboard_admission_refusals_total",
		"Admissions refused because the tenant was at its quota.", []string{"tenant", "resource"}, nil)
	reloadFailuresDesc = prometheus.NewDesc("switchboard_config_reload_failures_total",
		"Reloads of the call configuration that failed (the previous configuration kept serving).", nil, nil)
	lastReloadDesc = prometheus.NewDesc("switchboard_config_last_reload_success_timestamp_seconds",
		"When the call configuration was last read successfully (Unix time).", nil, nil)
)

// controllerCollector reads the ACD owners, admission and the live
// configuration at every scrape.
type controllerCollector struct {
	acds *tenantACDs
	adm  *admission.Controller
	conf *callconfig.Live
}

func (c controllerCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{queueWaitingDesc, queueLongestDesc, queueLoggedInDesc, agentsDesc,
		acdDecisionsDesc, acdOfferFailuresDesc, acdHistoryFailuresDesc,
		admissionInUseDesc, admissionAdmittedDesc, admissionRefusedDesc, reloadFailuresDesc, lastReloadDesc} {
		ch <- d
	}
}

func (c controllerCollector) Collect(ch chan<- prometheus.Metric) {
	c.collectACDs(ch)
	for _, s := range c.adm.Stats() {
		t, r := string(s.Tenant), string(s.Resource)
		ch <- prometheus.MustNewConstMetric(admissionInUseDesc, prometheus.GaugeValue, float64(s.InUse), t, r)
		ch <- prometheus.MustNewConstMetric(admissionAdmittedDesc, prometheus.CounterValue, float64(s.Admitted), t, r)
		ch <- prometheus.MustNewConstMetric(admissionRefusedDesc, prometheus.CounterValue, float64(s.Refused), t, r)
	}
	ch <- prometheus.MustNewConstMetric(reloadFailuresDesc, prometheus.CounterValue, float64(c.conf.ReloadFailures()))
	if at := c.conf.LastLoaded(); !at.IsZero() {
		ch <- prometheus.MustNewConstMetric(lastReloadDesc, prometheus.GaugeValue, float64(at.UnixNano())/1e9)
	}
}

// collectACDs asks each tenant's owner for its queues and agents, a few
// owners at a time (one turn of each owner). Every state is reported for
// every tenant (0 included), so a dashboard's series do not vanish when a
// state empties.
func (c controllerCollector) collectACDs(ch chan<- prometheus.Metric) {
	owners := make(chan *acdowner.Owner)
	var wg sync.WaitGroup
	for range scrapeWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for o := range owners {
				collectOwner(ch, o)
			}
		}()
	}
	for _, o := range c.acds.all() {
		owners <- o
	}
	close(owners)
	wg.Wait()
}

// scrapeWorkers is how many owners a scrape asks at once.
const scrapeWorkers = 8

func collectOwner(ch chan<- prometheus.Metric, o *acdowner.Owner) {
	t := o.Tenant()
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	g, err := o.Gauges(ctx)
	cancel()
	if err == nil {
		for _, q := range g.Queues {
			ch <- prometheus.MustNewConstMetric(queueWaitingDesc, prometheus.GaugeValue, float64(q.Waiting), t, q.Queue)
			ch <- prometheus.MustNewConstMetric(queueLongestDesc, prometheus.GaugeValue, q.LongestWait.Seconds(), t, q.Queue)
			ch <- prometheus.MustNewConstMetric(queueLoggedInDesc, prometheus.GaugeValue, float64(q.LoggedIn), t, q.Queue)
		}
		for _, st := range acd.States() {
			ch <- prometheus.MustNewConstMetric(agentsDesc, prometheus.GaugeValue, float64(g.Agents[st]), t, st.String())
		}
	}
	n := o.Counters()
	ch <- prometheus.MustNewConstMetric(acdDecisionsDesc, prometheus.CounterValue, float64(n.Decisions), t)
	ch <- prometheus.MustNewConstMetric(acdOfferFailuresDesc, prometheus.CounterValue, float64(n.OfferFailures), t)
	ch <- prometheus.MustNewConstMetric(acdHistoryFailuresDesc, prometheus.CounterValue, float64(n.HistoryFailures), t)
}
