package freeswitch

import (
	"slices"
	"testing"
)

func TestParseSofiaStatusCapture(t *testing.T) {
	rows, err := ParseSofiaStatus(apiResponses(t, "01-inbound-basics.jsonl", "esl")[2])
	if err != nil {
		t.Fatal(err)
	}
	want := []SofiaEntry{
		{"127.0.0.1", "alias", "internal", "ALIASED"},
		{"external", "profile", "sip:mod_sofia@127.0.0.1:5080", "RUNNING (0)"},
		{"internal", "profile", "sip:mod_sofia@127.0.0.1:5060", "RUNNING (0)"},
	}
	if !slices.Equal(rows, want) {
		t.Errorf("got %+v", rows)
	}
	for _, bad := range []string{"-ERR no", "====\na\tb\n====\n", "====\nx\tprofile\td\ts\n"} {
		if _, err := ParseSofiaStatus(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParseSofiaStatus(f *testing.F) {
	f.Add("====\nexternal::gw\tgateway\tsip:a@b\tNOREG\n====\n")
	f.Fuzz(func(t *testing.T, s string) {
		rows, err := ParseSofiaStatus(s)
		if err != nil {
			return
		}
		for _, r := range rows {
			if r.Name == "" || r.Type == "" {
				t.Fatalf("empty row accepted: %+v", r)
			}
		}
	})
}
