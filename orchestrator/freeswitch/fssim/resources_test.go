package fssim

import (
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
)

func bareNode(t *testing.T) *Node {
	t.Helper()
	n, err := Start(Config{Heartbeat: -1, Speed: 20, NoMusic: true, NoGateways: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	return n
}

// TestLocalStreamShow: the answers of mod_local_stream.c's local_stream_function
// on a node with the stock streams and on one without music (nothing
// printed, which mod_event_socket turns into "-ERR no reply").
func TestLocalStreamShow(t *testing.T) {
	stock, bare := inbound(t, fastNode(t)), inbound(t, bareNode(t))
	list := stock.api("local_stream show")
	for _, want := range []string{"default,/usr/share/freeswitch/sounds/music/8000\n", "moh/8000,/usr/share/freeswitch/sounds/music/8000\n",
		"moh/48000,/usr/share/freeswitch/sounds/music/48000\n"} {
		if !strings.Contains(list, want) {
			t.Errorf("stock list lacks %q:\n%s", want, list)
		}
	}
	if got := stock.api("local_stream show moh/8000"); !strings.HasPrefix(got, "moh/8000\n  location: /usr/share/freeswitch/sounds/music/8000\n") ||
		!strings.Contains(got, "  ready:    true\n") {
		t.Errorf("show moh/8000:\n%s", got)
	}
	for c, cmd := range map[*eslClient]string{stock: "local_stream show moh", bare: "local_stream show moh"} {
		if got := c.api(cmd); got != "-ERR Cannot locate local_stream moh!\n" {
			t.Errorf("%s = %q: the stock configuration has no stream called plain moh", cmd, got)
		}
	}
	if got := bare.api("local_stream show"); got != "-ERR no reply\n" {
		t.Errorf("list without music = %q", got)
	}
	if got := bare.api("local_stream"); !strings.HasPrefix(got, "-USAGE: <show|start|reload|stop|hup> <local_stream_name>") {
		t.Errorf("usage = %q", got)
	}
}

// TestSofiaStatusListsGateways: gateway rows in mod_sofia.c cmd_status's
// format (profile::name, four columns), and `sofia status gateway NAME`.
func TestSofiaStatusListsGateways(t *testing.T) {
	stock, bare := inbound(t, fastNode(t)), inbound(t, bareNode(t))
	got := stock.api("sofia status")
	// "%25s\t%s\t  %40s\t%s": the name right-aligned in 25, two spaces and the URI in 40.
	row := strings.Repeat(" ", 11) + "external::pstn\tgateway\t" + strings.Repeat(" ", 2+22) + "sip:pstn@192.0.2.1\tNOREG\n"
	if !strings.Contains(got, row) || !strings.HasSuffix(got, strings.Repeat("=", 97)+"\n2 profiles 0 aliases\n") {
		t.Errorf("sofia status lacks %q or the summary:\n%s", row, got)
	}
	if got := bare.api("sofia status"); strings.Contains(got, "gateway") || !strings.Contains(got, "\tprofile\t") {
		t.Errorf("a node without gateways:\n%s", got)
	}
	if got := stock.api("sofia status gateway pstn"); !strings.Contains(got, "Name    \tpstn\nProfile \texternal\n") || !strings.Contains(got, "State   \tNOREG\n") {
		t.Errorf("sofia status gateway pstn:\n%s", got)
	}
	if got := bare.api("sofia status gateway pstn"); got != "Invalid Gateway!\n" {
		t.Errorf("missing gateway = %q", got)
	}
}

// TestDialThroughAMissingGatewayFails: with no such gateway a dial fails at
// once with INVALID_GATEWAY, whatever numbers are scripted behind it.
func TestDialThroughAMissingGatewayFails(t *testing.T) {
	for _, tc := range []struct {
		node *Node
		want string
	}{{fastNode(t), "+OK g-1\n"}, {bareNode(t), "-ERR INVALID_GATEWAY\n"}} {
		if err := tc.node.AddGatewayNumber("pstn", "95599", PhoneScript{AnswerAfter: 10 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		c := inbound(t, tc.node)
		if got := c.api("originate {origination_uuid=g-1}sofia/gateway/pstn/95599 &park()"); got != tc.want {
			t.Errorf("originate = %q, want %q", got, tc.want)
		}
	}
}

// TestMissingStreamDoesNotPlay: local_stream://moh on a node without music
// completes at once with FILE NOT FOUND and no PLAYBACK_START (the file open
// fails in switch_ivr_play_file); a held leg's partner hears silence.
func TestMissingStreamDoesNotPlay(t *testing.T) {
	n := bareNode(t)
	n.RegisterPhone("1000", "dom", PhoneScript{})
	c := inbound(t, n)
	c.send("event json CHANNEL_EXECUTE_COMPLETE PLAYBACK_START")
	c.frame()
	if got := c.api("originate {origination_uuid=m-1}user/1000@dom &playback(local_stream://moh)"); got != "+OK m-1\n" {
		t.Fatalf("originate = %q", got)
	}
	_, e := c.until(func(_ *esl.Frame, e *esl.Event) bool {
		return e != nil && (e.Name() == "PLAYBACK_START" || e.Name() == "CHANNEL_EXECUTE_COMPLETE" && e.Get("Application") == "playback")
	})
	if e.Name() != "CHANNEL_EXECUTE_COMPLETE" || e.Get("Application-Response") != "FILE NOT FOUND" {
		t.Fatalf("got %s with response %q, want playback to end with FILE NOT FOUND before any PLAYBACK_START", e.Name(), e.Get("Application-Response"))
	}
	if info, _ := n.CallByUUID("m-1"); len(info.Played) != 0 {
		t.Errorf("played %q", info.Played)
	}
}

// TestGatewaysAddedAndDeletedAtRunTime: AddGateway and RemoveGateway fire
// sofia::gateway_add and sofia::gateway_delete (sofia_reg.c) and change what
// sofia status lists and what can be dialled.
func TestGatewaysAddedAndDeletedAtRunTime(t *testing.T) {
	n := bareNode(t)
	c := inbound(t, n)
	c.send("event json CUSTOM sofia::gateway_add sofia::gateway_delete")
	c.frame()
	if err := n.AddGateway("pstn"); err != nil {
		t.Fatal(err)
	}
	if e := c.event("CUSTOM"); e.Subclass() != "sofia::gateway_add" || e.Get("Gateway") != "pstn" || e.Get("profile-name") != "external" {
		t.Errorf("add event %s %q %q", e.Subclass(), e.Get("Gateway"), e.Get("profile-name"))
	}
	if got := c.api("sofia status"); !strings.Contains(got, "external::pstn\tgateway") {
		t.Errorf("added gateway not listed:\n%s", got)
	}
	if err := n.AddGateway("pstn"); err == nil {
		t.Error("adding an existing gateway must fail")
	}
	if err := n.RemoveGateway("pstn"); err != nil {
		t.Fatal(err)
	}
	if e := c.event("CUSTOM"); e.Subclass() != "sofia::gateway_delete" || e.Get("Gateway") != "pstn" {
		t.Errorf("delete event %s %q", e.Subclass(), e.Get("Gateway"))
	}
	if got := c.api("sofia status gateway pstn"); got != "Invalid Gateway!\n" {
		t.Errorf("deleted gateway = %q", got)
	}
	if _, err := Start(Config{Gateways: []string{"a/b"}}); err == nil {
		t.Error("a gateway name with / must be refused")
	}
}
