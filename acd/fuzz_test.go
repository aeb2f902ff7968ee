package acd

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzParseNames: names from outside (REST, settings) parse or fail with a
// clear error, and every valid name round-trips.
func FuzzParseNames(f *testing.F) {
	for _, s := range []string{"voice", "chat", "ring_all", "best_skill", "fewest_handled", "", "VOICE", "x\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if m, err := ParseMedium(s); err == nil && m.String() != s {
			t.Fatalf("medium %q -> %v", s, m)
		} else if err != nil && !strings.Contains(err.Error(), "unknown medium") {
			t.Fatalf("unclear error %v", err)
		}
		if st, err := ParseStrategy(s); err == nil {
			if back, err := ParseStrategy(st.String()); err != nil || back != st {
				t.Fatalf("strategy %q -> %v does not round-trip", s, st)
			}
		} else if !errors.Is(err, ErrInvalidConfig) {
			t.Fatalf("untyped error %v", err)
		}
	})
}

// FuzzEnqueue feeds interactions built from arbitrary input (they come from
// sessions and the REST layer) to a configured ACD: no panic, only typed
// errors, and the waiting count stays consistent.
func FuzzEnqueue(f *testing.F) {
	f.Add("x1", "q", uint8(0), 3, "en", 2, "a")
	f.Add("", "nope", uint8(200), -5, "", -1, "")
	f.Add("x2", "q", uint8(2), 1<<30, "fr", 300, "ghost")
	f.Fuzz(func(t *testing.T, id, queue string, medium uint8, prio int, skill string, level int, pref string) {
		h := newHarness(t)
		h.queue(QueueConfig{ID: "q", MaxWaiting: 3})
		h.agent("a", sk("en", 3, "fr", 1), Membership{Queue: "q"})
		h.record(h.d.Login(h.now, "a"))
		in := Interaction{ID: id, Tenant: "t1", Queue: queue, Medium: Medium(medium), Priority: prio, PreferredAgent: pref}
		if skill != "" {
			in.Skills = []SkillLevel{{Skill: skill, Level: level}}
		}
		for i := range 2 {
			_, err := h.d.Enqueue(h.now.Add(time.Duration(i)), in)
			if err != nil && !isAny(err, ErrInvalidConfig, ErrUnknownQueue, ErrUnknownSkill, ErrDuplicate) {
				t.Fatalf("untyped error: %v", err)
			}
		}
		h.ready("a")
		if q := h.d.queues["q"]; q.waiting < 0 || q.waiting > 3 {
			t.Fatalf("waiting %d", q.waiting)
		}
	})
}
