package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/api"
	"github.com/switchboard-cc/switchboard/internal/syncbuf"
)

// TestGettingStarted runs docs/getting-started.md as a new user would, as
// far as it can without FreeSWITCH: it starts serve with the settings of
// the block marked "test: serve", runs every command of the blocks marked
// "test: rest" against serve's handler in order, checking the status each
// line's comment promises, and checks that the FreeSWITCH files and SIP
// commands of the document fit what those commands created: the node's
// credentials and address, the number the caller dials, the phone's digest.
func TestGettingStarted(t *testing.T) {
	doc, err := os.ReadFile("../../docs/getting-started.md")
	if err != nil {
		t.Fatal(err)
	}
	// Four passwords are hashed and checked on the way; at argon2id's
	// production cost that is most of this test's time under -race, and the
	// cost is not what it checks. (No test of this package runs in parallel.)
	pw := api.DefaultPasswordParams
	api.DefaultPasswordParams = api.PasswordParams{MemoryKiB: 1024, Time: 1, Threads: 1}
	t.Cleanup(func() { api.DefaultPasswordParams = pw })
	blocks := markedBlocks(string(doc))
	for _, kind := range []string{"serve", "rest", "xml_curl.conf.xml", "event_socket.conf.xml", "fs_cli", "phone", "caller"} {
		if len(blocks[kind]) == 0 {
			t.Fatalf("docs/getting-started.md has no block marked <!-- test: %s -->", kind)
		}
	}
	ctrl, cfg, logs := startServeFromDoc(t, blocks["serve"][0])
	sh := &docShell{t: t, h: ctrl.mux, vars: map[string]string{}, minSleep: cfg.ReloadEvery,
		reload: func() {
			if err := ctrl.conf.Reload(context.Background()); err != nil {
				t.Fatalf("reload: %v", err)
			}
		}}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("serve's log:\n%s", logs.String())
		}
	})
	for _, b := range blocks["rest"] {
		sh.runBlock(b)
	}
	checkFreeSWITCHFiles(t, sh, blocks, cfg)

	// The call of step 7 lands in the queue of step 4, the agent ready.
	dialled := flagValue(t, blocks["caller"][0].text, "-s")
	r, err := ctrl.conf.Route(context.Background(), dialled, nil, time.Now())
	if err != nil || string(r.Tenant) != sh.vars["TENANT"] || r.Queue != sh.vars["QUEUE"] || r.Quotas.MaxPSTNCalls < 1 {
		t.Errorf("a call to %s: route %+v, %v; want tenant %s, queue %s and a line to take it", dialled, r, err, sh.vars["TENANT"], sh.vars["QUEUE"])
	}
	var stats struct {
		LoggedIn int            `json:"logged_in"`
		Agents   map[string]int `json:"agents"`
	}
	body, _ := sh.curl("queue", []shellWord{{text: "-H"}, {text: "Authorization: Bearer " + sh.vars["ADMIN"]},
		{text: "http://localhost:8080/api/v1/tenants/" + sh.vars["TENANT"] + "/acd/queues/" + sh.vars["QUEUE"]}})
	if err := json.Unmarshal([]byte(body), &stats); err != nil || stats.LoggedIn != 1 || stats.Agents["ready"] != 1 {
		t.Errorf("after step 4 the queue should have its agent ready: %s", body)
	}
}

// docBlock is one fenced code block of the document and where it starts.
type docBlock struct {
	line int
	text string
}

var markerRe = regexp.MustCompile(`^<!-- test: (\S+) -->$`)

// markedBlocks returns the fenced blocks that follow a "<!-- test: KIND -->"
// line, by kind, in document order.
func markedBlocks(doc string) map[string][]docBlock {
	out := map[string][]docBlock{}
	lines := strings.Split(doc, "\n")
	for i := 0; i < len(lines); i++ {
		m := markerRe.FindStringSubmatch(strings.TrimSpace(lines[i]))
		if m == nil || i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "```") {
			continue
		}
		var body []string
		j := i + 2
		for ; j < len(lines) && !strings.HasPrefix(lines[j], "```"); j++ {
			body = append(body, lines[j])
		}
		out[m[1]] = append(out[m[1]], docBlock{line: i + 3, text: strings.Join(body, "\n")})
		i = j
	}
	return out
}

