package ivrflows

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

func TestPlayLanguagesAndSay(t *testing.T) {
	doc := flowJSON(`"n": {"type": "number", "default": 1234.5}, "d": {"type": "string", "default": "2026-11-26"}`,
		`{"id": "p1", "type": "play", "params": {"prompts": [{"prompt": "welcome"}, {"text": {"en": "Hi ${caller}", "cmn": "你好 ${caller}"}},
		  {"say": "number", "expr": "n"}, {"say": "digits", "expr": "'4001'"}, {"say": "date", "expr": "d"}, {"say": "time", "expr": "'14:05'"}]},
		  "exits": {"next": "zh"}}`,
		`{"id": "zh", "type": "language", "params": {"language": "cmn"}, "exits": {"next": "p2"}}`,
		`{"id": "p2", "type": "play", "params": {"prompts": [{"prompt": "welcome"}, {"text": {"en": "Hi ${caller}", "cmn": "你好 ${caller}"}},
		  {"say": "date", "expr": "d"}, {"say": "time", "expr": "'14:05'"}, {"prompt": "sales_menu"}]}, "exits": {"next": "end"}}`, hangupNode)
	d := startFlow(t, doc)
	d.want(Play{Items: []PlayItem{file("acme/en/welcome.wav"), tts("Hi +8613800000001", "en"), tts("1234.5", "en"),
		tts("4 0 0 1", "en"), tts("Thursday, November 26, 2026", "en"), tts("2:05 PM", "en")}})
	d.feed(PlayDone{})
	voice := "cmn-latn-pinyin"
	// sales_menu has no Mandarin recording: the flow's language is used.
	d.want(Play{Items: []PlayItem{file("acme/cmn/welcome.wav"), tts("你好 +8613800000001", voice),
		tts("2026年11月26日 星期四", voice), tts("14点5分", voice), file("acme/en/sales_menu.wav")}})
	if d.s.Vars[VarLanguage] != "cmn" {
		t.Fatalf("language = %v", d.s.Vars[VarLanguage])
	}
}

func TestSetConditionSwitch(t *testing.T) {
	doc := flowJSON(`"n": {"type": "number"}, "s": {"type": "string", "default": "a-b-c"}, "ok": {"type": "bool"}`,
		`{"id": "calc", "type": "set", "params": {"assign": [{"var": "n", "expr": "(2 + 3) * 4 / 2"},
		  {"var": "s", "expr": "replace(s, '-', '') + string(length(s))"}, {"var": "ok", "expr": "n == 10 && upper(s) == 'ABC5'"}]},
		  "exits": {"next": "cond"}}`,
		`{"id": "cond", "type": "condition", "params": {"expr": "ok"}, "exits": {"true": "sw", "false": "end"}}`,
		`{"id": "sw", "type": "switch", "params": {"expr": "s"}, "exits": {"abc5": "hit", "default": "end"}}`,
		`{"id": "hit", "type": "hangup", "params": {"cause": "USER_BUSY"}}`, hangupNode)
	d := startFlow(t, doc)
	d.want(Hangup{Cause: "USER_BUSY"})
	if d.s.Vars["n"] != 10.0 || d.s.Vars["s"] != "abc5" || d.s.Vars["ok"] != true {
		t.Fatalf("vars %v", d.s.Vars)
	}
	calc := d.trace[0]
	if calc.Node != "calc" || len(calc.Set) != 3 || calc.Set[0] != (VarChange{"n", 10.0}) || calc.Exit != "next" {
		t.Fatalf("trace of calc: %+v", calc)
	}
	if want := []string{"calc:next", "cond:true", "sw:abc5", "hit:"}; !equal(d.visited(), want) {
		t.Fatalf("visited %v, want %v", d.visited(), want)
	}
}

