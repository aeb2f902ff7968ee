package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
)

// The simulated people: agents at their desks and callers dialling in.

// agentDesk follows a tenant's ACD. When an agent's call ends it gives the
// phone a fresh random behaviour for the next call (the ACD's after-call
// work returns the agent to ready by itself); an agent made not ready (no
// answer) becomes ready again after a short pause, as a person would.
func (d *demo) agentDesk(ctx context.Context, t *demoTenant) {
	o, ok := d.ctrl.acds.Owner(string(t.ID))
	if !ok {
		d.log.Error("demo agents idle: no ACD for tenant", "tenant", t.SIPDomain)
		return
	}
	ext := map[string]string{}
	for _, a := range t.agents {
		ext[a.ID] = a.Extension
	}
	sub := o.Subscribe(1024)
	defer func() { sub.Close() }()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	due := map[string]time.Time{} // agent -> when it makes itself ready
	for {
		select {
		case <-ctx.Done():
			return
		case u, open := <-sub.C:
			if !open { // fell behind: catch up through the due list
				sub = o.Subscribe(1024)
				for id := range ext {
					due[id] = time.Now()
				}
				continue
			}
			d.onAgentUpdate(t, u.Decision, ext, due)
		case now := <-tick.C:
			for id, at := range due {
				if now.After(at) {
					delete(due, id)
					if err := d.makeReady(ctx, t, id); err != nil && ctx.Err() == nil {
						d.log.Warn("demo agent could not become ready", "agent", ext[id], "err", err)
					}
				}
			}
		}
	}
}

func (d *demo) onAgentUpdate(t *demoTenant, dec acd.Decision, ext map[string]string, due map[string]time.Time) {
	if dec.Kind != acd.DecTransition {
		return
	}
	tr := dec.Transition
	e, mine := ext[tr.Agent]
	if !mine {
		return
	}
	switch {
	case tr.From == acd.Busy:
		if err := d.registerPhone(t, e); err != nil {
			d.log.Warn("demo phone not re-registered", "agent", e, "err", err)
		}
	case tr.To == acd.NotReady:
		due[tr.Agent] = time.Now().Add(d.scaled(3 * time.Second))
	}
}

// callers places the tenant's calls with Poisson arrivals (exponential gaps
// of mean 1/Rate), round robin over the nodes. Each caller's patience is
// watched by its own goroutine, counted in wg.
func (d *demo) callers(ctx context.Context, t *demoTenant, wg *sync.WaitGroup) {
	mean := time.Duration(float64(time.Minute) / d.opts.Rate)
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-time.After(d.scaled(d.exp(mean))):
		}
		from := fmt.Sprintf("138%08d", d.intn(100_000_000))
		// The served dialplan sets the node's socket token: the nodes share
		// one IP here, and the token tells the controller which one it is.
		c, err := d.routeCall(ctx, i%len(d.nodes), fssim.IncomingCall{From: from, To: t.number})
		if err != nil {
			if ctx.Err() == nil {
				d.log.Warn("demo call not placed", "tenant", t.SIPDomain, "err", err)
			}
			continue
		}
		if d.opts.Patience > 0 {
			patience := d.scaled(d.exp(d.opts.Patience))
			wg.Go(func() { d.waitOrAbandon(ctx, c, patience) })
		}
	}
}

// waitOrAbandon hangs the caller up if no agent is bridged within patience.
func (d *demo) waitOrAbandon(ctx context.Context, c *fssim.Call, patience time.Duration) {
	deadline := time.NewTimer(patience)
	defer deadline.Stop()
	poll := time.NewTicker(100 * time.Millisecond)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.Done():
			return
		case <-poll.C:
			if len(c.Info().Bridged) > 0 {
				return
			}
		case <-deadline.C:
			if len(c.Info().Bridged) == 0 {
				_ = c.Hangup("")
			}
			return
		}
	}
}
