package calls

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// fakeSwitch records every verb and plays scripted outcomes.
type fakeSwitch struct {
	mu       sync.Mutex
	log      []string
	answerOf map[string]orchestrator.HangupCause // user -> failure cause; absent: answers
	legs     map[string]chan orchestrator.Event  // agent leg ID -> its stream
	stops    map[string]chan struct{}
	// bridgeAnswers: numbers or users a Bridge reaches (others: NO_ANSWER);
	// the peer leg is "peer-" + the bridging leg's ID.
	bridgeAnswers map[string]bool
	bridgeCauses  map[string]orchestrator.HangupCause // the cause a Bridge to these fails with (else NO_ANSWER)
	bridgeGate    chan struct{}                       // non-nil: Bridge waits until it is closed (the far end rings)
	ringGate      chan struct{}                       // non-nil: Originate waits until it is closed (the phone rings)
	longFile      string                              // a Play starting with this file lasts until longGate is closed
	longGate      chan struct{}
	missingFile   string                       // a Play starting with this file fails at once, as a missing source does
	specs         []orchestrator.OriginateSpec // every Originate, in order
	// bridgeCalls, when set, runs in BridgeCalls and its error is the result.
	bridgeCalls func(a, b orchestrator.Key) error
	// answerGate, when set, holds StartAnswer's confirmation until it is
	// closed; answerErr is then the confirmation.
	answerGate chan struct{}
	answerErr  error
}

func newFakeSwitch() *fakeSwitch {
	return &fakeSwitch{answerOf: map[string]orchestrator.HangupCause{}, legs: map[string]chan orchestrator.Event{}, stops: map[string]chan struct{}{},
		bridgeAnswers: map[string]bool{}, bridgeCauses: map[string]orchestrator.HangupCause{}}
}

func (f *fakeSwitch) record(format string, args ...any) {
	f.mu.Lock()
	f.log = append(f.log, fmt.Sprintf(format, args...))
	f.mu.Unlock()
}

func (f *fakeSwitch) entries() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.log...)
}

func (f *fakeSwitch) has(prefix string) bool {
	for _, e := range f.entries() {
		if strings.HasPrefix(e, prefix) {
			return true
		}
	}
	return false
}

func (f *fakeSwitch) Answer(ctx context.Context, c orchestrator.Key) error {
	f.record("answer %s", c.ID)
	f.mu.Lock()
	gate, err := f.answerGate, f.answerErr
	f.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	return err
}
func (f *fakeSwitch) StartAnswer(ctx context.Context, c orchestrator.Key) (<-chan error, error) {
	f.record("answer %s", c.ID)
	f.mu.Lock()
	gate, err := f.answerGate, f.answerErr
	f.mu.Unlock()
	done := make(chan error, 1)
	if gate == nil {
		done <- err
		return done, nil
	}
	go func() {
		select {
		case <-gate:
			done <- err
		case <-ctx.Done():
			done <- context.Cause(ctx)
		}
	}()
	return done, nil
}
func (f *fakeSwitch) PreAnswer(ctx context.Context, c orchestrator.Key) error {
	f.record("pre_answer %s", c.ID)
	return nil
}
func (f *fakeSwitch) Play(ctx context.Context, c orchestrator.Key, p orchestrator.Playback) error {
	f.record("play %s %s%s%s", c.ID, strings.Join(p.Files, ","), p.Text, toneText(p.Tone))
	f.mu.Lock()
	long := f.longGate != nil && len(p.Files) > 0 && p.Files[0] == f.longFile
	missing := f.missingFile != "" && len(p.Files) > 0 && p.Files[0] == f.missingFile
	f.mu.Unlock()
	if missing {
		return errors.New("fake: play " + f.missingFile + ": FILE NOT FOUND")
	}
	if long {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-f.longGate:
			return nil
		}
	}
	if !p.Loop {
		return nil
	}
	f.mu.Lock()
	stop := make(chan struct{})
	f.stops[c.ID] = stop
	f.mu.Unlock()
	select {
	case <-ctx.Done():
	case <-stop:
	}
	return nil
}

// toneText is how the fake logs a tone: "tone:reorder".
func toneText(t orchestrator.Tone) string {
	if t == orchestrator.ToneNone {
		return ""
	}
	return "tone:" + t.String()
}