func TestHours(t *testing.T) {
	doc := flowJSON(``,
		`{"id": "h", "type": "hours", "params": {"calendar": "office"}, "exits": {"open": "open", "closed": "end", "holiday": "hol"}}`,
		`{"id": "open", "type": "hangup", "params": {"cause": "USER_BUSY"}}`,
		`{"id": "hol", "type": "hangup", "params": {"cause": "CALL_REJECTED"}}`, hangupNode)
	p := compileJSON(t, doc)
	tz := time.FixedZone("+08:00", 8*3600)
	tests := []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 11, 26, 9, 0, 0, 0, tz), "USER_BUSY"},              // Thursday opening minute
		{time.Date(2026, 11, 26, 17, 59, 0, 0, tz), "USER_BUSY"},            // before closing
		{time.Date(2026, 11, 26, 18, 0, 0, 0, tz), "NORMAL_CLEARING"},       // closing minute
		{time.Date(2026, 11, 26, 0, 30, 0, 0, time.UTC), "NORMAL_CLEARING"}, // 08:30 local: not yet open
		{time.Date(2026, 11, 28, 11, 0, 0, 0, tz), "USER_BUSY"},             // Saturday hours
		{time.Date(2026, 11, 29, 11, 0, 0, 0, tz), "NORMAL_CLEARING"},       // Sunday
		{time.Date(2026, 10, 1, 10, 0, 0, 0, tz), "CALL_REJECTED"},          // holiday
		{time.Date(2026, 9, 30, 17, 0, 0, 0, time.UTC), "CALL_REJECTED"},    // 01:00 Oct 1 local: holiday
	}
	for _, tt := range tests {
		_, res := p.Start(Call{}, tt.at)
		if got := res.Commands[0].(Hangup).Cause; got != tt.want {
			t.Errorf("at %v: %s, want %s", tt.at, got, tt.want)
		}
	}
}

func TestHoursWithLoadedZone(t *testing.T) {
	cat := loadCatalog(t)
	cat.Calendars["office"].TimeZone = "Asia/Shanghai"
	doc := flowJSON(``, `{"id": "h", "type": "hours", "params": {"calendar": "office"}, "exits": {"open": "end", "closed": "end"}}`, hangupNode)
	if _, err := ParseAndCompile([]byte(doc), cat); err == nil || !strings.Contains(err.Error(), `time zone "Asia/Shanghai"`) {
		t.Fatalf("zone without loader: %v", err)
	}
	cat.LoadLocation = func(name string) (*time.Location, error) { return time.FixedZone(name, 8*3600), nil }
	if _, err := ParseAndCompile([]byte(doc), cat); err != nil {
		t.Fatal(err)
	}
}

const httpNode = `{"id": "h", "type": "http", "params": {"endpoint": "crm_api", "method": "post", "path": "/accounts/${acct}/balance",
	"headers": {"X-Flow": "t"}, "body": {"account": "acct", "twice": "n * 2"}, "retries": 1, "timeout_ms": 1500,
	"map": {"n": "body.balance", "name": "body.owner.name + '!'"}}, "exits": {"ok": "okend", "error": "end"}}`

func TestHTTP(t *testing.T) {
	doc := flowJSON(`"acct": {"type": "string", "default": "a/b 1"}, "n": {"type": "number", "default": 2}, "name": {"type": "string"}`,
		httpNode, `{"id": "okend", "type": "hangup", "params": {"cause": "USER_BUSY"}}`, hangupNode)
	d := startFlow(t, doc)
	req := HTTPRequest{Node: "h", Method: "POST", URL: "https://crm.acme.example/api/accounts/a%2Fb%201/balance",
		Headers: map[string]string{"Authorization": "Bearer tenant-secret", "X-Flow": "t"},
		Body:    []byte(`{"account":"a/b 1","twice":4}`), Timeout: 1500 * time.Millisecond, Attempt: 1}
	d.want(req)
	d.feed(HTTPResponse{Status: 503})
	req.Attempt = 2
	d.want(req)
	d.feed(HTTPResponse{Status: 200, Body: []byte(`{"balance": 12.5, "owner": {"name": "Li"}}`)})
	d.want(Hangup{Cause: "USER_BUSY"})
	if d.s.Vars["n"] != 12.5 || d.s.Vars["name"] != "Li!" {
		t.Fatalf("vars %v", d.s.Vars)
	}

	d = startFlow(t, doc)
	d.feed(HTTPResponse{Err: "connection refused"})
	d.feed(HTTPResponse{Err: "timeout"})
	d.want(Hangup{Cause: "NORMAL_CLEARING"}) // error exit after the retry
	if d.trace[0].Exit != "error" {
		t.Fatalf("trace %+v", d.trace)
	}

	// A response that does not fit the mapping goes to the error exit.
	d = startFlow(t, doc)
	d.feed(HTTPResponse{Status: 200, Body: []byte(`{"balance": "lots"}`)})
	if d.trace[0].Exit != "error" || d.trace[0].Error == "" {
		t.Fatalf("trace %+v", d.trace[0])
	}
}

