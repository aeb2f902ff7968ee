package asterisk_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/asterisk"
	"github.com/switchboard-cc/switchboard/orchestrator/asterisk/asim"
)

// TestCloseStopsEveryGoroutine: with a call in a handler, a looping Play
// and an originated leg in flight, Close (then the simulator's) brings the
// goroutine count back to where it started.
func TestCloseStopsEveryGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	sim, err := asim.Start(asim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := asterisk.New(asterisk.Options{Node: "ast1", URL: sim.URL(), User: sim.User(), Password: sim.Password()})
	if err != nil {
		t.Fatal(err)
	}
	a.Start()
	for e := range a.NodeEvents() {
		if e.Kind == orchestrator.NodeUp {
			break
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	inCall := make(chan orchestrator.Key, 1)
	go func() {
		defer close(served)
		a.ServeCalls(ctx, func(ctx context.Context, call orchestrator.InboundCall) {
			inCall <- call.Key
			for range call.Events {
			}
		})
	}()
	if _, err := sim.PlaceCall(asim.CallerSpec{Number: "5550001", Exten: "9100"}); err != nil {
		t.Fatal(err)
	}
	key := <-inCall
	if err := a.Answer(ctx, key); err != nil {
		t.Fatal(err)
	}
	played := make(chan struct{})
	go func() {
		defer close(played)
		a.Play(ctx, key, orchestrator.Playback{Files: []string{"tone:ring"}, Loop: true})
	}()
	sim.RegisterPhone("2001", asim.PhoneScript{NoAnswer: true})
	originated := make(chan struct{})
	go func() {
		defer close(originated)
		a.Originate(ctx, orchestrator.OriginateSpec{ID: orchestrator.NewCallID(), To: orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: "2001"}, Timeout: time.Minute})
	}()
	cancel()
	<-played
	<-originated
	<-served
	a.Close()
	sim.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines after Close, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		runtime.Gosched()
		time.Sleep(5 * time.Millisecond) // polling the count, not waiting a fixed time
	}
}