func (f *fakeSwitch) StopPlay(ctx context.Context, c orchestrator.Key) error {
	f.record("stop_play %s", c.ID)
	f.mu.Lock()
	if s := f.stops[c.ID]; s != nil {
		close(s)
		delete(f.stops, c.ID)
	}
	f.mu.Unlock()
	return nil
}
func (f *fakeSwitch) Bridge(ctx context.Context, c orchestrator.Key, to orchestrator.Endpoint, d time.Duration) (orchestrator.BridgeResult, error) {
	f.record("bridge %s %s", c.ID, to.Number+to.User)
	f.mu.Lock()
	gate, answers, cause := f.bridgeGate, f.bridgeAnswers[to.Number+to.User], f.bridgeCauses[to.Number+to.User]
	f.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return orchestrator.BridgeResult{}, ctx.Err()
		}
	}
	if answers {
		return orchestrator.BridgeResult{Answered: true, Peer: orchestrator.Key{Node: c.Node, ID: "peer-" + c.ID}}, nil
	}
	if cause == "" {
		cause = orchestrator.CauseNoAnswer
	}
	return orchestrator.BridgeResult{Cause: cause}, nil
}
func (f *fakeSwitch) BridgeCalls(ctx context.Context, a, b orchestrator.Key) error {
	f.record("bridge_calls %s %s", a.ID, b.ID)
	f.mu.Lock()
	hook := f.bridgeCalls
	f.mu.Unlock()
	if hook != nil {
		return hook(a, b)
	}
	return nil
}

type causeErr orchestrator.HangupCause

func (c causeErr) Error() string                         { return string(c) }
func (c causeErr) HangupCause() orchestrator.HangupCause { return orchestrator.HangupCause(c) }

func (f *fakeSwitch) Originate(ctx context.Context, s orchestrator.OriginateSpec) (orchestrator.Key, <-chan orchestrator.Event, error) {
	f.record("originate %s@%s", s.To.User, s.To.Domain)
	f.mu.Lock()
	f.specs = append(f.specs, s)
	cause, fails := f.answerOf[s.To.User]
	gate := f.ringGate
	f.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return orchestrator.Key{}, nil, causeErr(orchestrator.CauseOriginatorCancel)
		}
	}
	if fails {
		return orchestrator.Key{}, nil, causeErr(cause)
	}
	ch := make(chan orchestrator.Event, 8)
	f.mu.Lock()
	f.legs[s.To.User] = ch
	hook := f.bridgeCalls
	f.mu.Unlock()
	key := orchestrator.Key{Node: s.Node, ID: s.ID}
	if !s.JoinOnAnswer.IsZero() {
		// the switch joins the answered leg with the caller itself; the
		// bridgeCalls hook decides whether that works, as for BridgeCalls
		f.record("join %s %s", s.JoinOnAnswer.ID, s.ID)
		if hook != nil {
			if err := hook(s.JoinOnAnswer, key); err != nil {
				return key, ch, fmt.Errorf("fake join: %v: %w", err, orchestrator.ErrJoinFailed)
			}
		}
	}
	return key, ch, nil
}

// originated is every OriginateSpec asked for, in order.
func (f *fakeSwitch) originated() []orchestrator.OriginateSpec {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.specs)
}

// connected reports whether the caller was joined (at the answer) or
// bridged (by the controller) with an agent's leg.
func (f *fakeSwitch) connected(caller string) bool {
	return f.has("join "+caller) || f.has("bridge_calls "+caller)
}
func (f *fakeSwitch) RecordStart(ctx context.Context, c orchestrator.Key, p string) error {
	f.record("record_start %s %s", c.ID, p)
	return nil
}
func (f *fakeSwitch) RecordStop(ctx context.Context, c orchestrator.Key, p string) error { return nil }
func (f *fakeSwitch) Hangup(ctx context.Context, c orchestrator.Key, cause orchestrator.HangupCause) error {
	f.record("hangup %s %s", c.ID, cause)
	return nil
}

func (f *fakeSwitch) Hold(ctx context.Context, c orchestrator.Key) error {
	f.record("hold %s", c.ID)
	return nil
}
func (f *fakeSwitch) Unhold(ctx context.Context, c orchestrator.Key) error {
	f.record("unhold %s", c.ID)
	return nil
}
func (f *fakeSwitch) Mute(ctx context.Context, c orchestrator.Key) error {
	f.record("mute %s", c.ID)
	return nil
}
func (f *fakeSwitch) Unmute(ctx context.Context, c orchestrator.Key) error {
	f.record("unmute %s", c.ID)
	return nil
}
func (f *fakeSwitch) Eavesdrop(ctx context.Context, sup, target orchestrator.Key, mode orchestrator.EavesdropMode) error {
	f.record("eavesdrop %s %s", sup.ID, target.ID)
	return nil
}

