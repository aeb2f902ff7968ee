package fsreal

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// sipPacket is one SIP message seen on the loopback by the capture.
type sipPacket struct {
	At         time.Time
	Src, Dst   int    // UDP ports
	Method     string // request method, "" for a response
	Status     int    // response status, 0 for a request
	CSeq       int
	CSeqMethod string
	CallID     string
}

// parseTsharkLine reads one line of the capture's field output (see
// startCapture): epoch, src port, dst port, method, status, cseq, cseq
// method, call-id, tab-separated.
func parseTsharkLine(line string) (sipPacket, error) {
	f := strings.Split(line, "\t")
	if len(f) != 8 {
		return sipPacket{}, fmt.Errorf("capture: %d fields in %q, want 8", len(f), line)
	}
	sec, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return sipPacket{}, fmt.Errorf("capture: time %q: %w", f[0], err)
	}
	whole, frac := math.Modf(sec)
	p := sipPacket{At: time.Unix(int64(whole), int64(frac*1e9)), Method: f[3], CSeqMethod: f[6], CallID: f[7]}
	if p.Src, err = strconv.Atoi(f[1]); err != nil {
		return sipPacket{}, fmt.Errorf("capture: src port %q: %w", f[1], err)
	}
	if p.Dst, err = strconv.Atoi(f[2]); err != nil {
		return sipPacket{}, fmt.Errorf("capture: dst port %q: %w", f[2], err)
	}
	if f[4] != "" {
		if p.Status, err = strconv.Atoi(f[4]); err != nil {
			return sipPacket{}, fmt.Errorf("capture: status %q: %w", f[4], err)
		}
	}
	if f[5] != "" {
		if p.CSeq, err = strconv.Atoi(f[5]); err != nil {
			return sipPacket{}, fmt.Errorf("capture: cseq %q: %w", f[5], err)
		}
	}
	return p, nil
}

// capture is a running tshark on the loopback that collects SIP packets.
type capture struct {
	cmd     *exec.Cmd
	mu      sync.Mutex
	packets []sipPacket
	bad     []string
	done    chan struct{}
}

// startCapture captures SIP on iface for the given UDP ports and returns
// once tshark says it is capturing. The test's cleanup stops it.
func startCapture(t *testing.T, iface string, ports ...int) (*capture, error) {
	var filter []string
	for _, p := range ports {
		filter = append(filter, "udp port "+strconv.Itoa(p))
	}
	c := &capture{done: make(chan struct{})}
	c.cmd = exec.Command("tshark", "-i", iface, "-l", "-n", "-f", strings.Join(filter, " or "), "-Y", "sip",
		"-T", "fields", "-E", "separator=/t", "-e", "frame.time_epoch", "-e", "udp.srcport", "-e", "udp.dstport",
		"-e", "sip.Method", "-e", "sip.Status-Code", "-e", "sip.CSeq.seq", "-e", "sip.CSeq.method", "-e", "sip.Call-ID")
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	errOut, err := c.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("capture: start tshark (Debian: tshark; it needs CAP_NET_RAW): %w", err)
	}
	t.Cleanup(c.stop)
	go c.read(out)
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(errOut)
		var seen []string
		for sc.Scan() {
			seen = append(seen, sc.Text())
			if strings.HasPrefix(sc.Text(), "Capturing on") {
				ready <- nil
				io.Copy(io.Discard, errOut)
				return
			}
		}
		ready <- fmt.Errorf("capture: tshark ended before capturing: %s", strings.Join(seen, "; "))
	}()
	select {
	case err := <-ready:
		return c, err
	case <-time.After(30 * time.Second):
		return nil, fmt.Errorf("capture: tshark did not start capturing within 30 s")
	}
}

// prime sends SIP OPTIONS to addr (a port the capture watches) until the
// capture shows one: tshark prints "Capturing on" before its capture child
// delivers packets, and a call placed in between was missed (n=14 of 15).
func (c *capture) prime(addr string) error {
	conn, err := net.Dial("udp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	id := "sb-capture-probe-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	local := conn.LocalAddr().String()
	msg := "OPTIONS sip:probe@" + addr + " SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP " + local + ";branch=z9hG4bK" + id + "\r\n" +
		"Max-Forwards: 70\r\n" +
		"From: <sip:probe@" + local + ">;tag=" + id + "\r\n" +
		"To: <sip:probe@" + addr + ">\r\n" +
		"Call-ID: " + id + "\r\n" +
		"CSeq: 1 OPTIONS\r\n" +
		"Content-Length: 0\r\n\r\n"
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := conn.Write([]byte(msg)); err != nil {
			return err
		}
		wait := time.Now().Add(200 * time.Millisecond)
		for time.Now().Before(wait) {
			packets, _ := c.snapshot()
			if slices.ContainsFunc(packets, func(p sipPacket) bool { return p.CallID == id }) {
				return nil
			}
			time.Sleep(10 * time.Millisecond) // polling tshark's output, not waiting for time to pass
		}
	}
	return fmt.Errorf("capture: tshark showed none of the probes to %s within 30 s", addr)
}