func TestSQL(t *testing.T) {
	doc := flowJSON(`"status": {"type": "string"}, "count": {"type": "number"}`,
		`{"id": "q", "type": "sql", "params": {"datasource": "crm", "query": "SELECT status FROM orders WHERE phone = $1",
		  "params": ["caller"], "max_rows": 2, "map": {"status": "rows[0].status", "count": "count"}},
		  "exits": {"ok": "ok", "empty": "none", "error": "end"}}`,
		`{"id": "ok", "type": "hangup", "params": {"cause": "USER_BUSY"}}`,
		`{"id": "none", "type": "hangup", "params": {"cause": "CALL_REJECTED"}}`, hangupNode)
	d := startFlow(t, doc)
	d.want(SQLQuery{Node: "q", DataSource: "crm", Query: "SELECT status FROM orders WHERE phone = $1",
		Args: []any{"+8613800000001"}, Timeout: 3 * time.Second, MaxRows: 2, ReadOnly: true})
	d.feed(QueryResult{Rows: []map[string]any{{"status": "open"}, {"status": "x"}, {"status": "y"}}})
	d.want(Hangup{Cause: "USER_BUSY"})
	if d.s.Vars["status"] != "open" || d.s.Vars["count"] != 2.0 {
		t.Fatalf("vars %v (max_rows must cut the rows)", d.s.Vars)
	}
	d = startFlow(t, doc)
	d.feed(QueryResult{})
	d.want(Hangup{Cause: "CALL_REJECTED"})
	d = startFlow(t, doc)
	d.feed(QueryResult{Err: "timeout"})
	d.want(Hangup{Cause: "NORMAL_CLEARING"})
}

func TestQueueSurveyAndData(t *testing.T) {
	doc := flowJSON(`"acct": {"type": "string", "default": "A1"}`,
		`{"id": "q", "type": "queue", "params": {"queue": "sales", "priority_expr": "acct == 'A1' ? 500 : 1", "skills": ["cmn"],
		  "data": {"account": "acct", "from": "caller"}, "timeout_s": 120}, "exits": {"done": "s", "failed": "vm"}}`,
		`{"id": "s", "type": "survey", "params": {"question": "csat", "prompts": [{"prompt": "survey"}], "invalid_prompts": [{"prompt": "invalid"}]},
		  "exits": {"next": "end"}}`,
		`{"id": "vm", "type": "voicemail", "params": {"mailbox": "general", "greeting": [{"prompt": "closed"}], "notify": true}}`, hangupNode)
	d := startFlow(t, doc)
	d.want(Queue{Queue: "sales", Priority: 100, Skills: []string{"cmn"},
		Data: map[string]string{"account": "A1", "from": "+8613800000001"}, Timeout: 2 * time.Minute})
	d.keys("5") // keys during the queue / agent leg are not the flow's
	d.feed(QueueResult{Answered: true, Agent: "agent-7"})
	d.at("q")
	d.feed(AgentLegEnded{})
	d.want(Collect{Prompt: []PlayItem{file("acme/en/survey.wav")}, Timeout: firstTimeout})
	d.keys("7") // out of 1..5
	d.want(Collect{Prompt: []PlayItem{file("acme/en/invalid.wav"), file("acme/en/survey.wav")}, Timeout: firstTimeout})
	d.keys("4")
	d.want(SaveSurvey{Question: "csat", Score: 4, Agent: "agent-7", CallID: "call-1"}, Hangup{Cause: "NORMAL_CLEARING"})

	d = startFlow(t, doc)
	d.feed(QueueResult{Reason: "no agents"})
	d.want(Voicemail{Mailbox: "general", Greeting: []PlayItem{file("acme/en/closed.wav")}, MaxLength: 120 * time.Second, Notify: true})
	d.feed(RecordDone{Path: "/vm/1.wav", Duration: 5 * time.Second})
	d.want(Hangup{Cause: "NORMAL_CLEARING"}) // no "next" exit: the flow hangs up
	d.ended(OutcomeHangup)
}

