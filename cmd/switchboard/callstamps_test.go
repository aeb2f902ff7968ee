package main

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
)

// callStamps records fssim's event stamps (time.Now, microseconds) of the
// benchmarks' calls, read as a second inbound ESL client of each node beside
// the controller:
//   - offer: from just before the caller's socket connect to the agent
//     leg's CHANNEL_ORIGINATE (the controller routed, admitted, queued, got
//     the ACD's offer and sent originate);
//   - bridge: from the agent leg's CHANNEL_ANSWER to the CHANNEL_BRIDGE that
//     joins it with the caller: the switch's own join at the answer (the
//     caller's bridge application; intercept for a second offer at once),
//     or the controller's uuid_bridge when the agent is announced first
//     (the controller saw the answer, told the ACD, bridged).
//
// Its watchers stop when the context given to watch ends; wait waits for them.
type callStamps struct {
	wg sync.WaitGroup

	mu      sync.Mutex
	started map[string]time.Time // caller UUID -> just before connect
	offered map[string]time.Time // caller UUID -> agent leg CHANNEL_ORIGINATE
	legOf   map[string]string    // caller UUID -> agent leg UUID
	answer  map[string]time.Time // agent leg UUID -> CHANNEL_ANSWER
	bridged map[string]time.Time // caller UUID -> CHANNEL_BRIDGE
}

func newCallStamps() *callStamps {
	return &callStamps{started: map[string]time.Time{}, offered: map[string]time.Time{}, legOf: map[string]string{},
		answer: map[string]time.Time{}, bridged: map[string]time.Time{}}
}

// start notes that the caller id is about to connect.
func (cs *callStamps) start(id string) {
	cs.mu.Lock()
	cs.started[id] = time.Now()
	cs.mu.Unlock()
}

// watch subscribes to a node's call events on an inbound ESL connection of
// its own; its goroutine ends when ctx does (the connection is closed).
func (cs *callStamps) watch(ctx context.Context, addr, password string) error {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	r, w := esl.NewReader(nc), esl.NewWriter(nc)
	for _, cmd := range []string{"auth " + password, "event plain CHANNEL_ORIGINATE CHANNEL_ANSWER CHANNEL_BRIDGE"} {
		if _, err := r.ReadFrame(); err != nil { // auth/request, then the auth reply
			stop()
			nc.Close()
			return err
		}
		if err := w.WriteCommand(cmd); err != nil {
			stop()
			nc.Close()
			return err
		}
	}
	if f, err := r.ReadFrame(); err != nil || !f.OK() {
		stop()
		nc.Close()
		return fmt.Errorf("event subscription: %v %v", f, err)
	}
	cs.wg.Go(func() {
		for {
			f, err := r.ReadFrame()
			if err != nil {
				return
			}
			if ev, err := esl.ParseEvent(f); err == nil {
				cs.record(ev)
			}
		}
	})
	return nil
}

// wait waits for the watchers, once their context has ended.
func (cs *callStamps) wait() { cs.wg.Wait() }

func (cs *callStamps) record(ev *esl.Event) {
	us, err := strconv.ParseInt(ev.Get("Event-Date-Timestamp"), 10, 64)
	if err != nil {
		return
	}
	at := time.UnixMicro(us)
	cs.mu.Lock()
	defer cs.mu.Unlock()
	switch ev.Name() {
	case "CHANNEL_ORIGINATE":
		if caller := ev.Get("variable_sb_caller_call"); caller != "" {
			if _, seen := cs.offered[caller]; !seen {
				cs.offered[caller], cs.legOf[caller] = at, ev.UUID()
			}
		}
	case "CHANNEL_ANSWER":
		cs.answer[ev.UUID()] = at
	case "CHANNEL_BRIDGE":
		// the caller is the A leg of its bridge application and of the
		// controller's uuid_bridge, the B leg of an intercept join
		for _, leg := range []string{ev.Get("Bridge-A-Unique-ID"), ev.Get("Bridge-B-Unique-ID")} {
			if _, seen := cs.bridged[leg]; !seen {
				cs.bridged[leg] = at
			}
		}
	}
}

// unbridged counts the callers of ids not bridged yet.
func (cs *callStamps) unbridged(ids []string) int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	missing := 0
	for _, id := range ids {
		if _, ok := cs.bridged[id]; !ok {
			missing++
		}
	}
	return missing
}

// waitBridged waits until every caller of ids is bridged or limit has
// passed, and returns how many never were.
func (cs *callStamps) waitBridged(ids []string, limit time.Duration) int {
	deadline := time.Now().Add(limit)
	for {
		missing := cs.unbridged(ids)
		if missing == 0 || time.Now().After(deadline) {
			return missing
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// latencies returns the offer and bridge delays of the bridged callers of
// ids, in milliseconds, and the last bridge's stamp.
func (cs *callStamps) latencies(ids []string) (offers, bridges []float64, last time.Time) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	for _, id := range ids {
		b, ok := cs.bridged[id]
		if !ok {
			continue
		}
		offers = append(offers, msOf(cs.offered[id].Sub(cs.started[id])))
		bridges = append(bridges, msOf(b.Sub(cs.answer[cs.legOf[id]])))
		if b.After(last) {
			last = b
		}
	}
	return offers, bridges, last
}

// startedAt is when the caller id was about to connect.
func (cs *callStamps) startedAt(id string) time.Time {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.started[id]
}

func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
