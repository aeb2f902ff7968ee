package ivrflows

import (
	"fmt"
	"regexp"
	"strings"
)

// Compilation of nodes that reach outside the flow: HTTP, SQL, the ACD,
// transfers, mailboxes, lists and recordings.

var (
	httpMethods  = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}
	headerNameRe = regexp.MustCompile("^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$")
)

func compileHTTP(c *compiler, p *HTTPParams) {
	ep, ok := c.cat.Endpoints[p.Endpoint]
	if !ok {
		c.errf("the tenant has no HTTP endpoint %q%s", p.Endpoint, choices(sortedKeys(c.cat.Endpoints)))
	}
	p.baseURL = ep.BaseURL
	if p.Method == "" {
		p.Method = "GET"
	}
	p.Method = strings.ToUpper(p.Method)
	if !contains(httpMethods, p.Method) {
		c.errf("HTTP method %q is not one of %s", p.Method, strings.Join(httpMethods, ", "))
	}
	if p.Path != "" && !strings.HasPrefix(p.Path, "/") {
		c.errf("the path %q must start with /", p.Path)
	}
	t, err := parseTemplate(p.Path, c.env)
	if err != nil {
		c.errf("path: %v", err)
	}
	p.path = t
	p.TimeoutMS = c.timeout(p.TimeoutMS, defaultHTTPMS)
	if p.Retries < 0 || p.Retries > 5 {
		c.errf("retries must be between 0 and 5")
	}
	for _, k := range sortedKeys(p.Headers) {
		if !headerNameRe.MatchString(k) || strings.ContainsAny(p.Headers[k], "\r\n") {
			c.errf("header %q is not a valid HTTP header name and value", k)
		}
	}
	p.body = c.exprMap(p.Body, "body field")
	p.mapping = c.mapping(p.Map, map[string]any{"status": 0, "body": map[string]any{}})
}

func (c *compiler) timeout(v, def int) int {
	v = orDefault(v, def)
	if v < 100 || v > 30000 {
		c.errf("timeout_ms must be between 100 and 30000")
	}
	return v
}

func (c *compiler) exprMap(m map[string]string, what string) map[string]*Expr {
	out := map[string]*Expr{}
	for _, k := range sortedKeys(m) {
		out[k] = c.expr(m[k], what+" "+k)
	}
	return out
}

// mapping compiles variable <- expression pairs evaluated over the flow's
// variables plus extra (the response of an HTTP or SQL node).
func (c *compiler) mapping(m map[string]string, extra map[string]any) map[string]*Expr {
	env := make(map[string]any, len(c.env)+len(extra))
	for k, v := range c.env {
		env[k] = v
	}
	for k, v := range extra {
		env[k] = v
	}
	out := map[string]*Expr{}
	for _, name := range sortedKeys(m) {
		if !c.assignable(name, "map") {
			continue
		}
		e, err := CompileExpr(m[name], env)
		if err != nil {
			c.errf("value of %s: %v", name, err)
			continue
		}
		out[name] = e
	}
	return out
}

var (
	readOnlySQL = regexp.MustCompile(`(?is)^\s*(select|with)\b`)
	writeWords  = regexp.MustCompile(`(?i)\b(insert|update|delete|merge|drop|alter|create|truncate|grant|call|exec|execute)\b`)
	sqlParamRe  = regexp.MustCompile(`\$(\d+)`)
)

func compileSQL(c *compiler, p *SQLParams) {
	ds, ok := c.cat.DataSources[p.DataSource]
	if !ok {
		c.errf("the tenant has no data source %q%s", p.DataSource, choices(sortedKeys(c.cat.DataSources)))
	}
	if strings.TrimSpace(p.Query) == "" {
		c.errf("the SQL query is empty")
	}
	if strings.Contains(strings.TrimRight(strings.TrimSpace(p.Query), ";"), ";") {
		c.errf("the SQL query must be a single statement")
	}
	p.readOnly = readOnlySQL.MatchString(p.Query) && !writeWords.MatchString(p.Query)
	if !p.readOnly && ok && !ds.Writable {
		c.errf("data source %q is read-only; only SELECT queries are allowed on it", p.DataSource)
	}
	for _, m := range sqlParamRe.FindAllStringSubmatch(p.Query, -1) {
		if n := atoi(m[1]); n < 1 || n > len(p.Params) {
			c.errf("the query uses $%s but only %d params are given", m[1], len(p.Params))
		}
	}
	for i, src := range p.Params {
		p.params = append(p.params, c.expr(src, fmt.Sprintf("param $%d", i+1)))
	}
	p.TimeoutMS = c.timeout(p.TimeoutMS, defaultSQLMS)
	p.MaxRows = orDefault(p.MaxRows, defaultMaxRows)
	if p.MaxRows < 1 || p.MaxRows > maxRowsLimit {
		c.errf("max_rows must be between 1 and %d", maxRowsLimit)
	}
	p.mapping = c.mapping(p.Map, map[string]any{"rows": []map[string]any{}, "count": 0})
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
		if n > 1000 {
			return n
		}
	}
	return n
}

// isSecret reports whether the flow declares name secret.
func (c *compiler) isSecret(name string) bool { return c.f.Variables[name].Secret }

