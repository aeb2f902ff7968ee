package flowrun

import (
	"context"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"
)

// maxTraceBuffer bounds the entries kept while the sink fails, so a store
// outage cannot grow a call's memory without limit; older entries go first.
const maxTraceBuffer = 1024

// traceBuf is a call's trace entries not yet appended to the sink.
type traceBuf struct {
	batch   TraceBatch
	oldest  time.Time // when the first waiting entry was added
	dropped int
}

func (t *traceBuf) add(entries []ivrflows.TraceEntry, now time.Time) {
	if len(entries) == 0 {
		return
	}
	if len(t.batch.Entries) == 0 {
		t.oldest = now
	}
	t.batch.Entries = append(t.batch.Entries, entries...)
	if over := len(t.batch.Entries) - maxTraceBuffer; over > 0 {
		t.batch.Entries = append(t.batch.Entries[:0], t.batch.Entries[over:]...)
		t.dropped += over
	}
}

// maybeFlush appends the trace when enough entries wait or the oldest has
// waited long enough, so a supervisor sees a live call's path.
func (in *instance) maybeFlush(ctx context.Context) {
	n := len(in.trace.batch.Entries)
	if n == 0 {
		return
	}
	if n >= in.r.cfg.TraceBatch || in.r.cfg.Clock.Now().Sub(in.trace.oldest) >= in.r.cfg.TraceEvery {
		in.flush(ctx)
	}
}

// flush appends the waiting entries; it works after the caller hung up. On
// failure the entries stay for the next flush (bounded by maxTraceBuffer).
func (in *instance) flush(ctx context.Context) {
	t := &in.trace
	if len(t.batch.Entries) == 0 || in.r.cfg.Traces == nil {
		t.batch.Entries = t.batch.Entries[:0]
		return
	}
	sctx, cancel := detached(ctx)
	defer cancel()
	b := t.batch
	b.Entries = append([]ivrflows.TraceEntry(nil), t.batch.Entries...)
	if err := in.r.cfg.Traces.AppendTrace(sctx, in.meta.Tenant, b); err != nil {
		in.log.Warn("flowrun: trace append failed; kept for the next flush", "entries", len(b.Entries), "err", err)
		in.r.stats.traceFailed()
		return
	}
	t.batch.Entries = t.batch.Entries[:0]
	if t.dropped > 0 {
		in.log.Warn("flowrun: trace entries dropped while the sink failed", "dropped", t.dropped)
		in.r.stats.traceDropped(t.dropped)
		t.dropped = 0
	}
}
