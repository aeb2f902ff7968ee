package ivrflows

import "fmt"

// enterNode starts a node; resume continues it with the input it waited for.

func (r *run) enterNode(n *CompiledNode) next {
	switch p := n.Params.(type) {
	case *PlayParams:
		return r.play(p.Prompts, p.BargeIn)
	case *CollectParams:
		return r.collectNext(r.collectStart(&p.spec))
	case *MenuParams:
		return r.collectNext(r.collectStart(&p.spec))
	case *SetParams:
		return r.assign(p)
	case *ConditionParams:
		return r.condition(p)
	case *SwitchParams:
		return r.switchNode(p)
	case *HoursParams:
		return next{exit: p.cal.State(r.now)}
	case *LanguageParams:
		return r.language(p)
	case *HTTPParams:
		r.s.Attempt = 1
		return r.httpSend(p)
	case *SQLParams:
		return r.sqlSend(p)
	case *QueueParams:
		return r.queue(p)
	case *TransferParams:
		return r.transfer(p)
	case *VoicemailParams:
		return r.voicemail(p)
	case *SurveyParams:
		if r.s.Vars[VarAgent] == "" {
			return next{exit: ExitNext} // no agent leg: nobody to rate
		}
		return r.collectNext(r.collectStart(&p.spec))
	case *LookupParams:
		return r.lookup(p)
	case *RecordParams:
		return r.record(p)
	case *HangupParams:
		if len(p.Prompts) > 0 {
			return r.play(p.Prompts, false)
		}
		r.emit(Hangup{Cause: p.Cause})
		return next{end: OutcomeHangup}
	}
	return next{err: fmt.Errorf("node type %s cannot run", n.Type)}
}

func (r *run) resume(n *CompiledNode, in Input) next {
	switch p := n.Params.(type) {
	case *PlayParams:
		return next{exit: ExitNext}
	case *HangupParams:
		r.emit(Hangup{Cause: p.Cause})
		return next{end: OutcomeHangup}
	case *CollectParams:
		return r.collectNext(r.collectInput(&p.spec, in))
	case *MenuParams:
		return r.collectNext(r.collectInput(&p.spec, in))
	case *SurveyParams:
		return r.surveyInput(p, in)
	case *HTTPParams:
		return r.httpDone(p, in.(HTTPResponse))
	case *SQLParams:
		return r.sqlDone(p, in.(QueryResult))
	case *LookupParams:
		if in.(LookupResult).Found {
			return next{exit: "found"}
		}
		return next{exit: "not_found"}
	case *QueueParams:
		return r.queueInput(in)
	case *TransferParams:
		if res := in.(TransferResult); !res.OK {
			return next{exit: "failed"}
		}
		return next{end: OutcomeTransferred}
	case *VoicemailParams, *RecordParams:
		return r.recordDone(n, in.(RecordDone))
	}
	return next{err: fmt.Errorf("%w: %T", ErrUnexpectedInput, in)}
}

func (r *run) play(ps []Prompt, bargeIn bool) next {
	items, err := r.items(ps)
	if err != nil {
		return next{err: err}
	}
	r.emit(Play{Items: items, BargeIn: bargeIn})
	return next{wait: waitPlay}
}

// collectNext turns a collection status into the node's decision; a menu's
// valid entry is handled by its caller.
func (r *run) collectNext(st collectStatus, err error) next {
	switch {
	case err != nil:
		return next{err: err}
	case st == collectFailed:
		return next{exit: ExitFail}
	case st == collectPending:
		return next{wait: waitDigit}
	}
	node := r.p.Nodes[r.s.Node]
	switch p := node.Params.(type) {
	case *CollectParams:
		if err := r.set(p.Variable, r.s.Digits); err != nil {
			return next{err: err}
		}
		return next{exit: ExitOK}
	case *SurveyParams:
		return r.surveyScore(p)
	}
	return next{exit: r.s.Digits}
}

func (r *run) surveyInput(p *SurveyParams, in Input) next {
	st, err := r.collectInput(&p.spec, in)
	if st == collectFailed {
		return next{exit: ExitNext} // no score: the caller did not answer
	}
	return r.collectNext(st, err)
}

func (r *run) surveyScore(p *SurveyParams) next {
	score := int(r.s.Digits[0] - '0')
	agent, _ := r.s.Vars[VarAgent].(string)
	callID, _ := r.s.Vars[VarCallID].(string)
	r.emit(SaveSurvey{Question: p.Question, Score: score, Agent: agent, CallID: callID})
	return next{exit: ExitNext}
}

func (r *run) assign(p *SetParams) next {
	for _, a := range p.Assign {
		v, err := a.expr.Eval(r.s.Vars)
		if err == nil {
			err = r.set(a.Var, v)
		}
		if err != nil {
			return next{err: err}
		}
	}
	return next{exit: ExitNext}
}

func (r *run) condition(p *ConditionParams) next {
	v, err := p.expr.Eval(r.s.Vars)
	if err != nil {
		return next{err: err}
	}
	if b, _ := v.(bool); b {
		return next{exit: "true"}
	}
	return next{exit: "false"}
}

func (r *run) switchNode(p *SwitchParams) next {
	v, err := p.expr.Eval(r.s.Vars)
	if err != nil {
		return next{err: err}
	}
	exit := formatValue(v)
	if _, ok := r.p.Nodes[r.s.Node].next[exit]; !ok || exit == ExitError {
		exit = "default"
	}
	return next{exit: exit}
}

func (r *run) language(p *LanguageParams) next {
	lang := p.Language
	if p.expr != nil {
		v, err := p.expr.Eval(r.s.Vars)
		if err != nil {
			return next{err: err}
		}
		lang = formatValue(v)
		if !r.p.cat.hasLanguage(lang) {
			return next{err: fmt.Errorf("language %q is not one of the tenant's languages", lang)}
		}
	}
	if err := r.set(VarLanguage, lang); err != nil {
		return next{err: err}
	}
	return next{exit: ExitNext}
}

// httpSend issues the request of attempt r.s.Attempt.
// mapInto sets variables from mapping expressions over the variables plus
// extra; a failure goes to the error exit.
