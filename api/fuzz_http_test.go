package api

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// FuzzCreateBodies posts arbitrary bodies to the creating routes of a real
// server: whatever arrives, the answer is a 2xx or a 4xx, never a 5xx (a 5xx
// would mean input reached the database unchecked).
func FuzzCreateBodies(f *testing.F) {
	e := newEnv(f)
	w := e.populate(e.newTenant("fuzz", 1000))
	paths := []string{"/skills", "/queues", "/numbers", "/agents", "/users", "/api-keys"}
	for _, s := range []string{`{"name":"a"}`, `{"name":"\u0000"}`, `{"name":"` + "\xff\xfe" + `"}`,
		`{"number":"+1","entry_kind":"queue","entry_alias":"x"}`, `{"user_id":"x","extension":"1","sip_password":"12345678","skills":[{"skill_id":"","level":1}]}`,
		`{"strategy":"ring_all","name":"q","settings":{"a":[1,2,{"b":null}]}}`, `{"email":"a@b.c","display_name":"d","role":"agent","password":"xxxxxxxxxxxx"}`} {
		for i := range paths {
			f.Add(uint8(i), s)
		}
	}
	client := e.http.Client()
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		url := e.http.URL + w.base + paths[int(which)%len(paths)]
		req, err := http.NewRequest("POST", url, strings.NewReader(body))
		if err != nil {
			t.Skip()
		}
		req.Header.Set("Authorization", "Bearer "+w.admin)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Fatalf("POST %s %q: %d %s", url, body, res.StatusCode, b)
		}
	})
}
