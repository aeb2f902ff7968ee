package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator/calls"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// storeRecords writes the call path's CDRs to the store.
type storeRecords struct{ st *store.Store }

func (r storeRecords) WriteCDR(ctx context.Context, c calls.CDR) error {
	return r.writeTenant(ctx, c.Tenant, []calls.CDR{c})
}

// writeTenant writes CDRs of one tenant, and the recordings their caller
// legs name, in one transaction.
func (r storeRecords) writeTenant(ctx context.Context, tenant tenancy.TenantID, cs []calls.CDR) error {
	rows := make([]store.CDR, len(cs))
	var recs []store.Recording
	for i, c := range cs {
		if c.Leg == "caller" && c.RecordingPath != "" && !c.Answered.IsZero() {
			recs = append(recs, store.Recording{CallID: c.CallID, NodeID: c.Node, Path: c.RecordingPath,
				StartedAt: c.Answered, DurationMS: c.Ended.Sub(c.Answered).Milliseconds()})
		}
		rows[i] = storeCDR(c)
	}
	_, err := r.st.InsertCallRecords(ctx, tenant, recs, rows)
	return err
}

func storeCDR(c calls.CDR) store.CDR {
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		v := t.UTC()
		return &v
	}
	return store.CDR{NodeID: c.Node, CallID: c.CallID, Leg: c.Leg, Caller: c.Caller,
		AccessNumber: c.AccessNumber, QueueID: c.Queue, AgentID: c.Agent, ArrivedAt: c.Arrived.UTC(),
		QueuedAt: opt(c.Queued), OfferedAt: opt(c.Offered), AnsweredAt: opt(c.Answered), EndedAt: opt(c.Ended),
		Disposition: string(c.Disposition), HangupCause: string(c.HangupCause), SIPHangupCause: c.SIPHangupCause, RecordingPath: c.RecordingPath}
}

// cdrWriter batches the call path's CDRs: WriteCDR queues a record and
// returns, and one goroutine writes what queued within cdrLinger of the
// first (up to cdrBatchMax records), each tenant's in one transaction,
// instead of a transaction per call leg on the call's own goroutine. A
// failed batch is logged, with its records. Close writes what is queued and
// stops the goroutine; records that come after it are written at once.
type cdrWriter struct {
	rec storeRecords
	log *slog.Logger
	in  chan calls.CDR

	mu     sync.RWMutex // held for reading while queueing; Close takes it to close in
	closed bool
	done   chan struct{}
}

const (
	cdrLinger   = 50 * time.Millisecond
	cdrBatchMax = 500
)

func newCDRWriter(rec storeRecords, log *slog.Logger) *cdrWriter {
	w := &cdrWriter{rec: rec, log: log, in: make(chan calls.CDR, 4*cdrBatchMax), done: make(chan struct{})}
	go w.run()
	return w
}

// WriteCDR queues c; it blocks only while the queue is full.
func (w *cdrWriter) WriteCDR(ctx context.Context, c calls.CDR) error {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return w.rec.WriteCDR(ctx, c)
	}
	w.in <- c
	return nil
}

// Close writes what is queued and stops the writer.
func (w *cdrWriter) Close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.in)
	}
	w.mu.Unlock()
	<-w.done
}

func (w *cdrWriter) run() {
	defer close(w.done)
	linger := time.NewTimer(cdrLinger)
	linger.Stop()
	for c := range w.in {
		batch := []calls.CDR{c}
		linger.Reset(cdrLinger)
	collect:
		for len(batch) < cdrBatchMax {
			select {
			case c, ok := <-w.in:
				if !ok {
					break collect
				}
				batch = append(batch, c)
			case <-linger.C:
				break collect
			}
		}
		linger.Stop()
		w.write(batch)
	}
}

// write writes a batch, each tenant's records in one transaction.
func (w *cdrWriter) write(batch []calls.CDR) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	byTenant := map[tenancy.TenantID][]calls.CDR{}
	var order []tenancy.TenantID
	for _, c := range batch {
		if _, ok := byTenant[c.Tenant]; !ok {
			order = append(order, c.Tenant)
		}
		byTenant[c.Tenant] = append(byTenant[c.Tenant], c)
	}
	for _, t := range order {
		if err := w.rec.writeTenant(ctx, t, byTenant[t]); err != nil {
			for _, c := range byTenant[t] {
				w.log.Warn("CDR not stored", "call", c.CallID, "leg", c.Leg, "tenant", string(t), "err", err)
			}
		}
	}
}
