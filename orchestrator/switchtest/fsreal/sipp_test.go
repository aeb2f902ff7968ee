package fsreal

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// uasAnswerBye stands in for FreeSWITCH: it answers, waits for the
// caller's digits to pass, and sends BYE.
const uasAnswerBye = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="answer then bye">
  <recv request="INVITE" crlf="true"/>
  <send retrans="500"><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0 101
      a=rtpmap:0 PCMU/8000
      a=rtpmap:101 telephone-event/8000

  ]]></send>
  <recv request="ACK" crlf="true"/>
  <pause milliseconds="1500"/>
  <send retrans="500"><![CDATA[
      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      CSeq: 2 BYE
      Max-Forwards: 70
      Content-Length: 0

  ]]></send>
  <recv response="200"/>
</scenario>
`

// TestCallerScenarioWithSipp checks the rendered caller (variables as
// headers, three RFC 2833 digits) with sipp on both sides; it needs sipp
// and its pcaps, not a FreeSWITCH.
func TestCallerScenarioWithSipp(t *testing.T) {
	if _, err := exec.LookPath("sipp"); err != nil {
		t.Skip("sipp not installed (Debian: sip-tester)")
	}
	pcaps := "/usr/share/sip-tester"
	var digits []string
	for _, d := range []byte("12#") {
		p, err := digitPcap(pcaps, d)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(p); err != nil {
			t.Skipf("sipp DTMF pcaps missing: %v", err)
		}
		digits = append(digits, p)
	}
	dir := t.TempDir()
	path, err := writeCaller(dir, callerData{From: "5551001", GapMS: 200, Digits: digits,
		Vars: []scenarioVar{{"sb_tenant", "acme"}}})
	if err != nil {
		t.Fatal(err)
	}
	uas := filepath.Join(dir, "uas.xml")
	os.WriteFile(uas, []byte(uasAnswerBye), 0o600)
	port, _ := freePort("127.0.0.1", false)
	h := &Harness{t: t, cfg: Config{LocalIP: "127.0.0.1"}}
	_, mport, _ := h.ports()
	_, mport2, _ := h.ports()
	server := startSipp(t, "sipp", "-sf", uas, "-i", "127.0.0.1", "-p", strconv.Itoa(port), "-mp", mport, "-m", "1")
	time.Sleep(300 * time.Millisecond)
	client := startSipp(t, "sipp", "-sf", path, "-s", "9100", "127.0.0.1:"+strconv.Itoa(port),
		"-i", "127.0.0.1", "-p", "0", "-mp", mport2, "-m", "1")
	if err := client.wait(15 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := server.wait(15 * time.Second); err != nil {
		t.Fatal(err)
	}
}
