package flowrun

import (
	"context"
	"errors"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/orchestrator"
)

// exec carries out one command. Commands with a result queue it as an
// input; a Queue or Transfer stops the loop at the next turn (hand-off).
//
// Once the caller is gone nothing more is carried out but a survey score
// already given (a retry of a failed request would only hit the tenant's
// service for nobody); the loop feeds CallerHangup next.
func (in *instance) exec(ctx context.Context, cmd ivrflows.Command) {
	if sv, ok := cmd.(ivrflows.SaveSurvey); ok {
		in.saveSurvey(ctx, sv)
		return
	}
	if in.gone || ctx.Err() != nil {
		in.gone = true
		return
	}
	switch c := cmd.(type) {
	case ivrflows.Play:
		in.startPlayback(ctx, c.Items, false)
	case ivrflows.StopPlay:
		in.breakPlayback(ctx)
	case ivrflows.Collect:
		if x := in.pending(ctx); x != nil {
			in.inputs = append(in.inputs, x) // a key already typed: no prompt
			return
		}
		cc := c
		in.collect, in.timer = &cc, nil
		if len(c.Prompt) > 0 && in.startPlayback(ctx, c.Prompt, true) {
			return
		}
		in.timer = in.r.cfg.Clock.After(c.Timeout)
	case ivrflows.HTTPRequest:
		in.result(ctx, in.doHTTP(ctx, c))
	case ivrflows.SQLQuery:
		in.result(ctx, in.doSQL(ctx, c))
	case ivrflows.Lookup:
		in.result(ctx, in.doLookup(ctx, c))
	case ivrflows.Queue:
		in.handoff = &Outcome{Kind: HandOffQueue, Queue: in.publicQueue(c)}
	case ivrflows.Transfer:
		in.handoff = &Outcome{Kind: HandOffTransfer, Transfer: c}
	case ivrflows.Record:
		in.record(ctx, c.Prompt, c.MaxLength, c.Beep, "")
	case ivrflows.Voicemail:
		in.voicemail(ctx, c)
	case ivrflows.SaveSurvey:
		in.saveSurvey(ctx, c)
	case ivrflows.Hangup:
		in.hangup(ctx, c.Cause)
	default:
		in.log.Error("flowrun: unknown command", "command", cmd)
	}
}

// result queues a command's result, unless the caller hung up meanwhile.
func (in *instance) result(ctx context.Context, x ivrflows.Input) {
	if ctx.Err() != nil {
		in.gone = true
		return
	}
	in.inputs = append(in.inputs, x)
}

func (in *instance) doHTTP(ctx context.Context, c ivrflows.HTTPRequest) ivrflows.HTTPResponse {
	if in.r.cfg.HTTP == nil {
		return ivrflows.HTTPResponse{Err: "no HTTP client configured"}
	}
	res := in.r.cfg.HTTP.Do(ctx, in.meta.Tenant, c)
	if res.Err != "" {
		in.log.Warn("flowrun: http request failed", "node", c.Node, "attempt", c.Attempt, "err", res.Err)
	}
	return res
}

func (in *instance) doSQL(ctx context.Context, c ivrflows.SQLQuery) ivrflows.QueryResult {
	if in.r.cfg.SQL == nil {
		return ivrflows.QueryResult{Err: "no SQL data sources configured"}
	}
	rows, err := in.r.cfg.SQL.Query(ctx, in.meta.Tenant, c)
	if err != nil {
		in.log.Warn("flowrun: sql query failed", "node", c.Node, "datasource", c.DataSource, "err", err)
		return ivrflows.QueryResult{Err: err.Error()}
	}
	return ivrflows.QueryResult{Rows: rows}
}

// doLookup fails open: a list that cannot be read counts as "not found"
// (a blacklist outage must not block every caller), and is logged.
func (in *instance) doLookup(ctx context.Context, c ivrflows.Lookup) ivrflows.LookupResult {
	if in.r.cfg.Lists == nil {
		in.log.Warn("flowrun: no lists configured", "list", c.List)
		return ivrflows.LookupResult{}
	}
	found, err := in.r.cfg.Lists.Contains(ctx, in.meta.Tenant, c.List, c.Key)
	if err != nil {
		in.log.Warn("flowrun: list lookup failed", "list", c.List, "err", err)
	}
	return ivrflows.LookupResult{Found: found && err == nil}
}

func (in *instance) saveSurvey(ctx context.Context, c ivrflows.SaveSurvey) {
	if in.r.cfg.Surveys == nil {
		in.log.Warn("flowrun: survey score dropped: no sink", "question", c.Question, "score", c.Score)
		return
	}
	callID := c.CallID
	if callID == "" {
		callID = in.call.Key.ID
	}
	res := SurveyResult{Tenant: in.meta.Tenant, CallID: callID, FlowID: in.meta.FlowID, Version: in.meta.Version,
		Question: c.Question, Score: c.Score, Agent: c.Agent, At: in.r.cfg.Clock.Now()}
	sctx, cancel := detached(ctx)
	defer cancel()
	if err := in.r.cfg.Surveys.SaveSurvey(sctx, res); err != nil {
		in.log.Error("flowrun: saving survey score failed", "err", err)
	}
}

func (in *instance) hangup(ctx context.Context, cause string) {
	if in.gone || ctx.Err() != nil {
		return
	}
	if cause == "" {
		cause = string(orchestrator.CauseNormalClearing)
	}
	err := in.r.cfg.Switch.Hangup(ctx, in.call.Key, orchestrator.HangupCause(cause))
	if err != nil && !errors.Is(err, orchestrator.ErrCallEnded) && !errors.Is(err, orchestrator.ErrNoSuchCall) {
		in.log.Warn("flowrun: hangup failed", "err", err)
	}
}

// detached is a context for work that must finish after the caller hung up
// (saving a voicemail, flushing the trace), bounded in time.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
}
