package ivrflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// MaxResponseBody is the largest HTTP response body a flow reads.
const MaxResponseBody = 256 << 10

// Nodes that hand work to the session: HTTP, SQL, lists, the ACD,
// transfers and recordings. Each emits one command and waits for its result.

func (r *run) transfer(p *TransferParams) next {
	target := p.Target
	if p.target != nil {
		v, err := p.target.Eval(r.s.Vars)
		if err != nil {
			return next{err: err}
		}
		target = formatValue(v)
		if err := checkTransferTarget(r.p.cat, p.To, target); err != nil {
			return next{err: err}
		}
	}
	r.emit(Transfer{To: p.To, Target: target})
	return next{wait: waitTransfer}
}

func (r *run) lookup(p *LookupParams) next {
	v, err := p.key.Eval(r.s.Vars)
	if err != nil {
		return next{err: err}
	}
	r.emit(Lookup{List: p.List, Key: formatValue(v)})
	return next{wait: waitLookup}
}

func (r *run) queue(p *QueueParams) next {
	prio := p.Priority
	if p.priority != nil {
		v, err := p.priority.Eval(r.s.Vars)
		if err != nil {
			return next{err: err}
		}
		f, ok := toFloat(v)
		if !ok {
			return next{err: fmt.Errorf("priority %v is not a number", v)}
		}
		prio = min(max(int(f), 0), 100)
	}
	data, err := r.evalStrings(p.data)
	if err != nil {
		return next{err: err}
	}
	for _, k := range p.secretData {
		data[k] = SecretMask // the agent's screen is no place for a PIN
	}
	r.emit(Queue{Queue: p.Queue, Priority: prio, Skills: p.Skills, Data: data,
		Timeout: time.Duration(p.TimeoutS) * time.Second})
	return next{wait: waitQueue}
}

func (r *run) queueInput(in Input) next {
	switch in := in.(type) {
	case QueueResult:
		if !in.Answered {
			return next{exit: "failed"}
		}
		if err := r.set(VarAgent, in.Agent); err != nil {
			return next{err: err}
		}
		return next{wait: waitAgentLeg}
	case AgentLegEnded:
		return next{exit: "done"}
	}
	return next{err: ErrUnexpectedInput}
}

func (r *run) evalStrings(m map[string]*Expr) (map[string]string, error) {
	if len(m) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(m))
	for k, e := range m {
		v, err := e.Eval(r.s.Vars)
		if err != nil {
			return nil, err
		}
		out[k] = formatValue(v)
	}
	return out, nil
}

func (r *run) voicemail(p *VoicemailParams) next {
	items, err := r.items(p.Greeting)
	if err != nil {
		return next{err: err}
	}
	r.emit(Voicemail{Mailbox: p.Mailbox, Greeting: items, MaxLength: time.Duration(p.MaxSeconds) * time.Second, Notify: p.Notify})
	return next{wait: waitRecord}
}

func (r *run) record(p *RecordParams) next {
	items, err := r.items(p.Prompts)
	if err != nil {
		return next{err: err}
	}
	r.emit(Record{Prompt: items, MaxLength: time.Duration(p.MaxSeconds) * time.Second, Beep: p.Beep})
	return next{wait: waitRecord}
}

func (r *run) recordDone(n *CompiledNode, in RecordDone) next {
	if in.Err != "" {
		return next{err: errors.New("recording failed: " + in.Err)}
	}
	if p, ok := n.Params.(*RecordParams); ok && p.Variable != "" {
		if err := r.set(p.Variable, in.Path); err != nil {
			return next{err: err}
		}
	}
	return next{exit: ExitNext}
}

func (r *run) httpSend(p *HTTPParams) next {
	req := HTTPRequest{Node: r.p.Nodes[r.s.Node].ID, Method: p.Method, URL: p.baseURL + p.path.render(r.s.Vars, true),
		Timeout: time.Duration(p.TimeoutMS) * time.Millisecond, Attempt: r.s.Attempt}
	if ep := r.p.cat.Endpoints[p.Endpoint]; len(ep.Headers)+len(p.Headers) > 0 {
		req.Headers = map[string]string{}
		for k, v := range ep.Headers {
			req.Headers[k] = v
		}
		for k, v := range p.Headers {
			req.Headers[k] = v
		}
	}
	if len(p.body) > 0 {
		body := make(map[string]any, len(p.body))
		for k, e := range p.body {
			v, err := e.Eval(r.s.Vars)
			if err != nil {
				return next{err: err}
			}
			body[k] = v
		}
		b, err := json.Marshal(body)
		if err != nil {
			return next{err: fmt.Errorf("request body: %w", err)}
		}
		req.Body = b
	}
	r.emit(req)
	return next{wait: waitHTTP}
}

func (r *run) httpDone(p *HTTPParams, in HTTPResponse) next {
	if in.Err != "" || in.Status < 200 || in.Status > 299 {
		if r.s.Attempt <= p.Retries {
			r.s.Attempt++
			return r.httpSend(p)
		}
		return next{exit: ExitError}
	}
	if len(in.Body) > MaxResponseBody {
		return next{err: fmt.Errorf("HTTP response of %d bytes is over the %d byte limit", len(in.Body), MaxResponseBody)}
	}
	var body any
	if len(in.Body) > 0 && json.Unmarshal(in.Body, &body) != nil {
		body = string(in.Body)
	}
	return r.mapInto(p.mapping, map[string]any{"status": in.Status, "body": body}, ExitOK)
}

func (r *run) mapInto(mapping map[string]*Expr, extra map[string]any, exit string) next {
	if len(mapping) == 0 {
		return next{exit: exit}
	}
	env := make(map[string]any, len(r.s.Vars)+len(extra))
	for k, v := range r.s.Vars {
		env[k] = v
	}
	for k, v := range extra {
		env[k] = v
	}
	for _, name := range sortedKeys(mapping) {
		v, err := mapping[name].Eval(env)
		if err == nil {
			err = r.set(name, v)
		}
		if err != nil {
			return next{err: err}
		}
	}
	return next{exit: exit}
}

func (r *run) sqlSend(p *SQLParams) next {
	args := make([]any, len(p.params))
	for i, e := range p.params {
		v, err := e.Eval(r.s.Vars)
		if err != nil {
			return next{err: err}
		}
		args[i] = v
	}
	r.emit(SQLQuery{Node: r.p.Nodes[r.s.Node].ID, DataSource: p.DataSource, Query: p.Query, Args: args,
		Timeout: time.Duration(p.TimeoutMS) * time.Millisecond, MaxRows: p.MaxRows, ReadOnly: p.readOnly})
	return next{wait: waitSQL}
}

func (r *run) sqlDone(p *SQLParams, in QueryResult) next {
	if in.Err != "" {
		return next{exit: ExitError}
	}
	rows := in.Rows
	if len(rows) > p.MaxRows {
		rows = rows[:p.MaxRows]
	}
	if len(rows) == 0 {
		return next{exit: "empty"} // nothing to map from
	}
	return r.mapInto(p.mapping, map[string]any{"rows": rows, "count": len(rows)}, ExitOK)
}
