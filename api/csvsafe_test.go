package api

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

func TestCSVSafeDefusesFormulas(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"=1+1", "'=1+1"},
		{"+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1"},
		{"\n=1+1", "'\n=1+1"},
		{"\tplain", "'\tplain"}, // OWASP: a leading TAB or CR alone
		{"\rplain", "'\rplain"},
		{"\nplain", "'\nplain"},
		{"  =HYPERLINK(\"x\")", "'  =HYPERLINK(\"x\")"},
		{"\u00a0@x", "'\u00a0@x"},
		{"\u3000=1", "'\u3000=1"}, // ideographic space
		{"＝1+1", "'＝1+1"},         // full-width
		{"＠x", "'＠x"},
		{"+15550100", "'+15550100"}, // phone numbers stay text, + and every digit kept
		{"+8613800000001", "'+8613800000001"},
		// normal values are untouched
		{"", ""},
		{"13800000001", "13800000001"},
		{"answered", "answered"},
		{"2026-03-01T09:00:00Z", "2026-03-01T09:00:00Z"},
		{"01a24f10-eaf7-7b7d-9a15-0f77b08bb96b", "01a24f10-eaf7-7b7d-9a15-0f77b08bb96b"},
		{"a=b", "a=b"},
		{"张三", "张三"},
		{"   ", "   "},
		{"'=already", "'=already"},
	} {
		if got := csvSafe(tc.in); got != tc.want {
			t.Errorf("csvSafe(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzCSVSafe holds the rule: a value that a spreadsheet could read as a
// formula comes out prefixed with ', anything else comes out unchanged.
func FuzzCSVSafe(f *testing.F) {
	for _, s := range []string{"=1", "\t=1", " +1", "x", "", "+15550100", "＝", "\u2028-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got := csvSafe(v)
		first, _ := utf8.DecodeRuneInString(v)
		lead, _ := utf8.DecodeRuneInString(strings.TrimLeftFunc(v, unicode.IsSpace))
		risky := v != "" && (strings.ContainsRune("\t\r\n", first) || strings.ContainsRune("=+-@＝＋－＠", lead))
		switch {
		case risky && got != "'"+v:
			t.Fatalf("csvSafe(%q) = %q: a formula got through", v, got)
		case !risky && got != v:
			t.Fatalf("csvSafe(%q) = %q: a harmless value was changed", v, got)
		}
	})
}

// TestCDRExportDefusesEveryColumn: every text column of the export is
// defused, not only the caller.
func TestCDRExportDefusesEveryColumn(t *testing.T) {
	e := newEnv(t)
	a := e.newTenant("acme", 5)
	at := e.clock.now()
	bad := func(col string) string { return "\t=cmd|'" + col + "'!A0" }
	cdr := store.CDR{CallID: bad("call_id"), Leg: bad("leg"), NodeID: bad("node"), Caller: "+15550100",
		AccessNumber: "@" + "access", QueueID: "-queue", AgentID: " =agent", ArrivedAt: at,
		Disposition: "\r=disp", HangupCause: "\n+cause", SIPHangupCause: "＝sip", RecordingPath: "+rec"}
	if _, err := e.store.InsertCDR(context.Background(), tenancy.TenantID(a.id), cdr); err != nil {
		t.Fatal(err)
	}
	e.clock.advance(time.Second)
	if _, err := e.store.InsertCDR(context.Background(), tenancy.TenantID(a.id), store.CDR{CallID: "call-2", Leg: "caller",
		NodeID: "fs1", Caller: "13800000001", AccessNumber: "862000000", ArrivedAt: at, Disposition: "answered"}); err != nil {
		t.Fatal(err)
	}
	r := e.do("GET", a.base+"/cdrs/export", a.admin, nil)
	if r.status != 200 {
		t.Fatalf("export: %s", r)
	}
	rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	if err != nil || len(rows) != 3 {
		t.Fatalf("want header + 2 rows: %v %v", rows, err)
	}
	var poisoned, plain []string
	for _, row := range rows[1:] {
		if row[1] == "call-2" {
			plain = row
		} else {
			poisoned = row
		}
	}
	if poisoned == nil || plain == nil {
		t.Fatalf("rows: %v", rows)
	}
	for i, col := range cdrColumns {
		v := poisoned[i]
		if v == "" || strings.HasPrefix(col, "queued") || strings.HasPrefix(col, "offered") ||
			strings.HasPrefix(col, "answered") || strings.HasPrefix(col, "ended") || col == "arrived_at" || col == "id" {
			continue
		}
		if !strings.HasPrefix(v, "'") {
			t.Errorf("column %s = %q: not defused", col, v)
		}
	}
	if poisoned[4] != "'+15550100" {
		t.Errorf("phone number caller = %q, want '+15550100 (text, + and digits kept)", poisoned[4])
	}
	if plain[4] != "13800000001" || plain[5] != "862000000" || plain[13] != "answered" || plain[1] != "call-2" {
		t.Errorf("harmless values must be unchanged: %v", plain)
	}
}
