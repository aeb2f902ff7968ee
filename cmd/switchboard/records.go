package main

import (
	"context"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator/calls"
	"github.com/switchboard-cc/switchboard/store"
)

// storeRecords writes the call path's CDRs to the store.
type storeRecords struct{ st *store.Store }

func (r storeRecords) WriteCDR(ctx context.Context, c calls.CDR) error {
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		v := t.UTC()
		return &v
	}
	// The recording first: whoever sees the CDR (and its recording_path)
	// then finds the recording too.
	if c.Leg == "caller" && c.RecordingPath != "" && !c.Answered.IsZero() {
		if _, err := r.st.InsertRecording(ctx, c.Tenant, store.Recording{CallID: c.CallID, NodeID: c.Node, Path: c.RecordingPath,
			StartedAt: c.Answered, DurationMS: c.Ended.Sub(c.Answered).Milliseconds()}); err != nil {
			return err
		}
	}
	_, err := r.st.InsertCDR(ctx, c.Tenant, store.CDR{NodeID: c.Node, CallID: c.CallID, Leg: c.Leg, Caller: c.Caller,
		AccessNumber: c.AccessNumber, QueueID: c.Queue, AgentID: c.Agent, ArrivedAt: c.Arrived.UTC(),
		QueuedAt: opt(c.Queued), OfferedAt: opt(c.Offered), AnsweredAt: opt(c.Answered), EndedAt: opt(c.Ended),
		Disposition: string(c.Disposition), HangupCause: string(c.HangupCause), SIPHangupCause: c.SIPHangupCause, RecordingPath: c.RecordingPath})
	return err
}
