package freeswitch

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestQueueOrderAlarmAndClose(t *testing.T) {
	var depth atomic.Int64
	alarms := 0
	q := newQueue[int](1, 10, func(int) { alarms++ }, func(d int) { depth.Add(int64(d)) })
	stop := make(chan struct{})
	done := make(chan struct{})
	for i := range 100 {
		q.push(i)
	}
	if alarms != 1 || depth.Load() != 100 {
		t.Fatalf("alarms %d depth %d", alarms, depth.Load())
	}
	go func() { q.pump(stop); close(done) }()
	for i := range 50 {
		if v := <-q.out; v != i {
			t.Fatalf("got %d, want %d", v, i)
		}
	}
	q.close()
	if q.push(1000) {
		t.Error("push after close accepted")
	}
	n := 50
	for v := range q.out {
		if v != n {
			t.Fatalf("got %d, want %d", v, n)
		}
		n++
	}
	<-done
	if n != 100 || depth.Load() != 0 {
		t.Errorf("delivered up to %d, depth %d", n, depth.Load())
	}
}

func TestQueueStopClosesOut(t *testing.T) {
	var depth atomic.Int64
	q := newQueue[int](0, 10, func(int) {}, func(d int) { depth.Add(int64(d)) })
	stop := make(chan struct{})
	go q.pump(stop)
	q.push(1)
	q.push(2)
	close(stop)
	select {
	case _, ok := <-q.out:
		for ok {
			_, ok = <-q.out
		}
	case <-time.After(2 * time.Second):
		t.Fatal("out not closed after stop")
	}
	if depth.Load() != 0 {
		t.Errorf("depth %d after stop", depth.Load())
	}
}
