package tenancy

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestCRMTemplateExpands(t *testing.T) {
	tpl, err := ParseCRMTemplate("https://crm.example.com/contacts/{caller}?call={call_id}&q={queue_id}&acct={data.account}&n={access_number}#a={agent_id}")
	if err != nil {
		t.Fatal(err)
	}
	got := tpl.Expand(CRMValues{Caller: "+86 138/00", AccessNumber: "+15550100", QueueID: "q1", CallID: "c&1", AgentID: "a 1",
		Data: map[string]string{"account": "A=7"}})
	want := "https://crm.example.com/contacts/+86%20138%2F00?call=c%261&q=q1&acct=A%3D7&n=%2B15550100#a=a+1"
	if got != want {
		t.Fatalf("Expand\n got %s\nwant %s", got, want)
	}
	if got := tpl.Expand(CRMValues{}); !strings.HasPrefix(got, "https://crm.example.com/contacts/?call=&") {
		t.Fatalf("missing values must expand to empty: %s", got)
	}
}

func TestCRMTemplateRefuses(t *testing.T) {
	for _, tc := range []struct{ tpl, problem string }{
		{"javascript:alert(1)//{caller}", "absolute http or https"},
		{"crm.example.com/{caller}", "absolute http or https"},
		{"https://{caller}.example.com/", "written out"},
		{"https://crm.example.com{caller}/", "written out"},
		{"{data.url}", "absolute http or https"},
		{"https://user:pw@crm.example.com/{caller}", "user information"},
		{"https://crm.example.com/{callerid}", "unknown placeholder {callerid}"},
		{"https://crm.example.com/{data.}", "unknown placeholder"},
		{"https://crm.example.com/{caller", "without its '}'"},
		{"https://crm.example.com/a b", "percent-encoded"},
		{"https://crm.example.com/" + strings.Repeat("a", 2048), "at most 2048"},
	} {
		_, err := ParseCRMTemplate(tc.tpl)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "crm_url_template" || !strings.Contains(fe.Reason, tc.problem) {
			t.Errorf("ParseCRMTemplate(%q) = %v, want a crm_url_template error containing %q", tc.tpl, err, tc.problem)
		}
	}
	if tpl, err := ParseCRMTemplate(""); err != nil || !tpl.Empty() {
		t.Fatalf("empty template: %v", err)
	}
}

func TestCheckDesktopSettings(t *testing.T) {
	if err := CheckDesktopSettings(DefaultDesktopSettings()); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	ok := DesktopSettings{NotReadyReasons: []ReasonCode{{Code: "lunch", Label: "午饭"}, {Code: "coaching.1"}}}
	if err := CheckDesktopSettings(ok); err != nil {
		t.Fatal(err)
	}
	many := make([]ReasonCode, 33)
	for i := range many {
		many[i] = ReasonCode{Code: strings.Repeat("a", i+1)[:min(i+1, 32)] + string(rune('a'+i%26))}
	}
	for _, tc := range []struct {
		in    DesktopSettings
		field string
	}{
		{DesktopSettings{NotReadyReasons: []ReasonCode{{Code: ""}}}, "not_ready_reasons[0].code"},
		{DesktopSettings{NotReadyReasons: []ReasonCode{{Code: "a b"}}}, "not_ready_reasons[0].code"},
		{DesktopSettings{NotReadyReasons: []ReasonCode{{Code: "lunch"}, {Code: "Login"}}}, "not_ready_reasons[1].code"},
		{DesktopSettings{NotReadyReasons: []ReasonCode{{Code: "lunch"}, {Code: "LUNCH"}}}, "not_ready_reasons[1].code"},
		{DesktopSettings{NotReadyReasons: []ReasonCode{{Code: "lunch", Label: "a\x07"}}}, "not_ready_reasons[0].label"},
		{DesktopSettings{NotReadyReasons: many}, "not_ready_reasons"},
		{DesktopSettings{CRMURLTemplate: "ftp://x/{caller}"}, "crm_url_template"},
	} {
		err := CheckDesktopSettings(tc.in)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("CheckDesktopSettings(%+v) = %v, want an error on %s", tc.in, err, tc.field)
		}
	}
}

// FuzzCRMTemplate: whatever template is accepted and whatever a caller
// sends, the link goes to the scheme and host the tenant wrote.
func FuzzCRMTemplate(f *testing.F) {
	f.Add("https://crm.example.com/c/{caller}?x={data.k}", "+1/../@evil.com", "v#?")
	f.Add("http://10.0.0.1:8080{caller}", "x", "y")
	f.Add("https://crm.example.com/{caller}", "@evil.com", "")
	f.Fuzz(func(t *testing.T, tpl, caller, data string) {
		p, err := ParseCRMTemplate(tpl)
		if err != nil || p.Empty() {
			return
		}
		want, err := url.Parse(p.expand(func(string) string { return "" }))
		if err != nil {
			t.Fatalf("accepted %q but its empty expansion does not parse: %v", tpl, err)
		}
		got, err := url.Parse(p.Expand(CRMValues{Caller: caller, CallID: caller, Data: map[string]string{"k": data}}))
		if err != nil {
			t.Fatalf("expansion of %q does not parse: %v", tpl, err)
		}
		if got.Scheme != want.Scheme || got.Host != want.Host || got.User != nil {
			t.Fatalf("template %q with caller %q goes to %s://%s, want %s://%s", tpl, caller, got.Scheme, got.Host, want.Scheme, want.Host)
		}
	})
}
