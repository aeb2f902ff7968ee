package calls

import (
	"testing"

	"github.com/switchboard-cc/switchboard/tenancy"
)

func TestHubDeliversOnlyToTheTenantAndDropsSlowScreens(t *testing.T) {
	h := NewHub()
	a := h.Subscribe("acme", 8)
	b := h.Subscribe("bolt", 8)
	h.Notify("acme", Notice{Kind: "offer", Agent: "ann", Data: map[string]string{"policy": "P-1"}})
	got := <-a.C
	if got.Kind != "offer" || got.Data["policy"] != "P-1" {
		t.Fatalf("acme got %+v", got)
	}
	select {
	case n := <-b.C:
		t.Fatalf("bolt received acme's notice %+v", n)
	default:
	}
	for i := 0; i < 9; i++ { // one more than the buffer
		h.Notify("acme", Notice{Kind: "offer"})
	}
	n := 0
	for range a.C {
		n++
	}
	if n != 8 || a.Err() != "fell behind" || h.Dropped() != 1 {
		t.Fatalf("slow screen: read %d, err %q, dropped %d", n, a.Err(), h.Dropped())
	}
	b.Close()
	if _, open := <-b.C; open || b.Err() != "closed" {
		t.Fatal("Close must close the channel")
	}
	h.Notify(tenancy.TenantID("bolt"), Notice{}) // no subscriber left: nothing blocks
}
