package fsreal

import (
	"context"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/percipia/eslgo/command"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/eslconn"
)

// TestCallerToAgentLatency measures what a caller and an agent feel, on the
// wire, through Switchboard and through the switch's own dialplan bridge in
// the same run (docs/freeswitch-contract.md, "Latency"):
//   - caller INVITE in → agent INVITE out;
//   - agent 200 OK in → the two legs bridged (CHANNEL_BRIDGE's own
//     timestamp, taken by FreeSWITCH when it joins the media).
//
// Calls are placed one at a time, alternating Switchboard and the floor, so
// that load on the machine falls on both alike.
func TestCallerToAgentLatency(t *testing.T) {
	cfg, ok, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if !ok || cfg.LatencyCalls == 0 {
		t.Skip("latency: set the contract variables and FSREAL_LATENCY_CALLS=N (docs/freeswitch-contract.md, Latency)")
	}
	for _, tool := range []string{cfg.Sipp, "tshark", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("latency needs %s: %v", tool, err)
		}
	}
	setup := productSetup{Domain: "latency.test", Extension: "1000", PhonePassword: "fsreal-phone-secret", Number: "15550199"}
	p := startProduct(t, cfg, setup)

	ext, err := portOf(cfg.SIPExternal)
	if err != nil {
		t.Fatal(err)
	}
	internal, err := portOf(cfg.SIPInternal)
	if err != nil {
		t.Fatal(err)
	}
	phone, phoneMedia, err := freePorts(cfg.LocalIP)
	if err != nil {
		t.Fatal(err)
	}
	reg := startSipp(t, cfg.Sipp, "-sf", filepath.Join(scenarioDir(), "uac_register.xml"), cfg.SIPInternal,
		"-i", cfg.LocalIP, "-p", strconv.Itoa(phone), "-m", "1", "-au", setup.Extension, "-ap", setup.PhonePassword,
		"-key", "authuser", setup.Extension, "-key", "domain", setup.Domain, "-key", "expires", "3600",
		"-cid_str", "sb-reg-latency-"+setup.Extension)
	if err := reg.wait(10 * time.Second); err != nil {
		t.Fatalf("the agent's phone did not register through the controller's directory: %v", err)
	}
	// The phone rings 100 ms, answers, and stays up until the switch hangs up.
	startSipp(t, cfg.Sipp, "-sf", filepath.Join(scenarioDir(), "uas_answer.xml"), "-i", cfg.LocalIP,
		"-p", strconv.Itoa(phone), "-mp", strconv.Itoa(phoneMedia), "-m", strconv.Itoa(2*cfg.LatencyCalls), "-d", "100")

	capt, err := startCapture(t, loopbackName(), ext, internal, phone)
	if err != nil {
		t.Fatal(err)
	}
	if err := capt.prime(cfg.SIPExternal); err != nil {
		t.Fatal(err)
	}
	bridges := watchBridges(t, cfg)

	floorScenario := filepath.Join(t.TempDir(), "floor.xml")
	if err := os.WriteFile(floorScenario, []byte(floorCaller), 0o600); err != nil {
		t.Fatal(err)
	}
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	var sbCalls, floorCalls []string
	for i := range cfg.LatencyCalls {
		port, media, err := freePorts(cfg.LocalIP)
		if err != nil {
			t.Fatal(err)
		}
		cid := fmt.Sprintf("lat-sb-%s-%d", run, i)
		c := startSipp(t, cfg.Sipp, "-sn", "uac", "-s", setup.Number, cfg.SIPExternal, "-i", cfg.LocalIP,
			"-p", strconv.Itoa(port), "-mp", strconv.Itoa(media), "-m", "1", "-d", "1000", "-cid_str", cid)
		if err := c.wait(30 * time.Second); err != nil {
			t.Fatalf("call %d through Switchboard: %v", i, err)
		}
		sbCalls = append(sbCalls, cid)
		p.waitReady()

		cid = fmt.Sprintf("lat-floor-%s-%d", run, i)
		c = startSipp(t, cfg.Sipp, "-sf", floorScenario, "-s", "9101", cfg.SIPInternal, "-i", cfg.LocalIP,
			"-p", strconv.Itoa(port), "-mp", strconv.Itoa(media), "-m", "1", "-cid_str", cid,
			"-au", "1001", "-ap", cfg.PhonePassword, "-key", "authuser", "1001", "-key", "domain", cfg.Domain,
			"-key", "bridge_to", setup.Extension+"@"+setup.Domain)
		if err := c.wait(30 * time.Second); err != nil {
			t.Fatalf("call %d through the dialplan bridge (9101, docs/freeswitch-contract.md): %v", i, err)
		}
		floorCalls = append(floorCalls, cid)
	}
	capt.stop()
	packets, bad := capt.snapshot()
	if len(bad) > 0 {
		t.Errorf("capture lines not understood: %v", bad)
	}
	bridged := bridges.times()

	measure := func(name string, calls []string, switchPort int) (inv, media distribution) {
		var invs, medias []time.Duration
		for _, cid := range calls {
			ct, err := callTimesOf(packets, cid, switchPort, phone)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			invs = append(invs, ct.AgentInvite.Sub(ct.CallerInvite))
			// The bridge is fired on one of the two legs; FreeSWITCH stamps
			// events from its timer, which can lag the capture's kernel
			// clock by a few ms, so a bridge made at once counts as 0.
			if b, ok := bridged[ct.CallID]; ok {
				medias = append(medias, max(0, b.Sub(ct.AgentAnswered)))
			} else if b, ok := bridged[ct.AgentCallID]; ok {
				medias = append(medias, max(0, b.Sub(ct.AgentAnswered)))
			} else {
				t.Errorf("%s: no CHANNEL_BRIDGE on either leg of call %s", name, cid)
			}
		}
		return summarise(invs), summarise(medias)
	}
	sbInv, sbMedia := measure("switchboard", sbCalls, ext)
	flInv, flMedia := measure("dialplan bridge", floorCalls, internal)
	load, _ := os.ReadFile("/proc/loadavg")
	t.Logf("latency on %s, %d CPUs, load %s", cfg.ESL, runtime.NumCPU(), strings.Join(strings.Fields(string(load))[:3], " "))
	t.Logf("%-40s %-28s %s", "median / p90 / max", "Switchboard", "dialplan answer+bridge")
	t.Logf("%-40s %-28s %s", "caller INVITE in -> agent INVITE out", sbInv, flInv)
	t.Logf("%-40s %-28s %s", "agent 200 OK in -> legs bridged", sbMedia, flMedia)
}