// lastSpec is the latest Originate to user (or number).
func (f *fakeSwitch) lastSpec(t *testing.T, user string) orchestrator.OriginateSpec {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.specs) - 1; i >= 0; i-- {
		if s := f.specs[i]; s.To.User+s.To.Number == user {
			return s
		}
	}
	t.Fatalf("no originate to %s", user)
	return orchestrator.OriginateSpec{}
}

// agentHangsUp ends the agent leg of user as its phone would.
func (f *fakeSwitch) agentHangsUp(user string) {
	f.mu.Lock()
	ch := f.legs[user]
	f.mu.Unlock()
	ch <- orchestrator.Event{Kind: orchestrator.EventHangup, Cause: orchestrator.CauseNormalClearing, SIPCause: "200"} // the phone's BYE
	ch <- orchestrator.Event{Kind: orchestrator.EventEnded, Cause: orchestrator.CauseNormalClearing}
	close(ch)
}

// fakeQueuer offers the agents in order, one after each reject.
type fakeQueuer struct {
	mu      sync.Mutex
	svc     *Service
	agents  []string
	next    int
	log     []string
	refuse  bool // Accept fails (the offer was withdrawn)
	tenants []tenancy.TenantID
}

func (q *fakeQueuer) offerNext(tenant tenancy.TenantID, id string) {
	q.mu.Lock()
	if q.next >= len(q.agents) {
		q.mu.Unlock()
		return
	}
	a := q.agents[q.next]
	q.next++
	q.mu.Unlock()
	q.svc.Offer(tenant, id, a, uint32(q.next))
}

func (q *fakeQueuer) note(s string) { q.mu.Lock(); q.log = append(q.log, s); q.mu.Unlock() }

func (q *fakeQueuer) entries() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]string(nil), q.log...)
}

func (q *fakeQueuer) Enqueue(ctx context.Context, t tenancy.TenantID, in acd.Interaction) error {
	q.note("enqueue " + in.Queue)
	q.offerNext(t, in.ID)
	return nil
}
func (q *fakeQueuer) Accept(ctx context.Context, t tenancy.TenantID, agent, id string) error {
	q.note("accept " + agent)
	if q.refuse {
		return fmt.Errorf("offer withdrawn")
	}
	return nil
}
func (q *fakeQueuer) Reject(ctx context.Context, t tenancy.TenantID, agent, id string) error {
	q.note("reject " + agent)
	q.offerNext(t, id)
	return nil
}
func (q *fakeQueuer) Dial(ctx context.Context, t tenancy.TenantID, agent, id string) error {
	q.note("dial " + agent)
	return nil
}

func (q *fakeQueuer) Position(ctx context.Context, t tenancy.TenantID, id string) (int, time.Duration, error) {
	return 2, 90 * time.Second, nil
}

func (q *fakeQueuer) Finish(ctx context.Context, t tenancy.TenantID, id string) error {
	q.note("finish")
	return nil
}

type fakeRouter map[string]Route

func (r fakeRouter) Route(ctx context.Context, to string, vars map[string]string, now time.Time) (Route, error) {
	rt, ok := r[to]
	if !ok {
		return Route{}, &Rejection{Cause: "UNALLOCATED_NUMBER", Reason: "no access number " + to}
	}
	return rt, nil
}

type fakeAgents map[string]AgentEndpoint

func (a fakeAgents) Endpoint(t tenancy.TenantID, id string) (AgentEndpoint, bool) {
	ep, ok := a[string(t)+"/"+id]
	return ep, ok
}

type cdrLog struct {
	mu   sync.Mutex
	cdrs []CDR
}

func (l *cdrLog) WriteCDR(ctx context.Context, c CDR) error {
	l.mu.Lock()
	l.cdrs = append(l.cdrs, c)
	l.mu.Unlock()
	return nil
}

func (l *cdrLog) leg(t *testing.T, leg string) []CDR {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []CDR
	for _, c := range l.cdrs {
		if c.Leg == leg {
			out = append(out, c)
		}
	}
	return out
}

// fakeLines lets every tenant place calls, with caller ID "4001".
type fakeLines struct{}

func (fakeLines) Lines(t tenancy.TenantID) (tenancy.Status, tenancy.Quotas, string, bool) {
	return tenancy.StatusActive, tenancy.Quotas{MaxPSTNCalls: 2}, "4001", true
}
