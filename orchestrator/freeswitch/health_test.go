package freeswitch

import (
	"log/slog"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/syncbuf"
	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
)

const moh = "local_stream://moh"

// healthAdapter connects an adapter that checks moh to the given nodes
// (name -> ESL address); it rechecks only every hour, so what it knows
// between came from the connect or from the node's events.
func healthAdapter(t *testing.T, nodes map[string]string) (*Adapter, *syncbuf.Buffer) {
	t.Helper()
	logs := &syncbuf.Buffer{}
	var list []Node
	for name, addr := range nodes {
		list = append(list, Node{Name: name, Addr: addr, Password: "ClueCon"})
	}
	a, err := New(Options{Nodes: list, CheckMedia: []string{moh, "ivr/hold.wav"}, HealthInterval: time.Hour,
		CommandTimeout: 5 * time.Second, BackoffMin: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	a.Start()
	t.Cleanup(func() {
		a.Close()
		if t.Failed() {
			t.Logf("adapter log:\n%s", logs.String())
		}
	})
	return a, logs
}

// TestHealthIsKnownRightAfterConnect: by the time a node reports NodeUp the
// adapter knows whether it can play the hold music and which gateways it
// has — a node without music is known as such with no hold tried (the
// simulated node played nothing), and one with the stock streams is not;
// a source the adapter cannot check stays unknown. The node without music
// is warned of in the log at connect.
func TestHealthIsKnownRightAfterConnect(t *testing.T) {
	bare, err := fssim.Start(fssim.Config{Heartbeat: -1, Speed: 20, NoMusic: true, NoGateways: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bare.Close)
	stock := startSim(t, "")
	a, logs := healthAdapter(t, map[string]string{"bare": bare.Addr(), "stock": stock.Addr()})
	for range 2 {
		if ev := upDown(t, a); ev.Kind != orchestrator.NodeUp {
			t.Fatalf("node event %+v, want NodeUp", ev)
		}
	}
	h := a.NodeHealth("bare")
	if !h.Up || h.MediaState(moh) != orchestrator.Missing || !strings.Contains(h.MediaDetail[moh], "no running local_stream moh") ||
		h.Checked.IsZero() {
		t.Errorf("bare node: %+v, want up with %s missing", h, moh)
	}
	if h.Gateway("pstn") != orchestrator.Missing || h.Gateways == nil || len(h.Gateways) != 0 {
		t.Errorf("bare node gateways %v: want known and empty", h.Gateways)
	}
	if len(bare.Calls()) != 0 {
		t.Errorf("the check placed calls: %+v", bare.Calls())
	}
	h = a.NodeHealth("stock")
	if h.MediaState(moh) != orchestrator.Available || h.MediaDetail[moh] != "local_stream moh/8000 (/usr/share/freeswitch/sounds/music/8000)" {
		t.Errorf("stock node: %+v, want %s available as moh/8000", h, moh)
	}
	if !maps.Equal(h.Gateways, map[string]string{"pstn": "NOREG"}) || h.Gateway("pstn") != orchestrator.Available {
		t.Errorf("stock node gateways %v", h.Gateways)
	}
	if h.MediaState("ivr/hold.wav") != orchestrator.Unknown {
		t.Errorf("a file cannot be checked: %v", h.MediaState("ivr/hold.wav"))
	}
	if got := a.NodeHealth("nope"); got.Node != "nope" || got.Up || got.Gateways != nil {
		t.Errorf("unknown node %+v", got)
	}
	if !strings.Contains(logs.String(), "hold music source missing on node") || !strings.Contains(logs.String(), "node=bare") ||
		strings.Contains(logs.String(), "node=stock source") {
		t.Errorf("want a warning of the bare node only:\n%s", logs.String())
	}
	var nodes []string
	for _, n := range a.Nodes() {
		nodes = append(nodes, n.Node+"="+n.MediaState(moh).String())
	}
	if got := strings.Join(nodes, ","); got != "bare=missing,stock=available" && got != "stock=available,bare=missing" {
		t.Errorf("Nodes() = %s", got)
	}
}

// TestGatewaysFollowTheNodesEvents: a gateway added or deleted on the node
// (sofia::gateway_add, sofia::gateway_delete) is known at once, not at the
// next hourly check.
func TestGatewaysFollowTheNodesEvents(t *testing.T) {
	sim := startSim(t, "")
	a, _ := healthAdapter(t, map[string]string{"fs1": sim.Addr()})
	wantUpDown(t, a, orchestrator.NodeUp, "fs1", "")
	if err := sim.AddGateway("carrier2"); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "carrier2 known", func() bool { return a.NodeHealth("fs1").Gateway("carrier2") == orchestrator.Available })
	if err := sim.RemoveGateway("pstn"); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "pstn gone", func() bool { return a.NodeHealth("fs1").Gateway("pstn") == orchestrator.Missing })
}

// TestHealthIsCheckedAgainOnReconnect: a node that comes back (here: a
// different switch behind the same address, now with music and no
// gateway) is checked again before its NodeUp.
func TestHealthIsCheckedAgainOnReconnect(t *testing.T) {
	bare, err := fssim.Start(fssim.Config{Heartbeat: -1, Speed: 20, NoMusic: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bare.Close)
	stock, err := fssim.Start(fssim.Config{Heartbeat: -1, Speed: 20, NoGateways: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stock.Close)
	p := newConnProxy(t, bare.Addr())
	a, _ := healthAdapter(t, map[string]string{"fs1": p.addr()})
	wantUpDown(t, a, orchestrator.NodeUp, "fs1", "")
	if h := a.NodeHealth("fs1"); h.MediaState(moh) != orchestrator.Missing || h.Gateway("pstn") != orchestrator.Available {
		t.Fatalf("first connect: %+v", h)
	}
	p.retarget(stock.Addr())
	wantUpDown(t, a, orchestrator.NodeDown, "fs1", "")
	if h := a.NodeHealth("fs1"); h.Up || h.MediaState(moh) != orchestrator.Missing {
		t.Errorf("while down the last answer is kept: %+v", h)
	}
	wantUpDown(t, a, orchestrator.NodeUp, "fs1", "")
	if h := a.NodeHealth("fs1"); !h.Up || h.MediaState(moh) != orchestrator.Available || h.Gateway("pstn") != orchestrator.Missing {
		t.Errorf("after the reconnect: %+v", h)
	}
}

func TestParseLocalStreams(t *testing.T) {
	for out, want := range map[string]map[string]string{
		"default,/s/music/8000\nmoh/8000,/s/music/8000\n": {"default": "/s/music/8000", "moh/8000": "/s/music/8000"},
		"-ERR no reply\n": {}, // no stream runs: nothing printed (mod_event_socket api_exec)
	} {
		got, err := ParseLocalStreams(out)
		if err != nil || !maps.Equal(got, want) {
			t.Errorf("%q: %v, %v", out, got, err)
		}
	}
	for _, bad := range []string{"-ERR local_stream Command not found!\n", "-USAGE: <show>\n", "moh\n", ",/x\n"} {
		if _, err := ParseLocalStreams(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestResolveStream follows local_stream_file_open: NAME/RATE, NAME, then
// default (unless NAME is default).
func TestResolveStream(t *testing.T) {
	stock := map[string]string{"default": "", "moh/8000": "", "moh/16000": "", "moh/48000": ""}
	for _, tc := range []struct {
		name    string
		streams map[string]string
		want    string
	}{
		{"moh", stock, "moh/8000"},
		{"moh", map[string]string{"moh/16000": "", "moh/48000": ""}, "moh/16000"},
		{"moh", map[string]string{"moh": ""}, "moh"},
		{"jazz", stock, "default"},
		{"moh", map[string]string{"mohx/8000": "", "moh/8000x": ""}, ""},
		{"default_music", map[string]string{"default": ""}, ""},
		{"moh", map[string]string{}, ""},
	} {
		if got := resolveStream(tc.name, tc.streams); got != tc.want {
			t.Errorf("%s in %v: %q, want %q", tc.name, tc.streams, got, tc.want)
		}
	}
}

// TestSofiaStatusGatewayRows reads gateway rows as mod_sofia.c cmd_status
// prints them (no capture has one), with the retry countdown a failing
// gateway's state carries.
func TestSofiaStatusGatewayRows(t *testing.T) {
	line := strings.Repeat("=", 97)
	out := "                     Name\t   Type\t                                      Data\tState\n" + line + "\n" +
		"                 external\tprofile\t              sip:mod_sofia@127.0.0.1:5080\tRUNNING (0)\n" +
		"           external::pstn\tgateway\t                        sip:pstn@192.0.2.1\tNOREG\n" +
		"       external::carrier2\tgateway\t                    sip:carrier2@192.0.2.9\tFAIL_WAIT (retry: 25s)\n" +
		line + "\n1 profile 0 aliases\n"
	rows, err := ParseSofiaStatus(out)
	if err != nil || len(rows) != 3 {
		t.Fatalf("%+v, %v", rows, err)
	}
	if r := rows[2]; r.Name != "external::carrier2" || r.Type != "gateway" || r.State != "FAIL_WAIT (retry: 25s)" ||
		gatewayName(r.Name) != "carrier2" || firstWord(r.State) != "FAIL_WAIT" {
		t.Errorf("row %+v", r)
	}
}

func TestToneStreamsAndHoldMusic(t *testing.T) {
	for tone := orchestrator.ToneHoldFallback; tone <= orchestrator.ToneRecordBeep; tone++ {
		if s, ok := ToneStream(tone); !ok || !strings.HasPrefix(s, "tone_stream://%(") {
			t.Errorf("%s: %q", tone, s)
		}
	}
	if _, ok := ToneStream(orchestrator.ToneNone); ok {
		t.Error("ToneNone has a stream")
	}
	cmd, err := originateCommand(orchestrator.OriginateSpec{ID: "u1", To: orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: "1000", Domain: "d"},
		HoldMusic: orchestrator.Playback{Tone: orchestrator.ToneHoldFallback}})
	if err != nil || !strings.Contains(cmd, `hold_music=tone_stream://%(300\,4700\,440);loops=-1`) {
		t.Errorf("originate %q, %v: want the tone as hold_music, commas escaped", cmd, err)
	}
	for p, want := range map[*orchestrator.Playback]string{
		{Files: []string{"a.wav", "b.wav"}}:     "file_string://a.wav!b.wav",
		{Files: []string{"local_stream://moh"}}: "local_stream://moh",
		{Files: []string{"my music.wav"}}:       "", // a space cannot be carried: the default plays
		{Text: "hello"}:                         "",
		{}:                                      "",
	} {
		if got, _ := holdMusicVar(*p); got != want {
			t.Errorf("hold music of %+v = %q, want %q", *p, got, want)
		}
	}
	a := &Adapter{opts: Options{TTSEngine: "flite", TTSVoice: "kal"}}
	if app, arg, err := a.playbackApp(orchestrator.Playback{Tone: orchestrator.ToneReorder}); err != nil || app != "playback" ||
		arg != "tone_stream://%(250,250,480,620);loops=8" {
		t.Errorf("reorder: %s %s %v", app, arg, err)
	}
	if _, _, err := a.playbackApp(orchestrator.Playback{Tone: orchestrator.ToneBusy, Files: []string{"x.wav"}}); err == nil {
		t.Error("a tone and files at once accepted")
	}
}

// TestSofiaStatusOfARealNode reads `sofia status` as FreeSWITCH 1.10.12
// printed it (fs_cli -x, the build at /opt/fs, 2026-12-07: the vanilla
// example gateway enabled, IPv6 profiles, no pstn; the api body is the same
// text): its one gateway is known by the name a dial uses.
func TestSofiaStatusOfARealNode(t *testing.T) {
	out := "                     Name\t   Type\t                                      Data\tState\n" +
		"=================================================================================================\n" +
		"            external-ipv6\tprofile\t              sip:mod_sofia@[fd00::2]:5080\tRUNNING (0)\n" +
		"                127.0.0.1\t  alias\t                                  internal\tALIASED\n" +
		"                 external\tprofile\t              sip:mod_sofia@127.0.0.1:5080\tRUNNING (0)\n" +
		"    external::example.com\tgateway\t                   sip:joeuser@example.com\tNOREG\n" +
		"            internal-ipv6\tprofile\t              sip:mod_sofia@[fd00::2]:5060\tRUNNING (0)\n" +
		"                 internal\tprofile\t              sip:mod_sofia@127.0.0.1:5060\tRUNNING (0)\n" +
		"=================================================================================================\n" +
		"4 profiles 1 alias\n"
	rows, err := ParseSofiaStatus(out)
	if err != nil {
		t.Fatal(err)
	}
	gateways := map[string]string{}
	for _, r := range rows {
		if r.Type == "gateway" {
			gateways[gatewayName(r.Name)] = firstWord(r.State)
		}
	}
	if len(rows) != 6 || !maps.Equal(gateways, map[string]string{"example.com": "NOREG"}) {
		t.Errorf("rows %+v, gateways %v", rows, gateways)
	}
}
