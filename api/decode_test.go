package api

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v5"
)

type decodeTarget struct {
	Name   string `json:"name"`
	Count  int    `json:"count"`
	Nested struct {
		Level int `json:"level"`
	} `json:"nested"`
}

func decodeBody(t testing.TB, body string) (decodeTarget, error) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	c := echo.New().NewContext(req, httptest.NewRecorder())
	var d decodeTarget
	return d, decodeJSON(c, &d)
}

func TestDecodeJSON(t *testing.T) {
	cases := []struct {
		name, body string
		status     int
		field      string
	}{
		{"ok", `{"name":"a","count":2,"nested":{"level":3}}`, 0, ""},
		{"unknown field", `{"name":"a","colour":"red"}`, 400, "colour"},
		{"unknown nested field", `{"nested":{"level":1,"x":2}}`, 400, "x"},
		{"wrong type", `{"count":"two"}`, 400, "count"},
		{"wrong nested type", `{"nested":{"level":"high"}}`, 400, "nested.level"},
		{"malformed", `{"name":`, 400, "body"},
		{"syntax", `{"name" "a"}`, 400, "body"},
		{"empty", ``, 400, "body"},
		{"array", `[1,2]`, 400, "body"},
		{"trailing", `{"name":"a"} {"name":"b"}`, 400, "body"},
		{"NUL", `{"name":"a\u0000"}`, 400, "name"},
		{"NUL nested", `{"nested":{"level":1},"name":"\u0000"}`, 400, "name"},
		{"too big", `{"name":"` + strings.Repeat("x", maxBodyBytes) + `"}`, 413, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := decodeBody(t, tc.body)
			if tc.status == 0 {
				if err != nil || d.Name != "a" || d.Count != 2 || d.Nested.Level != 3 {
					t.Fatalf("got %+v, %v", d, err)
				}
				return
			}
			var ae *Error
			if !errors.As(err, &ae) || ae.Status != tc.status {
				t.Fatalf("want status %d, got %v", tc.status, err)
			}
			if tc.field == "" {
				return
			}
			fe, ok := ae.Details.([]FieldError)
			if !ok || fe[0].Field != tc.field {
				t.Fatalf("want field %q, got details %#v (%s)", tc.field, ae.Details, ae.Message)
			}
		})
	}
}

// FuzzDecodeJSON: any body either decodes or yields a 4xx API error; never a panic or a 500.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"name":"a"}`, `{"count":1e400}`, `{"nested":{"level":[]}}`, `{"x":1}`, `nul`, "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		_, err := decodeBody(t, body)
		if err == nil {
			return
		}
		var ae *Error
		if !errors.As(err, &ae) || ae.Status < 400 || ae.Status >= 500 {
			t.Fatalf("body %q: want 4xx API error, got %v", body, err)
		}
	})
}
