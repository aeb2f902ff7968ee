package api

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/store"
)

// FuzzACDQueueConfig: a queue's stored settings (written through the REST
// API) convert into an ACD queue or fail with an error naming the queue;
// whatever converts is either accepted by the core or refused as invalid.
func FuzzACDQueueConfig(f *testing.F) {
	f.Add("longest_idle", 20, `{"max_waiting": 3, "on_full": {"kind": "voicemail", "target": "vm"}}`)
	f.Add("skills_based", 0, `{"primary_skill_id": "s1", "widening": [{"after_seconds": 10, "relax": 1}, {"after_seconds": 5}]}`)
	f.Add("ring_all", -5, `{"on_no_agents": {"kind": "fax"}}`)
	f.Add("nope", 1, `[1,2]`)
	f.Add("random", 1, `{"aging_per_minute": -1}`)
	f.Fuzz(func(t *testing.T, strategy string, ring int, settings string) {
		q := store.Queue{ID: "q1", Strategy: strategy, RingTimeoutSeconds: ring, Settings: json.RawMessage(settings)}
		cfg, err := ACDQueueConfig(q)
		if err != nil {
			if msg := err.Error(); len(msg) < 8 || msg[:8] != "queue q1" {
				t.Fatalf("error does not name the queue: %v", err)
			}
			return
		}
		d := acd.New("t", t0acd, acd.Options{})
		if _, err := d.SetQueue(t0acd, cfg); err != nil && !errors.Is(err, acd.ErrInvalidConfig) {
			t.Fatalf("untyped refusal: %v", err)
		}
	})
}

var t0acd = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
