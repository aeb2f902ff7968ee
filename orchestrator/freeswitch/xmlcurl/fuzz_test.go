package xmlcurl

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzRequest feeds arbitrary urlencoded bodies through the parser and the
// renderer: nothing panics, every answer is well-formed XML, and nothing the
// caller controls turns into a FreeSWITCH variable expansion in a dialplan.
func FuzzRequest(f *testing.F) {
	for _, c := range loadCapture(f) {
		f.Add(c.Body)
	}
	f.Add("section=dialplan&Caller-Context=public&Caller-Destination-Number=%24%7Bsystem(id)%7D")
	f.Add("section=directory&user=1000&domain=127.0.0.1&action=sip_auth")
	f.Add("section=dialplan&Caller-Context=public&Caller-Destination-Number=%2B33+1+00+00+00+01")
	f.Add("section=dialplan&Caller-Context=sb-phones&Caller-Destination-Number=1001&variable_user_name=1000&variable_domain_name=127.0.0.1")
	f.Add("section=dialplan&Caller-Context=sb-phones&Caller-Destination-Number=1001%2C%24%7Bx%7D&variable_user_name=1000&variable_domain_name=127.0.0.1")
	snap, err := NewSnapshot(testSnapshotConfig(f))
	if err != nil {
		f.Fatal(err)
	}
	h, err := NewHandler(Config{Nodes: snap, Directory: snap, Plan: snap, Now: func() time.Time { return captureNow }})
	if err != nil {
		f.Fatal(err)
	}
	node, _ := snap.Authenticate(nodeID, nodePass)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		req, err := ParseRequest(form)
		if err != nil {
			return
		}
		doc := h.answer(node, req, &reqLog{l: logger})
		mustBeWellFormed(t, doc)
		// the one expansion the answer writes itself: the fallback's dial
		// string, set by the answer before the socket (writeFallbackDial)
		own := strings.ReplaceAll(string(doc), `data="${`+VarFallbackDial+`}"`, "")
		if req.Section == SectionDialplan && strings.Contains(own, "${") {
			t.Fatalf("dialplan answer carries a variable expansion:\n%s", doc)
		}
	})
}

// FuzzFormMatchesParseForm: the handler's form reader accepts exactly what
// http.Request.ParseForm accepts (same method, content type, body, query
// and body limit), a body over the limit is a *http.MaxBytesError to both,
// and every field ParseForm finds has the same first value.
func FuzzFormMatchesParseForm(f *testing.F) {
	for _, c := range loadCapture(f) {
		f.Add(true, "application/x-www-form-urlencoded", c.Body, "")
	}
	f.Add(true, "application/x-www-form-urlencoded; charset=utf-8", "a=1&a=2&b=%41+c&=x&&c", "a=3&d=4")
	f.Add(true, "", "a=1", "b=2")
	f.Add(true, "text/plain", "a=1", "a=2")
	f.Add(true, "application/x-www-form-urlencoded;;", "a=1", "")
	f.Add(true, "application/x-www-form-urlencoded", "a=%zz&b=1", "")
	f.Add(true, "application/x-www-form-urlencoded", "a=1;b=2", "")
	f.Add(false, "application/x-www-form-urlencoded", "a=1", "section=dialplan&k%20ey=v%2Bal+ue")
	f.Add(true, "application/x-www-form-urlencoded", strings.Repeat("a", 300), "")
	f.Fuzz(func(t *testing.T, post bool, ct, body, query string) {
		method := http.MethodGet
		if post {
			method = http.MethodPost
		}
		req := func() (*http.Request, *httptest.ResponseRecorder) {
			r := httptest.NewRequest(method, "/fsapi", strings.NewReader(body))
			r.URL.RawQuery = query
			if ct != "" {
				r.Header.Set("Content-Type", ct)
			}
			w := httptest.NewRecorder()
			r.Body = http.MaxBytesReader(w, r.Body, 256)
			return r, w
		}
		std, _ := req()
		stdErr := std.ParseForm()
		ours, _ := req()
		form, err := readForm(ours)
		if (err == nil) != (stdErr == nil) {
			t.Fatalf("ParseForm: %v; readForm: %v", stdErr, err)
		}
		_, stdBig := errors.AsType[*http.MaxBytesError](stdErr)
		if _, big := errors.AsType[*http.MaxBytesError](err); big != stdBig {
			t.Fatalf("over the limit: ParseForm %v, readForm %v", stdErr, err)
		}
		if err != nil {
			return
		}
		defer form.release()
		for k := range std.Form {
			if got, want := form.Get(k), std.Form.Get(k); got != want {
				t.Fatalf("%q: %q, want %q", k, got, want)
			}
		}
		if got := form.Get("no such field"); got != "" && std.Form.Get("no such field") == "" {
			t.Fatalf("a field that is not there: %q", got)
		}
	})
}

// FuzzEscapeMatchesEncodingXML: the document's attribute escaping writes
// what xml.EscapeText writes, for any text.
func FuzzEscapeMatchesEncodingXML(f *testing.F) {
	for _, s := range []string{"plain text 123", "it's", "a>b", `a"b'c&d<e>f`, "tab\there\nline\r", "caf\u00e9 \u4e2d\u6587", "\x7f\x00\xff", "${x}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want bytes.Buffer
		_ = xml.EscapeText(&want, []byte(s))
		d := &xmlDoc{}
		d.escape(s)
		if string(d.b) != want.String() {
			t.Fatalf("%q: escaped %q, want %q", s, d.b, want.String())
		}
	})
}