func TestSurveyWithoutAgentIsSkipped(t *testing.T) {
	doc := flowJSON(``,
		`{"id": "q", "type": "queue", "params": {"queue": "sales"}, "exits": {"done": "s", "failed": "s"}}`,
		`{"id": "s", "type": "survey", "params": {"question": "csat", "prompts": [{"prompt": "survey"}]}, "exits": {"next": "end"}}`, hangupNode)
	d := startFlow(t, doc)
	d.feed(QueueResult{Reason: "closed"})
	d.want(Hangup{Cause: "NORMAL_CLEARING"})
	if got := d.visited(); !equal(got, []string{"q:failed", "s:next", "end:"}) {
		t.Fatalf("visited %v", got)
	}
}

func TestTransferLookupRecord(t *testing.T) {
	doc := flowJSON(`"path": {"type": "string"}`,
		`{"id": "l", "type": "lookup", "params": {"list": "blacklist", "key": "'x' + caller"}, "exits": {"found": "end", "not_found": "r"}}`,
		`{"id": "r", "type": "record", "params": {"prompts": [{"prompt": "welcome"}], "max_seconds": 20, "beep": true, "variable": "path"},
		  "exits": {"next": "t"}}`,
		`{"id": "t", "type": "transfer", "params": {"to": "flow", "target": "callback"}, "exits": {"failed": "end"}}`, hangupNode)
	d := startFlow(t, doc)
	d.want(Lookup{List: "blacklist", Key: "x+8613800000001"})
	d.feed(LookupResult{Found: false})
	d.want(Record{Prompt: []PlayItem{file("acme/en/welcome.wav")}, MaxLength: 20 * time.Second, Beep: true})
	d.feed(RecordDone{Path: "/rec/1.wav"})
	d.want(Transfer{To: "flow", Target: "callback"})
	d.feed(TransferResult{OK: true})
	d.ended(OutcomeTransferred)
	if d.s.Vars["path"] != "/rec/1.wav" {
		t.Fatalf("path = %v", d.s.Vars["path"])
	}

	d = startFlow(t, doc)
	d.feed(LookupResult{})
	d.feed(RecordDone{Path: "/rec/2.wav"})
	d.feed(TransferResult{Reason: "busy"})
	d.want(Hangup{Cause: "NORMAL_CLEARING"})
	if got := d.visited(); got[2] != "t:failed" {
		t.Fatalf("visited %v", got)
	}

	d = startFlow(t, doc)
	d.feed(LookupResult{Found: true})
	d.ended(OutcomeHangup)
}

func TestHangupPlaysThenHangsUp(t *testing.T) {
	d := startFlow(t, flowJSON(``, `{"id": "h", "type": "hangup", "params": {"prompts": [{"prompt": "goodbye"}], "cause": "USER_BUSY"}}`))
	d.want(Play{Items: []PlayItem{file("acme/en/goodbye.wav")}})
	d.at("h")
	d.feed(PlayDone{})
	d.want(Hangup{Cause: "USER_BUSY"})
	d.ended(OutcomeHangup)
	d.wantErr(PlayDone{}, ErrFlowEnded)
}

