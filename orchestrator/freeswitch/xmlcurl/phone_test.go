package xmlcurl

import (
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
)

// phoneForm is the dialplan request FreeSWITCH posts for an INVITE from a
// phone that authenticated as user@domain, dialling dest, with extra
// channel variables.
func phoneForm(t *testing.T, user, domain, dest string, vars map[string]string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/requests/dialplan-default-context.form")
	if err != nil {
		t.Fatal(err)
	}
	f, err := url.ParseQuery(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	f.Set("Caller-Context", PhoneContext)
	f.Set("Caller-Destination-Number", dest)
	if user != "" {
		f.Set("variable_user_name", user)
		f.Set("variable_domain_name", domain)
	}
	for k, v := range vars {
		f.Set("variable_"+k, v)
	}
	return f.Encode()
}

// TestPhoneContextGoesToController: the directory gives phones the
// controller's context, and a call placed in it reaches the controller's
// socket with the tenant and extension of the user the phone authenticated
// as, whatever tenant variable the channel carries.
func TestPhoneContextGoesToController(t *testing.T) {
	h, _ := testHandler(t, captureNow)
	dir := post(h, nodeID, nodePass, loadCapture(t)[5].Body).Body.String()
	if !strings.Contains(dir, `name="user_context" value="`+PhoneContext+`"`) {
		t.Fatalf("directory does not put phones in %s:\n%s", PhoneContext, dir)
	}
	got := actions(t, post(h, nodeID, nodePass, phoneForm(t, "1000", "127.0.0.1", "1001",
		map[string]string{"sb_tenant": "globex", "sb_origin": "trunk"})).Body.Bytes())
	want := []string{"sb-phones|set|sb_tenant=acme", "sb-phones|set|sb_origin=phone", "sb-phones|set|sb_phone_user=1000",
		"sb-phones|socket|127.0.0.1:8084 async full"}
	i := 0
	for _, a := range got {
		if i < len(want) && a == want[i] {
			i++
		}
	}
	if i != len(want) {
		t.Fatalf("phone call actions %q lack %q in order", got, want)
	}
	if slices.ContainsFunc(got, func(a string) bool { return strings.Contains(a, "globex") }) {
		t.Fatalf("the channel's sb_tenant was trusted: %q", got)
	}
	// The fallback after the socket rings only an extension of the caller's
	// own domain.
	if !slices.Contains(got, "sb-phones|bridge|{originate_timeout=30,sb_tenant=acme,sb_fallback=true}user/1001@127.0.0.1") {
		t.Fatalf("no internal fallback bridge: %q", got)
	}
}

// TestPhoneContextRefusals: no authenticated user, a suspended tenant's
// user, or a user of another domain gets OUTGOING_CALL_BARRED (SIP 403) and
// no socket; an outside number or a string built to smuggle a second
// endpoint gets no fallback bridge.
func TestPhoneContextRefusals(t *testing.T) {
	h, _ := testHandler(t, captureNow)
	refused := []struct{ name, user, domain string }{
		{"no authenticated user", "", ""},
		{"suspended tenant", "1000", "initech.example.com"},
		{"unknown user", "1999", "127.0.0.1"},
	}
	for _, c := range refused {
		got := actions(t, post(h, nodeID, nodePass, phoneForm(t, c.user, c.domain, "1001", nil)).Body.Bytes())
		if !slices.Contains(got, "sb-phones|hangup|OUTGOING_CALL_BARRED") || slices.ContainsFunc(got, isSocket) {
			t.Errorf("%s: want a 403 refusal without socket, got %q", c.name, got)
		}
	}
	for _, dest := range []string{"0612345678", "1001,sofia/gateway/pstn/0900", "1001@globex.example.com"} {
		got := actions(t, post(h, nodeID, nodePass, phoneForm(t, "1000", "127.0.0.1", dest, nil)).Body.Bytes())
		if !slices.ContainsFunc(got, isSocket) || slices.ContainsFunc(got, func(a string) bool { return strings.Contains(a, "|bridge|") }) {
			t.Errorf("%q: want the socket and no fallback bridge, got %q", dest, got)
		}
	}
}

func isSocket(a string) bool { return strings.Contains(a, "|socket|") }
