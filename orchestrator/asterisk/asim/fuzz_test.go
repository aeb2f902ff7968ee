package asim

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRequest sends asim arbitrary requests (path, query, JSON body): it
// must answer every one without panicking, and every error it gives is
// ARI's JSON error object. Seeds are requests of the captures; the corpus
// is in testdata/fuzz/FuzzRequest.
func FuzzRequest(f *testing.F) {
	seeds := [][3]string{
		{"POST", "/ari/channels?endpoint=PJSIP/2001&app=switchboard&channelId=x&timeout=5", ""},
		{"POST", "/ari/channels/create", `{"endpoint":"PJSIP/2001","app":"switchboard","channelId":"y"}`},
		{"POST", "/ari/channels/7.1/variable", `{"variable": "SB_BODY", "value": "json-body"}`},
		{"POST", "/ari/bridges/b1/addChannel?channel=7.1,x", ""},
		{"POST", "/ari/channels/7.1/play/p1?media=sound:sb-welcome", ""},
		{"POST", "/ari/channels/7.1/record?name=r&format=wav&ifExists=fail", ""},
		{"POST", "/ari/channels/7.1/snoop?spy=both&app=switchboard", ""},
		{"DELETE", "/ari/channels/7.1?reason_code=21", ""},
		{"POST", "/ari/applications/switchboard/subscription?eventSource=channel:7.1,endpoint:PJSIP", ""},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2])
	}
	s, err := Start(Config{Speed: 1000, Endpoints: []string{"PJSIP/2001"}})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	s.mu.Lock()
	s.apps["switchboard"] = &app{name: "switchboard", endpoints: map[string]bool{}, channels: map[string]bool{}}
	s.mu.Unlock()
	if _, err := s.PlaceCall(CallerSpec{ID: "7.1"}); err != nil {
		f.Fatal(err)
	}
	h := s.routes()
	f.Fuzz(func(t *testing.T, method, target, body string) {
		if !strings.HasPrefix(target, "/") || strings.ContainsAny(target, " \r\n\t#") {
			return
		}
		req, err := http.NewRequest(method, "http://asim"+target, strings.NewReader(body))
		if err != nil {
			return
		}
		req.SetBasicAuth("sb", "sbpass")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 400 && w.Code != 500 && req.URL.Path != "/ari/events" && w.Code != 405 && w.Code != 503 {
			if b := w.Body.String(); !strings.HasPrefix(b, `{"message":`) {
				t.Errorf("%s %s: error %d with body %q, want ARI's {\"message\":...}", method, target, w.Code, b)
			}
		}
	})
}
