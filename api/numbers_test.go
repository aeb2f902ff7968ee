package api

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/store"
)

// TestNumbersMustLeadSomewhere: an access number whose entry names no queue
// or flow of the tenant is refused with 422 on entry_alias, listing the
// tenant's queues (or flows); a queue numbers route to is not deleted
// (409 queue_in_use naming the numbers) until they are released.
func TestNumbersMustLeadSomewhere(t *testing.T) {
	e := newEnv(t)
	w := e.populate(e.newTenant("alpha", 2)) // queue "sales", flow "main" and a number to sales
	e.must(e.do("POST", w.base+"/queues", w.admin, store.QueueInput{Name: "support", Strategy: "ring_all"}), 201, nil)
	for _, tt := range []struct {
		in   store.AccessNumberInput
		want []string
	}{
		{store.AccessNumberInput{Number: "+8620111", EntryKind: store.EntryQueue, EntryAlias: "sale"},
			[]string{`no queue \"sale\"`, "sales, support"}},
		{store.AccessNumberInput{Number: "+8620111", EntryKind: store.EntryFlow, EntryAlias: "sales"},
			[]string{`no flow \"sales\"`, "main"}},
	} {
		r := e.do("POST", w.base+"/numbers", w.admin, tt.in)
		if r.status != 422 || !strings.Contains(string(r.body), `"field":"entry_alias"`) {
			t.Errorf("%+v: want 422 on entry_alias, got %s", tt.in, r)
		}
		for _, s := range tt.want {
			if !strings.Contains(string(r.body), s) {
				t.Errorf("%+v: the answer does not say %s: %s", tt.in, s, r)
			}
		}
	}
	r := e.do("PUT", w.base+"/numbers/"+w.params["number_id"], w.admin,
		store.AccessNumberInput{Number: w.number, EntryKind: store.EntryQueue, EntryAlias: "billing"})
	if r.status != 422 || !strings.Contains(string(r.body), `"field":"entry_alias"`) {
		t.Errorf("replacing the entry with a missing queue: want 422, got %s", r)
	}

	r = e.do("DELETE", w.base+"/queues/"+w.params["queue_id"], w.admin, nil)
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Details struct {
				Queue   string   `json:"queue"`
				Numbers []string `json:"access_numbers"`
			} `json:"details"`
		} `json:"error"`
	}
	if r.status != 409 || json.Unmarshal(r.body, &body) != nil || body.Error.Code != "queue_in_use" ||
		body.Error.Details.Queue != "sales" || !slices.Equal(body.Error.Details.Numbers, []string{w.number}) {
		t.Fatalf("deleting a queue a number routes to: want 409 queue_in_use naming %s, got %s", w.number, r)
	}
	e.must(e.do("DELETE", w.base+"/numbers/"+w.params["number_id"], w.admin, nil), 204, nil)
	e.must(e.do("DELETE", w.base+"/queues/"+w.params["queue_id"], w.admin, nil), 204, nil)
}
