package fsreal

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/eslconn"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/socketauth"
	"github.com/switchboard-cc/switchboard/orchestrator/switchtest"
)

// Harness drives a real FreeSWITCH for switchtest: the FreeSWITCH adapter
// is the implementation under test; sipp plays callers and phones; a side
// ESL connection clears calls "from the caller's side" (hupall by Call-ID).
type Harness struct {
	t   *testing.T
	cfg Config
	ad  *freeswitch.Adapter
	esl *eslconn.Conn
}

var _ switchtest.Harness = (*Harness)(nil)

// New starts the adapter on cfg.SocketAddr and connects the side channel.
func New(t *testing.T, cfg Config) *Harness {
	ln, err := net.Listen("tcp", cfg.SocketAddr)
	if err != nil {
		t.Fatalf("fsreal: listen on FREESWITCH_SOCKET_ADDR %s: %v", cfg.SocketAddr, err)
	}
	t.Cleanup(func() { ln.Close() })
	ad, err := freeswitch.New(freeswitch.Options{Listener: ln,
		Nodes: []freeswitch.Node{{Name: cfg.Node, Addr: cfg.ESL, Password: cfg.ESLPassword}}})
	if err != nil {
		t.Fatal(err)
	}
	ad.Start()
	t.Cleanup(func() { ad.Close() })
	// The adapter accepts the node's sockets only from its ESL host and with
	// this token, which the contract dialplan must set (docs/freeswitch-contract.md).
	t.Logf("fsreal: the contract dialplan must set %s=%s before socket", socketauth.Var, socketauth.Token(cfg.Node, cfg.ESLPassword))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	side, err := eslconn.Dial(ctx, cfg.ESL, cfg.ESLPassword, eslconn.Options{})
	if err != nil {
		t.Fatalf("fsreal: ESL %s: %v", cfg.ESL, err)
	}
	t.Cleanup(func() { side.Close() })
	return &Harness{t: t, cfg: cfg, ad: ad, esl: side}
}

func (h *Harness) Switch() orchestrator.Switch            { return h.ad }
func (h *Harness) Acceptor() orchestrator.InboundAcceptor { return h.ad }
func (h *Harness) Watcher() orchestrator.NodeWatcher      { return h.ad }
func (h *Harness) Node() string                           { return h.cfg.Node }

// Call starts a sipp caller dialling c.To on the external profile.
func (h *Harness) Call(_ context.Context, c switchtest.CallerSpec) (switchtest.Caller, error) {
	d := callerData{From: c.From, GapMS: c.DigitGap.Milliseconds()}
	for name, v := range c.Vars {
		d.Vars = append(d.Vars, scenarioVar{name, v})
	}
	sort.Slice(d.Vars, func(i, j int) bool { return d.Vars[i].Name < d.Vars[j].Name })
	for i := 0; i < len(c.Digits); i++ {
		p, err := digitPcap(h.cfg.PcapDir, c.Digits[i])
		if err != nil {
			return nil, err
		}
		d.Digits = append(d.Digits, p)
	}
	path, err := writeCaller(h.t.TempDir(), d)
	if err != nil {
		return nil, err
	}
	port, mport, err := h.ports()
	if err != nil {
		return nil, err
	}
	cid := "sb-call-" + uuid.NewString()
	p := startSipp(h.t, h.cfg.Sipp, "-sf", path, "-s", c.To, h.cfg.SIPExternal, "-i", h.cfg.LocalIP,
		"-p", port, "-mp", mport, "-m", "1", "-cid_str", cid)
	return &caller{h: h, callID: cid, p: p}, nil
}

func (h *Harness) ports() (string, string, error) {
	port, err := freePort(h.cfg.LocalIP, false)
	if err != nil {
		return "", "", err
	}
	mport, err := freePort(h.cfg.LocalIP, true)
	return strconv.Itoa(port), strconv.Itoa(mport), err
}

// caller hangs up through FreeSWITCH (hupall on its Call-ID): the channel
// sees the same CHANNEL_HANGUP as on a BYE from the caller.
type caller struct {
	h      *Harness
	callID string
	p      *sippProc
}

func (c *caller) Hangup() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.h.esl.API(ctx, "hupall NORMAL_CLEARING sip_call_id "+c.callID); err != nil {
		return err
	}
	return c.p.wait(10 * time.Second)
}

// RegisterPhone registers user from a free port, then answers there with
// the scenario for b (testdata/sipp/uas_*.xml). HangupAfter is not played.
func (h *Harness) RegisterPhone(_ context.Context, user string, b switchtest.PhoneBehaviour) (orchestrator.Endpoint, error) {
	if b.HangupAfter > 0 {
		return orchestrator.Endpoint{}, fmt.Errorf("fsreal: HangupAfter: %w", switchtest.ErrNotSupported)
	}
	port, mport, err := h.ports()
	if err != nil {
		return orchestrator.Endpoint{}, err
	}
	if err := h.register(user, port, "3600"); err != nil {
		return orchestrator.Endpoint{}, err
	}
	h.t.Cleanup(func() {
		if p, _, err := h.ports(); err == nil {
			h.register(user, p, "0")
		}
	})
	scenario, delay := "uas_answer.xml", max(b.AnswerAfter.Milliseconds(), 1)
	switch {
	case b.Busy:
		scenario = "uas_busy.xml"
	case b.NoAnswer:
		scenario = "uas_noanswer.xml"
	}
	startSipp(h.t, h.cfg.Sipp, "-sf", filepath.Join(scenarioDir(), scenario), "-i", h.cfg.LocalIP,
		"-p", port, "-mp", mport, "-m", "1", "-d", strconv.FormatInt(delay, 10))
	return orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: user, Domain: h.cfg.Domain}, nil
}

// register runs uac_register.xml with a fixed Call-ID per user, so a new
// registration replaces the old contact and expires 0 removes it.
func (h *Harness) register(user, port, expires string) error {
	p := startSipp(h.t, h.cfg.Sipp, "-sf", filepath.Join(scenarioDir(), "uac_register.xml"), h.cfg.SIPInternal,
		"-i", h.cfg.LocalIP, "-p", port, "-m", "1", "-au", user, "-ap", h.cfg.PhonePassword,
		"-key", "authuser", user, "-key", "domain", h.cfg.Domain, "-key", "expires", expires,
		"-cid_str", "sb-reg-"+user)
	return p.wait(10 * time.Second)
}

// Unregistered is 1019, a user of the vanilla directory nobody registers.
func (h *Harness) Unregistered() orchestrator.Endpoint {
	return orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: "1019", Domain: h.cfg.Domain}
}

func (h *Harness) Media(d time.Duration) string {
	return fmt.Sprintf("tone_stream://%%(%d,0,440)", d.Milliseconds())
}

// TransferDestination is 9199 of the capture setup: answer, tone, hangup.
func (h *Harness) TransferDestination() string { return "9199" }

// DropNode cannot take a shared real switch away; NodeDown is skipped.
func (h *Harness) DropNode() error {
	return fmt.Errorf("fsreal: dropping a real node: %w", switchtest.ErrNotSupported)
}
