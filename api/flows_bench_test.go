package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/switchboard-cc/switchboard/ivrflows/flowtest"
	"github.com/switchboard-cc/switchboard/store"
)

// BenchmarkFlowTestRun measures a draft test run through the real handler:
// auth, catalog from the store, compile, a scripted call, the JSON trace.
func BenchmarkFlowTestRun(b *testing.B) {
	e := newEnv(b)
	f := e.flowTenant("bench", 1)
	var fl store.Flow
	e.must(e.do("POST", f.base+"/flows", f.admin, salesFlow("main", "Hello")), 201, &fl)
	body, _ := json.Marshal(flowtest.Case{Input: []flowtest.Press{{Keys: "2", AfterMS: 500}}})
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, f.base+"/flows/"+fl.ID+"/test", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+f.admin)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		e.api.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}
