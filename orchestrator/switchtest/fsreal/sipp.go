package fsreal

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/switchboard-cc/switchboard/internal/syncbuf"
)

// sippProc is one sipp process a test started; the test's cleanup kills it
// (by its own PID) if it is still running.
type sippProc struct {
	cmd  *exec.Cmd
	out  *syncbuf.Buffer
	done chan struct{}
	err  error
}

func startSipp(t *testing.T, bin string, args ...string) *sippProc {
	t.Helper()
	p := &sippProc{out: &syncbuf.Buffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, append(args, "-nostdin", "-trace_err", "-error_file", filepath.Join(t.TempDir(), "sipp.err"))...)
	p.cmd.Dir = t.TempDir()
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// wait waits for the process to end and reports a failed scenario.
func (p *sippProc) wait(d time.Duration) error {
	select {
	case <-p.done:
		if p.err != nil {
			return fmt.Errorf("sipp %s: %w\n%s", strings.Join(p.cmd.Args[1:], " "), p.err, tail(p.out.String()))
		}
		return nil
	case <-time.After(d):
		return fmt.Errorf("sipp %s still running after %v", strings.Join(p.cmd.Args[1:], " "), d)
	}
}

func tail(s string) string {
	if len(s) > 2000 {
		return s[len(s)-2000:]
	}
	return s
}

// freePort returns a UDP port free on ip now; even ports for RTP.
func freePort(ip string, even bool) (int, error) {
	for i := 0; i < 50; i++ {
		pc, err := net.ListenPacket("udp", net.JoinHostPort(ip, "0"))
		if err != nil {
			return 0, err
		}
		port := pc.LocalAddr().(*net.UDPAddr).Port
		pc.Close()
		if !even || port%2 == 0 {
			return port, nil
		}
	}
	return 0, fmt.Errorf("fsreal: no free UDP port on %s", ip)
}

// scenarioDir is testdata/sipp in the repository.
func scenarioDir() string {
	_, self, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(self), "..", "..", "..", "testdata", "sipp")
}

// callerScenario renders a caller for one CallerSpec: INVITE with the
// variables as X-SB-Var-<name> headers (the test dialplan copies them),
// RFC 2833 digits after the answer, then it waits for the BYE.
var callerScenario = template.Must(template.New("uac").Parse(`<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="switchboard caller">
  <send retrans="500"><![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "{{.From}}" <sip:{{.From}}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:{{.From}}@[local_ip]:[local_port]>
      Max-Forwards: 70
      Subject: switchboard contract
{{- range .Vars}}
      X-SB-Var-{{.Name}}: {{.Value}}
{{- end}}
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
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "{{.From}}" <sip:{{.From}}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: <sip:{{.From}}@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0

  ]]></send>
{{- range .Digits}}
  <pause milliseconds="{{$.GapMS}}"/>
  <nop><action><exec play_pcap_audio="{{.}}"/></action></nop>
{{- end}}
  <recv request="BYE"/>
  <send><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

  ]]></send>
</scenario>
`))

type scenarioVar struct{ Name, Value string }

type callerData struct {
	From   string
	Vars   []scenarioVar
	Digits []string // pcap paths
	GapMS  int64
}

// digitPcap maps a DTMF key to its RFC 2833 pcap shipped with sipp.
func digitPcap(dir string, d byte) (string, error) {
	switch {
	case d >= '0' && d <= '9':
		return filepath.Join(dir, fmt.Sprintf("dtmf_2833_%c.pcap", d)), nil
	case d == '#':
		return filepath.Join(dir, "dtmf_2833_pound.pcap"), nil
	case d == '*':
		return filepath.Join(dir, "dtmf_2833_star.pcap"), nil
	}
	return "", fmt.Errorf("fsreal: no DTMF pcap for key %q", d)
}

// writeCaller renders the caller scenario into dir.
func writeCaller(dir string, d callerData) (string, error) {
	var b bytes.Buffer
	if err := callerScenario.Execute(&b, d); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "caller.xml")
	return path, os.WriteFile(path, b.Bytes(), 0o600)
}