// startServeFromDoc builds serve as the serve block says (its exported
// variables and the flags after "serve"), in a temporary data directory,
// with its socket server on a free port and no periodic reload: the
// document's sleeps stand for reloads (docShell).
func startServeFromDoc(t *testing.T, b docBlock) (*controller, serveConfig, *syncbuf.Buffer) {
	t.Helper()
	env := map[string]string{}
	var args []string
	found := false
	for _, line := range logicalLines(b.text) {
		words, _ := lexLine(t, line.text, env)
		switch {
		case len(words) == 0:
		case words[0].text == "export" && len(words) == 2:
			name, value, ok := strings.Cut(words[1].text, "=")
			if !ok {
				t.Fatalf("getting-started.md:%d: export without =", b.line+line.n)
			}
			env[name] = value
		case slicesIndex(words, "serve") > 0 && strings.HasSuffix(words[slicesIndex(words, "serve")-1].text, "switchboard"):
			i := slicesIndex(words, "serve")
			for _, w := range words[i+1:] {
				args = append(args, w.text)
			}
			found = true
		default:
			t.Fatalf("getting-started.md:%d: the serve block may only export variables and run serve: %q", b.line+line.n, line.text)
		}
	}
	if !found {
		t.Fatal("the serve block does not run serve")
	}
	if _, err := parseServeConfig(args, envOf(env), io.Discard); err != nil {
		t.Fatalf("the document's serve settings: %v", err)
	}
	cfg, err := parseServeConfig(append(args, "-data-dir", t.TempDir(), "-esl-listen", freePort(t), "-reload-every", "1h"), envOf(env), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	asDoc, _ := parseServeConfig(args, envOf(env), io.Discard)
	logs := &syncbuf.Buffer{}
	ctx, stop := context.WithCancel(context.Background())
	ctrl, err := newController(ctx, cfg, slog.New(slog.NewTextHandler(logs, nil)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := ctrl.start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(); ctrl.Close() })
	cfg.ReloadEvery, cfg.Listen = asDoc.ReloadEvery, asDoc.Listen
	return ctrl, cfg, logs
}

func slicesIndex(ws []shellWord, s string) int {
	for i, w := range ws {
		if w.text == s {
			return i
		}
	}
	return -1
}

// docShell runs the few shell forms the document's REST blocks use:
// NAME=value, NAME=$(curl ... | jq -r .path), curl ... [| jq ...], and
// sleep (one configuration reload). Anything else fails the test, so the
// document cannot hold a command this test does not check.
type docShell struct {
	t        *testing.T
	h        http.Handler
	vars     map[string]string
	reload   func()
	minSleep time.Duration
}

type logicalLine struct {
	n    int // offset of its first line in the block
	text string
}

// logicalLines joins backslash-continued lines.
func logicalLines(block string) []logicalLine {
	var out []logicalLine
	var cur strings.Builder
	start := 0
	for i, l := range strings.Split(block, "\n") {
		if cur.Len() == 0 {
			start = i
		}
		if strings.HasSuffix(l, "\\") {
			cur.WriteString(strings.TrimSuffix(l, "\\") + " ")
			continue
		}
		cur.WriteString(l)
		out = append(out, logicalLine{n: start, text: cur.String()})
		cur.Reset()
	}
	return out
}

// shellWord is one word after quote removal and expansion; subst holds the
// command of a $(...) that made up the word's value.
type shellWord struct {
	text  string
	subst string
	pipe  bool // the | operator
}

// lexLine splits a line into words as sh does for these forms: single and
// double quotes, $NAME and ${NAME} (an undefined one fails the test: the
// user would send an empty string), $(...), | and a # comment, which it
// returns.
func lexLine(t *testing.T, line string, vars map[string]string) ([]shellWord, string) {
	t.Helper()
	var words []shellWord
	var cur strings.Builder
	inWord, subst := false, ""
	flush := func() {
		if inWord {
			words = append(words, shellWord{text: cur.String(), subst: subst})
		}
		cur.Reset()
		inWord, subst = false, ""
	}
	expand := func(s string, i int) int { // s[i] == '$'; returns the index after the reference
		j := i + 1
		name := ""
		if j < len(s) && s[j] == '{' {
			k := strings.IndexByte(s[j:], '}')
			if k < 0 {
				t.Fatalf("unterminated ${ in %q", line)
			}
			name, j = s[j+1:j+k], j+k+1
		} else {
			for j < len(s) && (s[j] == '_' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			name = s[i+1 : j]
		}
		v, ok := vars[name]
		if !ok || name == "" {
			t.Fatalf("%q uses $%s, which no earlier step set", line, name)
		}
		cur.WriteString(v)
		return j
	}
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			flush()
			i++
		case c == '#' && !inWord:
			flush()
			return words, strings.TrimSpace(line[i+1:])
		case c == '|' && !inWord:
			words = append(words, shellWord{text: "|", pipe: true})
			i++
		case c == '\'':
			k := strings.IndexByte(line[i+1:], '\'')
			if k < 0 {
				t.Fatalf("unterminated ' in %q", line)
			}
			cur.WriteString(line[i+1 : i+1+k])
			inWord, i = true, i+k+2
		case c == '"':
			inWord = true
			i++
			for ; i < len(line) && line[i] != '"'; i++ {
				switch {
				case line[i] == '\\' && i+1 < len(line) && strings.IndexByte(`"\$`, line[i+1]) >= 0:
					cur.WriteByte(line[i+1])
					i++
				case line[i] == '$':
					i = expand(line, i) - 1
				default:
					cur.WriteByte(line[i])
				}
			}
			if i >= len(line) {
				t.Fatalf("unterminated \" in %q", line)
			}
			i++
		case c == '$' && i+1 < len(line) && line[i+1] == '(':
			depth, j := 0, i+1
			for ; j < len(line); j++ {
				if line[j] == '(' {
					depth++
				} else if line[j] == ')' {
					depth--
					if depth == 0 {
						break
					}
				}
			}
			if j >= len(line) {
				t.Fatalf("unterminated $( in %q", line)
			}
			subst, inWord, i = line[i+2:j], true, j+1
		case c == '$':
			inWord = true
			i = expand(line, i)
		case c == '\\' && i+1 < len(line):
			cur.WriteByte(line[i+1])
			inWord, i = true, i+2
		default:
			cur.WriteByte(c)
			inWord = true
			i++
		}
	}
	flush()
	return words, ""
}

var assignRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)

func (sh *docShell) runBlock(b docBlock) {
	for _, l := range logicalLines(b.text) {
		where := fmt.Sprintf("getting-started.md:%d", b.line+l.n)
		words, comment := lexLine(sh.t, l.text, sh.vars)
		if len(words) == 0 {
			continue
		}
		want := 0
		if m := regexp.MustCompile(`^(\d{3})\b`).FindStringSubmatch(comment); m != nil {
			want, _ = strconv.Atoi(m[1])
		}
		switch first := words[0]; {
		case len(words) == 1 && assignRe.MatchString(first.text):
			name, value, _ := strings.Cut(first.text, "=")
			if first.subst != "" {
				sub, _ := lexLine(sh.t, first.subst, sh.vars)
				value = sh.pipeline(where, sub, want, true)
			}
			sh.vars[name] = value
		case first.text == "sleep" && len(words) == 2:
			secs, err := strconv.ParseFloat(words[1].text, 64)
			if err != nil || time.Duration(secs*float64(time.Second)) < sh.minSleep {
				sh.t.Fatalf("%s: sleep %s waits for a configuration reload, every %s", where, words[1].text, sh.minSleep)
			}
			sh.reload()
		case first.text == "curl":
			sh.pipeline(where, words, want, false)
		default:
			sh.t.Fatalf("%s: this test runs curl, sleep and NAME=value only, not %q", where, l.text)
		}
	}
}

// pipeline runs curl, optionally piped to jq, and returns what the shell
// would print: jq -r's value when capture is set.
func (sh *docShell) pipeline(where string, words []shellWord, want int, capture bool) string {
	var curl, jq []shellWord
	for i, w := range words {
		if w.pipe {
			curl, jq = words[:i], words[i+1:]
			break
		}
	}
	if curl == nil {
		curl = words
	}
	if len(curl) == 0 || curl[0].text != "curl" {
		sh.t.Fatalf("%s: want a curl command, got %v", where, words)
	}
	if want == 0 {
		sh.t.Fatalf("%s: a curl command needs its expected status as a comment (# 200)", where)
	}
	body, status := sh.curl(where, curl[1:])
	if status != want {
		sh.t.Fatalf("%s: want %d, got %d %s", where, want, status, body)
	}
	if jq == nil {
		if capture {
			return strings.TrimSpace(body)
		}
		return body
	}
	if jq[0].text != "jq" {
		sh.t.Fatalf("%s: only jq may follow curl", where)
	}
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		sh.t.Fatalf("%s: jq would fail on a body that is not JSON: %v %s", where, err, body)
	}
	if !capture {
		return body // jq only shows it
	}
	if len(jq) != 3 || jq[1].text != "-r" {
		sh.t.Fatalf("%s: a captured value is taken with jq -r .path", where)
	}
	out, ok := jqPath(v, jq[2].text)
	if !ok {
		sh.t.Fatalf("%s: jq -r %s finds nothing in %s", where, jq[2].text, body)
	}
	return out
}