func compileQueue(c *compiler, p *QueueParams) {
	c.queue = true
	if !c.cat.hasQueue(p.Queue) {
		c.errf("the tenant has no queue %q%s", p.Queue, choices(c.cat.Queues))
	}
	if p.PriorityExpr != "" {
		p.priority = c.expr(p.PriorityExpr, "priority")
	}
	if p.Priority < 0 || p.Priority > 100 {
		c.errf("priority must be between 0 and 100")
	}
	if p.TimeoutS < 0 || p.TimeoutS > 86400 {
		c.errf("timeout_s must be between 0 and 86400")
	}
	p.data = c.exprMap(p.Data, "call data")
	for _, k := range sortedKeys(p.data) {
		if p.data[k].reads(c.isSecret) {
			p.secretData = append(p.secretData, k)
		}
	}
}

var phoneNumberRe = regexp.MustCompile(`^\+?[0-9]{2,20}$`)

func compileTransfer(c *compiler, p *TransferParams) {
	if (p.Target == "") == (p.TargetExpr == "") {
		c.errf("give exactly one of target or target_expr")
		return
	}
	if p.TargetExpr != "" {
		if !contains([]string{TransferAgent, TransferQueue, TransferFlow, TransferNumber}, p.To) {
			c.errf("transfer to %q is unknown (use agent, queue, flow or number)", p.To)
		}
		p.target = c.expr(p.TargetExpr, "transfer target")
		return
	}
	if err := checkTransferTarget(c.cat, p.To, p.Target); err != nil {
		c.errf("%v", err)
	}
}

// checkTransferTarget checks a transfer target against the catalog; at run
// time too when the target was computed.
func checkTransferTarget(cat *Catalog, to, target string) error {
	switch to {
	case TransferAgent:
		if target == "" {
			return fmt.Errorf("transfer to an agent needs the agent as target")
		}
	case TransferQueue:
		if !cat.hasQueue(target) {
			return fmt.Errorf("the tenant has no queue %q%s", target, choices(cat.Queues))
		}
	case TransferFlow:
		if !cat.hasFlow(target) {
			return fmt.Errorf("the tenant has no flow %q%s", target, choices(cat.Flows))
		}
	case TransferNumber:
		if !phoneNumberRe.MatchString(target) {
			return fmt.Errorf("%q is not a phone number (digits, optionally starting with +)", target)
		}
	default:
		return fmt.Errorf("transfer to %q is unknown (use agent, queue, flow or number)", to)
	}
	return nil
}

func compileVoicemail(c *compiler, p *VoicemailParams) {
	if !c.cat.hasMailbox(p.Mailbox) {
		c.errf("the tenant has no mailbox %q%s", p.Mailbox, choices(c.cat.Mailboxes))
	}
	c.prompts(p.Greeting, "greeting")
	p.MaxSeconds = c.seconds(p.MaxSeconds)
}

func (c *compiler) seconds(v int) int {
	v = orDefault(v, defaultRecordS)
	if v < 1 || v > 3600 {
		c.errf("max_seconds must be between 1 and 3600")
	}
	return v
}

func compileSurvey(c *compiler, p *SurveyParams) {
	if p.Question == "" {
		c.errf("a survey needs a question name to store the scores under")
	}
	if len(p.Prompts) == 0 {
		c.errf("a survey needs a prompt asking for the score")
	}
	c.prompts(p.Prompts, "prompt")
	c.prompts(p.InvalidPrompts, "invalid-input prompt")
	p.Min, p.Max = orDefault(p.Min, 1), orDefault(p.Max, 5)
	keys := ""
	if p.Min < 0 || p.Max > 9 || p.Min > p.Max {
		c.errf("survey scores must be keys from 0 to 9 with min not above max")
	} else {
		keys = "0123456789"[p.Min : p.Max+1]
	}
	s := collectSpec{Mode: ModeSingle, Min: 1, Max: 1, FirstDigit: ms(p.TimeoutMS, defaultFirstDigit),
		InterDigit: ms(p.TimeoutMS, defaultFirstDigit), Tries: orDefault(p.Tries, 2),
		Keys: keys, prompts: p.Prompts, invalid: p.InvalidPrompts}
	c.checkTiming(s)
	p.TimeoutMS, p.Tries = int(s.FirstDigit.Milliseconds()), s.Tries
	p.spec = s
}

func compileLookup(c *compiler, p *LookupParams) {
	if !c.cat.hasList(p.List) {
		c.errf("the tenant has no list %q%s", p.List, choices(c.cat.Lists))
	}
	if p.Key == "" {
		p.Key = VarCaller
	}
	p.key = c.expr(p.Key, "lookup key")
}

func compileRecord(c *compiler, p *RecordParams) {
	c.prompts(p.Prompts, "prompt")
	p.MaxSeconds = c.seconds(p.MaxSeconds)
	if p.Variable != "" {
		c.assignable(p.Variable, "record")
	}
}

func compileHangup(c *compiler, p *HangupParams) {
	c.prompts(p.Prompts, "prompt")
	if p.Cause == "" {
		p.Cause = "NORMAL_CLEARING"
	}
	if !regexp.MustCompile(`^[A-Z_]{3,40}$`).MatchString(p.Cause) {
		c.errf("hang-up cause %q is not a cause name like NORMAL_CLEARING", p.Cause)
	}
}
