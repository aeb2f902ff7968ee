package esl

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
)

// stdlibJSON is the reference: what encoding/json makes of an event body.
func stdlibJSON(b []byte) (map[string]string, bool) {
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil || raw == nil {
		return nil, false
	}
	out := map[string]string{}
	for k, v := range raw {
		switch v := v.(type) {
		case string:
			out[k] = v
		case []any:
			parts := make([]string, len(v))
			for i, p := range v {
				s, ok := p.(string)
				if !ok {
					return nil, false
				}
				parts[i] = s
			}
			out[k] = "ARRAY::" + strings.Join(parts, "|:")
		default:
			return nil, false
		}
	}
	return out, true
}

func flat(b []byte) (map[string]string, error) {
	out := map[string]string{}
	err := parseFlatJSON(b, func(k, v string, array []string) {
		if array != nil {
			v = "ARRAY::" + strings.Join(array, "|:")
		}
		out[k] = v
	})
	return out, err
}

func TestFlatJSONMatchesStdlib(t *testing.T) {
	cases := []string{
		`{}`, ` { "a" : "b" , "c":["x","y"] } `, `{"a":"\u00e9\ud83d\ude00\n\"\\\/"}`,
		`{"a":"\ud800"}`, `{"a":"\ud800\u0041"}`, `{"a":"\udc00"}`, "{\"a\":\"\xff\"}",
		`{"a":1}`, `{"a":null}`, `{"a":["x",2]}`, `{"a":"b",}`, `{"a":"b"} x`, `{"a":"b`, `{"a":"\x"}`,
		"{\"a\":\"\x01\"}", `{"a":[]}`, `{"a":"1","a":"2"}`, `null`, `[]`, ``, `{"a":{"b":"c"}}`,
	}
	for _, c := range cases {
		checkFlat(t, []byte(c))
	}
}

func checkFlat(t *testing.T, in []byte) {
	want, ok := stdlibJSON(in)
	got, err := flat(in)
	if ok != (err == nil) {
		t.Fatalf("%q: stdlib ok=%v, flat err=%v", in, ok, err)
	}
	if ok && !maps.Equal(got, want) {
		t.Fatalf("%q: flat %q, stdlib %q", in, got, want)
	}
}

// FuzzFlatJSON holds the hand-written parser to encoding/json.
func FuzzFlatJSON(f *testing.F) {
	f.Add([]byte(`{"Event-Name":"API","a":["x","y"],"_body":"b\u00e9"}`))
	f.Fuzz(func(t *testing.T, in []byte) { checkFlat(t, in) })
}
