package xmlcurl

import (
	"testing"
)

// BenchmarkServe measures a whole request through the handler (auth, form
// parse, lookup, render) for the two hot paths: a call's dialplan and a
// REGISTER's sip_auth.
func BenchmarkServe(b *testing.B) {
	caps := loadCapture(b)
	for _, bc := range []struct {
		name string
		body string
	}{{"dialplan", caps[4].Body}, {"sip_auth", caps[5].Body}} {
		b.Run(bc.name, func(b *testing.B) {
			h, _ := testHandler(b, captureNow)
			b.ReportAllocs()
			for b.Loop() {
				if w := post(h, nodeID, nodePass, bc.body); w.Code != 200 {
					b.Fatal(w.Code)
				}
			}
		})
	}
}
