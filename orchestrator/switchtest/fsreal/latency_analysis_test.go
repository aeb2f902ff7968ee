package fsreal

import (
	"strings"
	"testing"
	"time"
)

// The latency figures are only as good as the pairing of packets: these
// run without a switch.

func TestParseTsharkLine(t *testing.T) {
	p, err := parseTsharkLine("1765000000.250000000\t5070\t5080\tINVITE\t\t2\tINVITE\tabc@host")
	if err != nil {
		t.Fatal(err)
	}
	if p.Src != 5070 || p.Dst != 5080 || p.Method != "INVITE" || p.Status != 0 || p.CSeq != 2 || p.CallID != "abc@host" {
		t.Fatalf("parsed %+v", p)
	}
	if got := p.At.Sub(time.Unix(1765000000, 0)); got < 249*time.Millisecond || got > 251*time.Millisecond {
		t.Fatalf("time %v past the second, want 250ms", got)
	}
	r, err := parseTsharkLine("1765000000.5\t5090\t5060\t\t200\t1\tINVITE\tleg-b")
	if err != nil || r.Status != 200 || r.Method != "" || r.CSeqMethod != "INVITE" {
		t.Fatalf("response parsed %+v, %v", r, err)
	}
	for _, bad := range []string{"", "x\t1\t2\t\t\t\t\t", "1.0\t1\t2\t\t2oo\t\t\t"} {
		if _, err := parseTsharkLine(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestCallTimesPairsTheAcceptedInviteWithTheNextAgentInvite(t *testing.T) {
	at := func(ms int) time.Time { return time.Unix(1000, 0).Add(time.Duration(ms) * time.Millisecond) }
	const sw, phone = 5060, 5090
	packets := []sipPacket{
		{At: at(0), Src: 5070, Dst: sw, Method: "INVITE", CSeq: 1, CSeqMethod: "INVITE", CallID: "c1"},
		{At: at(1), Src: sw, Dst: 5070, Status: 407, CSeq: 1, CSeqMethod: "INVITE", CallID: "c1"},
		{At: at(2), Src: 5070, Dst: sw, Method: "INVITE", CSeq: 2, CSeqMethod: "INVITE", CallID: "c1"},
		{At: at(3), Src: 5070, Dst: sw, Method: "INVITE", CSeq: 2, CSeqMethod: "INVITE", CallID: "c1"}, // retransmission
		{At: at(9), Src: sw, Dst: phone, Method: "INVITE", CSeq: 10, CSeqMethod: "INVITE", CallID: "a1"},
		{At: at(10), Src: phone, Dst: sw, Status: 180, CSeq: 10, CSeqMethod: "INVITE", CallID: "a1"},
		{At: at(110), Src: phone, Dst: sw, Status: 200, CSeq: 10, CSeqMethod: "INVITE", CallID: "a1"},
		{At: at(150), Src: sw, Dst: phone, Method: "INVITE", CSeq: 11, CSeqMethod: "INVITE", CallID: "a1"}, // re-INVITE
		{At: at(151), Src: phone, Dst: sw, Status: 200, CSeq: 11, CSeqMethod: "INVITE", CallID: "a1"},
		{At: at(2000), Src: 5070, Dst: sw, Method: "INVITE", CSeq: 1, CSeqMethod: "INVITE", CallID: "c2"},
		{At: at(2008), Src: sw, Dst: phone, Method: "INVITE", CSeq: 20, CSeqMethod: "INVITE", CallID: "a2"},
		{At: at(2100), Src: phone, Dst: sw, Status: 200, CSeq: 20, CSeqMethod: "INVITE", CallID: "a2"},
	}
	ct, err := callTimesOf(packets, "c1", sw, phone)
	if err != nil {
		t.Fatal(err)
	}
	if !ct.CallerInvite.Equal(at(2)) || !ct.AgentInvite.Equal(at(9)) || !ct.AgentAnswered.Equal(at(110)) {
		t.Fatalf("c1: caller %v agent %v answered %v", ct.CallerInvite, ct.AgentInvite, ct.AgentAnswered)
	}
	ct, err = callTimesOf(packets, "c2", sw, phone)
	if err != nil || !ct.AgentInvite.Equal(at(2008)) || !ct.AgentAnswered.Equal(at(2100)) {
		t.Fatalf("c2: %+v, %v", ct, err)
	}
	if _, err := callTimesOf(packets, "c3", sw, phone); err == nil || !strings.Contains(err.Error(), "no INVITE of call c3") {
		t.Fatalf("unknown call: %v", err)
	}
	if _, err := callTimesOf(packets[:6], "c1", sw, phone); err == nil || !strings.Contains(err.Error(), "never answered") {
		t.Fatalf("unanswered: %v", err)
	}
}

func TestSummarise(t *testing.T) {
	var ds []time.Duration
	for i := 10; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	d := summarise(ds)
	if d.N != 10 || d.Median != 5*time.Millisecond || d.P90 != 9*time.Millisecond || d.Max != 10*time.Millisecond {
		t.Fatalf("%+v", d)
	}
	if got := d.String(); got != "5.0 / 9.0 / 10.0 ms (n=10)" {
		t.Fatalf("String %q", got)
	}
	if summarise(nil).N != 0 {
		t.Fatal("empty")
	}
}