var jqStepRe = regexp.MustCompile(`^\.([A-Za-z_][A-Za-z0-9_]*)(\[(\d+)\])?`)

// jqPath evaluates the jq paths the document uses: .a.b and .items[0].id.
func jqPath(v any, path string) (string, bool) {
	for path != "" {
		m := jqStepRe.FindStringSubmatch(path)
		if m == nil {
			return "", false
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return "", false
		}
		if v, ok = obj[m[1]]; !ok {
			return "", false
		}
		if m[3] != "" {
			arr, ok := v.([]any)
			n, _ := strconv.Atoi(m[3])
			if !ok || n >= len(arr) {
				return "", false
			}
			v = arr[n]
		}
		path = path[len(m[0]):]
	}
	switch x := v.(type) {
	case string:
		return x, x != ""
	case nil:
		return "", false
	default:
		b, _ := json.Marshal(x)
		return string(b), true
	}
}

// curl sends the request curl would, to serve's handler: -X, -H, -d (which
// makes it a POST with curl's form content type unless -H says otherwise)
// and the URL; -s and -S only change what curl prints.
func (sh *docShell) curl(where string, args []shellWord) (string, int) {
	method, data, rawURL := "", (*string)(nil), ""
	header := http.Header{}
	for i := 0; i < len(args); i++ {
		a := args[i].text
		next := func() string {
			if i+1 >= len(args) {
				sh.t.Fatalf("%s: %s needs a value", where, a)
			}
			i++
			return args[i].text
		}
		switch {
		case a == "-s" || a == "-S" || a == "-sS":
		case a == "-X":
			method = next()
		case a == "-H":
			k, v, ok := strings.Cut(next(), ":")
			if !ok {
				sh.t.Fatalf("%s: bad header %q", where, args[i].text)
			}
			header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
		case a == "-d" || a == "--data" || a == "--data-raw":
			d := next()
			data = &d
		case strings.HasPrefix(a, "-"):
			sh.t.Fatalf("%s: this test does not know curl's %s", where, a)
		case rawURL == "":
			rawURL = a
		default:
			sh.t.Fatalf("%s: a second URL %q", where, a)
		}
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "http" || u.Host != "localhost:8080" {
		sh.t.Fatalf("%s: the URL %q is not serve's (http://localhost:8080/...)", where, rawURL)
	}
	var body io.Reader
	if data != nil {
		body = strings.NewReader(*data)
		if method == "" {
			method = http.MethodPost
		}
		if header.Get("Content-Type") == "" {
			header.Set("Content-Type", "application/x-www-form-urlencoded") // what curl -d sends
		}
	}
	if method == "" {
		method = http.MethodGet
	}
	req := httptest.NewRequest(method, u.RequestURI(), body)
	req.Header = header
	rec := httptest.NewRecorder()
	sh.h.ServeHTTP(rec, req)
	return rec.Body.String(), rec.Code
}

// checkFreeSWITCHFiles holds the FreeSWITCH files and SIP commands of the
// document to what the REST steps created, and asks serve's xml_curl what
// FreeSWITCH would ask with those credentials.
func checkFreeSWITCHFiles(t *testing.T, sh *docShell, blocks map[string][]docBlock, cfg serveConfig) {
	var nodes struct {
		Items []struct{ Name, Address string }
	}
	body, status := sh.curl("nodes", []shellWord{{text: "-H"}, {text: "Authorization: Bearer " + sh.vars["ADMIN"]},
		{text: "http://localhost:8080/api/v1/nodes"}})
	if err := json.Unmarshal([]byte(body), &nodes); status != 200 || err != nil || len(nodes.Items) != 1 {
		t.Fatalf("the nodes the steps created: %d %s", status, body)
	}
	node, secret := nodes.Items[0], sh.vars["NODE_SECRET"]

	xc := xmlParams(t, blocks["xml_curl.conf.xml"][0].text)
	gw, err := url.Parse(xc["gateway-url"])
	if err != nil || gw.Path != "/fsapi" || gw.Port() != portOf(cfg.Listen)[1:] {
		t.Errorf("xml_curl gateway-url %q is not serve's /fsapi on %s", xc["gateway-url"], cfg.Listen)
	}
	if want := node.Name + ":" + secret; xc["gateway-credentials"] != want {
		t.Errorf("xml_curl gateway-credentials %q, want the node's name and secret %q", xc["gateway-credentials"], want)
	}
	es := xmlParams(t, blocks["event_socket.conf.xml"][0].text)
	if es["password"] != secret || net.JoinHostPort(es["listen-ip"], es["listen-port"]) != node.Address {
		t.Errorf("event_socket.conf.xml listens on %s:%s with password %q; the node is %s with secret %q",
			es["listen-ip"], es["listen-port"], es["password"], node.Address, secret)
	}
	if !strings.Contains(blocks["fs_cli"][0].text, `password => `+secret) {
		t.Errorf("~/.fs_cli_conf must carry the node's secret: %s", blocks["fs_cli"][0].text)
	}

	user, pass, _ := strings.Cut(xc["gateway-credentials"], ":")
	dialled := flagValue(t, blocks["caller"][0].text, "-s")
	form := url.Values{"section": {"dialplan"}, "hostname": {"fs"}, "Caller-Context": {"public"},
		"Caller-Destination-Number": {dialled}, "Caller-Caller-ID-Number": {"15550199"}, "Unique-ID": {"u1"}}
	if st, b := fsapi(sh.h, user, pass, form); st != 200 || !strings.Contains(b, `application="socket"`) {
		t.Errorf("the dialplan of %s for the node of the document: %d %s", dialled, st, b)
	}
	phone := blocks["phone"][0].text
	ext, sipPass, domain := flagValue(t, phone, "-au"), flagValue(t, phone, "-ap"), keyValue(t, phone, "domain")
	form = url.Values{"section": {"directory"}, "tag_name": {"domain"}, "key_name": {"name"}, "key_value": {domain},
		"user": {ext}, "domain": {domain}, "action": {"sip_auth"}, "hostname": {"fs"}}
	sum := md5.Sum([]byte(ext + ":" + domain + ":" + sipPass))
	if st, b := fsapi(sh.h, user, pass, form); st != 200 || !strings.Contains(b, `name="a1-hash" value="`+hex.EncodeToString(sum[:])+`"`) {
		t.Errorf("the directory entry of %s@%s does not match the phone's password: %d %s", ext, domain, st, b)
	}
}

// xmlParams reads the <param name value> pairs of a FreeSWITCH config file.
func xmlParams(t *testing.T, doc string) map[string]string {
	t.Helper()
	out := map[string]string{}
	dec := xml.NewDecoder(strings.NewReader(doc))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("%v in %s", err, doc)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "param" {
			var name, value string
			for _, a := range se.Attr {
				switch a.Name.Local {
				case "name":
					name = a.Value
				case "value":
					value = a.Value
				}
			}
			out[name] = value
		}
	}
}

// flagValue is the word after flag in a command block.
func flagValue(t *testing.T, block, flag string) string {
	t.Helper()
	f := strings.Fields(strings.ReplaceAll(block, "\\\n", " "))
	for i := 0; i+1 < len(f); i++ {
		if f[i] == flag {
			return f[i+1]
		}
	}
	t.Fatalf("no %s in %q", flag, block)
	return ""
}

// keyValue is the value of sipp's -key name value.
func keyValue(t *testing.T, block, name string) string {
	t.Helper()
	f := strings.Fields(strings.ReplaceAll(block, "\\\n", " "))
	for i := 0; i+2 < len(f); i++ {
		if f[i] == "-key" && f[i+1] == name {
			return f[i+2]
		}
	}
	t.Fatalf("no -key %s in %q", name, block)
	return ""
}

func fsapi(h http.Handler, user, pass string, form url.Values) (int, string) {
	req := httptest.NewRequest(http.MethodPost, "/fsapi", bytes.NewBufferString(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(user, pass)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}
