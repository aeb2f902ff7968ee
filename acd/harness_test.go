package acd

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

// tb is what the harness needs from *testing.T and *rapid.T.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// harness drives an ACD with a manual clock and records every plan.
type harness struct {
	t      tb
	d      *ACD
	now    time.Time
	log    []Decision
	timers map[TimerRef]time.Time
}

func newHarness(t tb) *harness {
	return &harness{t: t, d: New("t1", t0, Options{Seed: 1}), now: t0, timers: map[TimerRef]time.Time{}}
}

func (h *harness) record(ds []Decision, err error) []Decision {
	h.t.Helper()
	if err != nil {
		h.t.Fatalf("unexpected error: %v", err)
	}
	for _, d := range ds {
		if d.Kind == DecTimer {
			h.timers[d.Timer] = d.At
		}
	}
	h.log = append(h.log, ds...)
	return append([]Decision(nil), ds...)
}

func (h *harness) queue(cfg QueueConfig) { h.t.Helper(); h.record(h.d.SetQueue(h.now, cfg)) }

func (h *harness) agent(id string, skills []SkillLevel, queues ...Membership) {
	h.t.Helper()
	h.record(h.d.SetAgent(h.now, AgentProfile{ID: id, Tenant: "t1", Skills: skills, Queues: queues}))
}

// ready logs the agent in and makes it ready.
func (h *harness) ready(id string) []Decision {
	h.t.Helper()
	if v, _ := h.d.Agent(h.now, id); v.State == LoggedOut {
		h.record(h.d.Login(h.now, id))
	}
	return h.record(h.d.Ready(h.now, id))
}

func (h *harness) enqueue(x Interaction) []Decision {
	h.t.Helper()
	x.Tenant = "t1"
	return h.record(h.d.Enqueue(h.now, x))
}

// advance moves the clock, firing due timers in deadline order.
func (h *harness) advance(d time.Duration) {
	h.t.Helper()
	end := h.now.Add(d)
	for {
		var next TimerRef
		var at time.Time
		for r, t := range h.timers {
			if !t.After(end) && (at.IsZero() || t.Before(at) || (t.Equal(at) && fmt.Sprint(r) < fmt.Sprint(next))) {
				next, at = r, t
			}
		}
		if at.IsZero() {
			break
		}
		delete(h.timers, next)
		if at.After(h.now) {
			h.now = at
		}
		h.record(h.d.Fire(h.now, next))
	}
	h.now = end
}

func (h *harness) state(id string) State {
	h.t.Helper()
	v, err := h.d.Agent(h.now, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return v.State
}

// offers lists "interaction>agent" for each offer in ds.
func offers(ds []Decision) string {
	var s []string
	for _, d := range ds {
		if d.Kind == DecOffer {
			s = append(s, d.Interaction+">"+d.Agent)
		}
	}
	return strings.Join(s, " ")
}

func find(ds []Decision, k DecisionKind) (Decision, bool) {
	for _, d := range ds {
		if d.Kind == k {
			return d, true
		}
	}
	return Decision{}, false
}

func mustErr[T error](t *testing.T, err error) T {
	t.Helper()
	var target T
	if !errors.As(err, &target) {
		t.Fatalf("error %v is not %T", err, target)
	}
	return target
}

func sk(pairs ...any) []SkillLevel {
	var s []SkillLevel
	for i := 0; i < len(pairs); i += 2 {
		s = append(s, SkillLevel{Skill: pairs[i].(string), Level: pairs[i+1].(int)})
	}
	return s
}

func asErr[T error](err error, target *T) bool { return errors.As(err, target) }

func isAny(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}