func TestRuntimeErrors(t *testing.T) {
	// Division by a variable that is zero is not caught at compile time.
	noExit := flowJSON(`"n": {"type": "number"}, "s": {"type": "string"}`,
		`{"id": "a", "type": "set", "params": {"assign": [{"var": "s", "expr": "split('a,b', ',')[int(n) + 5]"}]}, "exits": {"next": "end"}}`, hangupNode)
	d := startFlow(t, noExit)
	d.ended(OutcomeError)
	d.want(Hangup{Cause: "NORMAL_TEMPORARY_FAILURE"})
	if d.trace[0].Error == "" || d.s.Error == "" {
		t.Fatalf("error not traced: %+v", d.trace)
	}
	withExit := strings.Replace(noExit, `"exits": {"next": "end"}`, `"exits": {"next": "end", "error": "oops"}`, 1)
	withExit = strings.Replace(withExit, hangupNode, hangupNode+`, {"id": "oops", "type": "hangup", "params": {"cause": "USER_BUSY"}}`, 1)
	d = startFlow(t, withExit)
	d.want(Hangup{Cause: "USER_BUSY"})
}

func TestExpressionLimitsAtRunTime(t *testing.T) {
	doc := flowJSON(`"s": {"type": "string", "default": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}`,
		`{"id": "a", "type": "set", "params": {"assign": [{"var": "s", "expr": "join(map(1..100, s), '')"}]}, "exits": {"next": "end"}}`, hangupNode)
	d := startFlow(t, doc)
	d.ended(OutcomeError)
	if !strings.Contains(d.s.Error, "longer than") {
		t.Fatalf("error %q, want the string limit", d.s.Error)
	}
	doc = strings.Replace(doc, "1..100, s", "1..100000, 1", 1)
	doc = strings.Replace(doc, "join(", "string(len(", 1)
	doc = strings.Replace(doc, ", '')", "))", 1)
	d = startFlow(t, doc)
	d.ended(OutcomeError)
	if !strings.Contains(d.s.Error, "memory budget") {
		t.Fatalf("error %q, want the memory budget", d.s.Error)
	}
}

func TestCallerHangupAndUnexpectedInput(t *testing.T) {
	d := startFlow(t, collectFlow(`"mode": "single"`))
	d.wantErr(HTTPResponse{Status: 200}, ErrUnexpectedInput)
	d.wantErr(PlayDone{}, ErrUnexpectedInput)
	d.feed(CallerHangup{})
	d.ended(OutcomeCallerHangup)
	if len(d.last.Commands) != 0 {
		t.Fatalf("commands after caller hangup: %v", d.last.Commands)
	}
	if e := d.last.Trace[0]; e.Node != "c" || e.Exit != "" {
		t.Fatalf("trace %+v", e)
	}
}

func TestStartPresetsVariables(t *testing.T) {
	doc := flowJSON(`"n": {"type": "number"}, "acct": {"type": "string"}`,
		`{"id": "h", "type": "hangup"}`)
	d := startCall(t, doc, Call{Caller: "1", Vars: map[string]any{"n": "42", "acct": 7, "unknown": 1, "caller": "spoof"}})
	if d.s.Vars["n"] != 42.0 || d.s.Vars["acct"] != "7" || d.s.Vars["caller"] != "1" {
		t.Fatalf("vars %v", d.s.Vars)
	}
	if _, ok := d.s.Vars["unknown"]; ok {
		t.Fatal("undeclared variable preset")
	}
}