func (c *capture) read(out io.Reader) {
	defer close(c.done)
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		p, err := parseTsharkLine(sc.Text())
		c.mu.Lock()
		if err != nil {
			c.bad = append(c.bad, err.Error())
		} else {
			c.packets = append(c.packets, p)
		}
		c.mu.Unlock()
	}
}

// stop ends tshark (it flushes what it has printed) and waits for the reader.
func (c *capture) stop() {
	if c.cmd.Process != nil && c.cmd.ProcessState == nil {
		c.cmd.Process.Signal(os.Interrupt)
		select {
		case <-c.done:
		case <-time.After(10 * time.Second):
			c.cmd.Process.Kill()
			<-c.done
		}
		c.cmd.Wait()
	}
}

// snapshot is what has been captured so far.
func (c *capture) snapshot() ([]sipPacket, []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.packets), slices.Clone(c.bad)
}

// callTimes are the moments of one test call that the latency figures
// are made of, all as seen on the wire.
type callTimes struct {
	CallID        string    // the caller's Call-ID
	AgentCallID   string    // the Call-ID of the switch's dialog with the phone
	CallerInvite  time.Time // the caller's INVITE reaching the switch (the one it accepted: after a digest challenge, the authenticated one)
	AgentInvite   time.Time // the switch's INVITE reaching the agent's phone
	AgentAnswered time.Time // the phone's 200 OK to that INVITE reaching the switch
}

// callTimesOf finds, for the caller Call-ID given, in packets captured
// while calls were placed one at a time: the caller's INVITE to
// switchPort (first packet of its last INVITE transaction, so a digest
// challenge and retransmissions do not count), then the first new dialog
// INVITE the switch sent to phonePort after it, and that dialog's first
// 200 OK to INVITE from the phone.
func callTimesOf(packets []sipPacket, callerID string, switchPort, phonePort int) (callTimes, error) {
	ct := callTimes{CallID: callerID}
	lastCSeq := -1
	for _, p := range packets {
		if p.CallID == callerID && p.Method == "INVITE" && p.Dst == switchPort && p.CSeq > lastCSeq {
			lastCSeq, ct.CallerInvite = p.CSeq, p.At
		}
	}
	if lastCSeq < 0 {
		return ct, fmt.Errorf("latency: no INVITE of call %s to port %d was captured", callerID, switchPort)
	}
	agentDialog := ""
	for _, p := range packets {
		if agentDialog == "" && p.Method == "INVITE" && p.Dst == phonePort && p.CallID != callerID && !p.At.Before(ct.CallerInvite) {
			agentDialog, ct.AgentInvite, ct.AgentCallID = p.CallID, p.At, p.CallID
			continue
		}
		if agentDialog != "" && p.CallID == agentDialog && p.Src == phonePort && p.Status == 200 && p.CSeqMethod == "INVITE" {
			ct.AgentAnswered = p.At
			return ct, nil
		}
	}
	if agentDialog == "" {
		return ct, fmt.Errorf("latency: no INVITE reached the phone (port %d) after call %s arrived", phonePort, callerID)
	}
	return ct, fmt.Errorf("latency: the phone never answered dialog %s of call %s", agentDialog, callerID)
}

// distribution summarises durations: median, 90th percentile (nearest
// rank), max, and how many.
type distribution struct {
	N                int
	Median, P90, Max time.Duration
}

func summarise(ds []time.Duration) distribution {
	if len(ds) == 0 {
		return distribution{}
	}
	s := slices.Clone(ds)
	slices.SortFunc(s, cmp.Compare)
	rank := func(q float64) time.Duration {
		i := int(math.Ceil(q*float64(len(s)))) - 1
		return s[max(0, min(i, len(s)-1))]
	}
	return distribution{N: len(s), Median: rank(0.5), P90: rank(0.9), Max: s[len(s)-1]}
}

func (d distribution) String() string {
	ms := func(x time.Duration) string { return strconv.FormatFloat(float64(x)/1e6, 'f', 1, 64) }
	return fmt.Sprintf("%s / %s / %s ms (n=%d)", ms(d.Median), ms(d.P90), ms(d.Max), d.N)
}