// bridgeWatch collects the timestamps of CHANNEL_BRIDGE events of the
// switch (Event-Date-Timestamp: when FreeSWITCH bridged, not when the event
// reached us, which ESL delivers on its own cadence).
type bridgeWatch struct {
	mu sync.Mutex
	at map[string]time.Time // the firing channel's SIP Call-ID -> first bridge
}

func watchBridges(t *testing.T, cfg Config) *bridgeWatch {
	w := &bridgeWatch{at: map[string]time.Time{}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := eslconn.Dial(ctx, cfg.ESL, cfg.ESLPassword, eslconn.Options{OnEvent: func(e *esl.Event) {
		if e.Name() != "CHANNEL_BRIDGE" {
			return
		}
		us, err := strconv.ParseInt(e.Get("Event-Date-Timestamp"), 10, 64)
		if err != nil {
			return
		}
		cid := e.Get("variable_sip_call_id")
		w.mu.Lock()
		if _, seen := w.at[cid]; !seen && cid != "" {
			w.at[cid] = time.UnixMicro(us)
		}
		w.mu.Unlock()
	}})
	if err != nil {
		t.Fatalf("latency: ESL %s: %v", cfg.ESL, err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := conn.Run(ctx, command.Event{Format: "plain", Listen: []string{"CHANNEL_BRIDGE"}}); err != nil {
		t.Fatalf("latency: subscribe to CHANNEL_BRIDGE: %v", err)
	}
	return w
}

func (w *bridgeWatch) times() map[string]time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return maps.Clone(w.at)
}

func portOf(hostport string) (int, error) {
	_, p, err := net.SplitHostPort(hostport)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(p)
}

func freePorts(ip string) (sip, media int, err error) {
	if sip, err = freePort(ip, false); err != nil {
		return 0, 0, err
	}
	media, err = freePort(ip, true)
	return sip, media, err
}

// loopbackName is the loopback interface tshark captures on.
func loopbackName() string {
	if v := os.Getenv("FSREAL_CAPTURE_IFACE"); v != "" {
		return v
	}
	return "lo"
}

// floorCaller authenticates as a directory user on the internal profile
// (vanilla: every INVITE is challenged) and dials [service]; the switch's
// static 9101 answers and bridges user/<X-SB-Bridge-To>. It hangs up after
// one second of talk.
const floorCaller = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="latency floor caller">
  <send retrans="500"><![CDATA[
      INVITE sip:[service]@[domain] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[authuser]@[domain]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[domain]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:[authuser]@[local_ip]:[local_port]>
      Max-Forwards: 70
      X-SB-Bridge-To: [bridge_to]
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=sipp 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0 101
      a=rtpmap:0 PCMU/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-16

  ]]></send>
  <recv response="100" optional="true"/>
  <recv response="407" auth="true"/>
  <send><![CDATA[
      ACK sip:[service]@[domain] SIP/2.0
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

  ]]></send>
  <send retrans="500"><![CDATA[
      INVITE sip:[service]@[domain] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[authuser]@[domain]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[domain]>
      Call-ID: [call_id]
      CSeq: 2 INVITE
      Contact: <sip:[authuser]@[local_ip]:[local_port]>
      [authentication]
      Max-Forwards: 70
      X-SB-Bridge-To: [bridge_to]
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=sipp 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0 101
      a=rtpmap:0 PCMU/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-16

  ]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true"/>
  <send><![CDATA[
      ACK sip:[service]@[domain] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[authuser]@[domain]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[domain]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 ACK
      Contact: <sip:[authuser]@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0

  ]]></send>
  <pause milliseconds="1000"/>
  <send retrans="500"><![CDATA[
      BYE sip:[service]@[domain] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[authuser]@[domain]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[domain]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 3 BYE
      Contact: <sip:[authuser]@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0

  ]]></send>
  <recv response="200"/>
</scenario>
`