// The state is plain data: it survives a JSON round trip and the flow goes on.
func TestStateIsSerialisable(t *testing.T) {
	d := startFlow(t, collectFlow(`"mode": "variable", "max": 4`))
	d.keys("12")
	b, err := json.Marshal(d.s)
	if err != nil {
		t.Fatal(err)
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	d.s = &s
	d.keys("3#")
	if d.s.Vars["x"] != "123" {
		t.Fatalf("x = %v", d.s.Vars["x"])
	}
}

func TestBadKeysAreRejected(t *testing.T) {
	d := startFlow(t, collectFlow(`"mode": "variable", "max": 4`))
	for _, k := range []string{"", "12", "x", "E"} {
		d.wantErr(Digit{Key: k}, ErrUnexpectedInput)
	}
	d.keys("1#")
	if d.s.Vars["x"] != "1" {
		t.Fatalf("x = %v", d.s.Vars["x"])
	}
}

// A Program is shared by every call in its flow: concurrent calls must not
// race (run with -race).
func TestProgramSharedByConcurrentCalls(t *testing.T) {
	p := compileJSON(t, benchFlow)
	done := make(chan error)
	for range 4 {
		go func() {
			s, _ := p.Start(Call{ID: "c"}, t0)
			var err error
			for range 200 {
				if _, err = p.Step(s, Digit{Key: "1"}, t0); err == nil {
					_, err = p.Step(s, PlayDone{}, t0)
				}
				if err != nil {
					break
				}
			}
			if err == nil && s.Vars["n"] != 200.0 {
				err = fmt.Errorf("n = %v", s.Vars["n"])
			}
			done <- err
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

func TestTransferToComputedTarget(t *testing.T) {
	doc := flowJSON(`"q": {"type": "string", "default": "support"}`,
		`{"id": "t", "type": "transfer", "params": {"to": "queue", "target_expr": "q"}, "exits": {"failed": "end", "error": "oops"}}`,
		`{"id": "oops", "type": "hangup", "params": {"cause": "USER_BUSY"}}`, hangupNode)
	d := startFlow(t, doc)
	d.want(Transfer{To: "queue", Target: "support"})
	d = startCall(t, doc, Call{Vars: map[string]any{"q": "billing"}})
	d.want(Hangup{Cause: "USER_BUSY"}) // computed queue the tenant does not have: error exit
	if !strings.Contains(d.trace[0].Error, `no queue "billing"`) {
		t.Fatalf("trace %+v", d.trace[0])
	}
	bad := strings.Replace(doc, `"target_expr": "q"`, `"target_expr": "q", "target": "sales"`, 1)
	if ves := Validate([]byte(bad), loadCatalog(t)); len(ves) != 1 || ves[0].Node != "t" {
		t.Fatalf("target and target_expr together: %v", ves)
	}
}

func TestValidateList(t *testing.T) {
	cat := loadCatalog(t)
	if ves := Validate([]byte(flowJSON(``, hangupNode)), cat); ves == nil || len(ves) != 0 {
		t.Fatalf("valid flow: %#v", ves)
	}
	if ves := Validate([]byte(`{"id": 1}`), cat); len(ves) != 1 || ves[0].Node != "" || !strings.Contains(ves[0].Message, `"id" must be a string`) {
		t.Fatalf("malformed flow: %#v", ves)
	}
	data, _ := os.ReadFile("testdata/bad/unknown_references.json")
	if ves := Validate(data, cat); len(ves) != 9 {
		t.Fatalf("unknown references: %d errors", len(ves))
	}
}

func TestHTTPResponseTooLarge(t *testing.T) {
	doc := flowJSON(`"acct": {"type": "string"}, "n": {"type": "number"}, "name": {"type": "string"}`,
		httpNode, `{"id": "okend", "type": "hangup"}`, hangupNode)
	d := startFlow(t, doc)
	d.feed(HTTPResponse{Status: 200, Body: make([]byte, MaxResponseBody+1)})
	if d.trace[0].Exit != "error" || !strings.Contains(d.trace[0].Error, "limit") {
		t.Fatalf("trace %+v", d.trace[0])
	}
}

func TestNodesPerCallCap(t *testing.T) {
	doc := flowJSON(``,
		`{"id": "q", "type": "queue", "params": {"queue": "sales"}, "exits": {"done": "end", "failed": "p"}}`,
		`{"id": "p", "type": "play", "params": {"prompts": [{"prompt": "closed"}]}, "exits": {"next": "q"}}`, hangupNode)
	d := startFlow(t, doc)
	for i := 0; !d.s.Done; i++ {
		if i > MaxNodesPerCall {
			t.Fatal("no cap")
		}
		d.feed(QueueResult{Reason: "closed"})
		if !d.s.Done {
			d.feed(PlayDone{})
		}
	}
	d.ended(OutcomeError)
	d.want(Hangup{Cause: "NORMAL_TEMPORARY_FAILURE"})
}

func TestSecretVariablesStayOutOfTraces(t *testing.T) {
	doc := flowJSON(`"x": {"type": "string", "secret": true}`,
		`{"id": "c", "type": "collect", "params": {"variable": "x", "mode": "fixed", "length": 4}, "exits": {"ok": "q", "fail": "end"}}`,
		`{"id": "q", "type": "queue", "params": {"queue": "sales", "data": {"pin": "x", "hint": "'PIN ' + x[2:]", "ok": "len(x) == 4", "caller": "caller"}},
		  "exits": {"done": "end", "failed": "end"}}`, hangupNode)
	d := startFlow(t, doc)
	d.keys("1234")
	// Queue data goes to the agent's screen: whatever reads x is masked.
	d.want(Queue{Queue: "sales", Data: map[string]string{"pin": SecretMask, "hint": SecretMask, "ok": SecretMask, "caller": "+8613800000001"}})
	if d.s.Vars["x"] != "1234" || !d.p.Secret("x") || d.p.Secret("caller") {
		t.Errorf("the value must still work in the flow: vars %v", d.s.Vars)
	}
	if got := d.trace[0].Set; len(got) != 1 || got[0] != (VarChange{"x", SecretMask}) {
		t.Fatalf("trace shows %v", got)
	}
	if b, _ := json.Marshal(d.trace); strings.Contains(string(b), "1234") {
		t.Fatalf("secret in trace: %s", b)
	}
}

func TestSecretValueStaysOutOfErrors(t *testing.T) {
	doc := flowJSON(`"card": {"type": "number", "secret": true}`,
		`{"id": "a", "type": "set", "params": {"assign": [{"var": "card", "expr": "'4111-1111'"}]}, "exits": {"next": "end"}}`, hangupNode)
	d := startFlow(t, doc)
	d.ended(OutcomeError)
	if b, _ := json.Marshal(d.trace); strings.Contains(string(b), "4111") || !strings.Contains(d.s.Error, "card") {
		t.Errorf("error %q, trace %s", d.s.Error, b)
	}
}

func TestOvernightHours(t *testing.T) {
	cal := &Calendar{TimeZone: "+08:00", Weekly: []Hours{{Days: []string{"fri", "sun"}, Open: "22:00", Close: "06:00"}}}
	if err := cal.prepare(nil); err != nil {
		t.Fatal(err)
	}
	tz := time.FixedZone("", 8*3600)
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 11, 27, 21, 59, 0, 0, tz), CalClosed}, // Friday before the shift
		{time.Date(2026, 11, 27, 22, 0, 0, 0, tz), CalOpen},    // Friday night
		{time.Date(2026, 11, 28, 5, 59, 0, 0, tz), CalOpen},    // Saturday morning, Friday's shift
		{time.Date(2026, 11, 28, 6, 0, 0, 0, tz), CalClosed},
		{time.Date(2026, 11, 28, 23, 0, 0, 0, tz), CalClosed}, // Saturday night: no shift
		{time.Date(2026, 11, 30, 1, 0, 0, 0, tz), CalOpen},    // Monday 01:00, Sunday's shift
		{time.Date(2026, 11, 27, 1, 0, 0, 0, tz), CalClosed},  // Friday 01:00: Thursday has none
	} {
		if got := cal.State(tc.at); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.at, got, tc.want)
		}
	}
	bad := &Calendar{Weekly: []Hours{{Days: []string{"mon"}, Open: "09:00", Close: "09:00"}}}
	if err := bad.prepare(nil); err == nil {
		t.Error("empty opening hours accepted")
	}
}
