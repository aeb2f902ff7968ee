package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/switchboard-cc/switchboard/internal/syncbuf"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
)

// fssim in a process of its own, for the benchmarks that measure the
// controller alone: the test binary runs itself again with
// fssimProcEnv=1 (TestMain), and that process runs the nodes, registers
// the phones, places the callers on schedule and reads fssim's stamps
// (callStamps), driven by JSON lines on its stdin and answering on its
// stdout. The benchmark's own process then holds the controller, and its
// getrusage is the controller's CPU.

const fssimProcEnv = "SWITCHBOARD_BENCH_FSSIM_PROC"

func TestMain(m *testing.M) {
	if os.Getenv(fssimProcEnv) == "1" {
		os.Exit(fssimProcMain(os.Stdin, os.Stdout))
	}
	os.Exit(m.Run())
}

// procRequest is one line to the fssim process: Start, Phone or Run.
type procRequest struct {
	Start int                 `json:"start,omitempty"` // start this many nodes, sim1..simN
	Node  int                 `json:"node,omitempty"`  // the node of Phone
	Phone *fssim.PhoneRequest `json:"phone,omitempty"`
	Run   *procRun            `json:"run,omitempty"`
}

// procRun places Calls callers, Rate per second on an absolute schedule,
// each on its own goroutine: caller i on node i mod N to Numbers[i mod
// len], its dialplan fetched from URL (the controller's /fsapi) as the
// node's user. It then waits up to BridgeWithin for every caller to be
// bridged and up to EndWithin for every channel to end. Steady is the first
// caller whose delays count (the earlier ones ramp up).
type procRun struct {
	Rate         float64       `json:"rate"`
	Calls        int           `json:"calls"`
	Steady       int           `json:"steady"`
	URL          string        `json:"url"`
	Numbers      []string      `json:"numbers"`
	BridgeWithin time.Duration `json:"bridge_within"`
	EndWithin    time.Duration `json:"end_within"`
}

// procReply answers a request; Err is set when it failed.
type procReply struct {
	Err    string      `json:"err,omitempty"`
	Nodes  []string    `json:"nodes,omitempty"` // Start: each node's ESL address
	Result *procResult `json:"result,omitempty"`
}

// procResult is what a run measured in the fssim process. Delays are in
// milliseconds, of the steady callers that were bridged.
type procResult struct {
	Failed    int     `json:"failed"`    // callers whose routing or socket failed
	Unbridged int     `json:"unbridged"` // callers never bridged
	Ended     bool    `json:"ended"`     // every channel ended within EndWithin
	Reached   float64 `json:"reached"`   // bridged callers per second, first placement to last bridge
	PlaceLag  float64 `json:"place_lag"` // p99 of how late callers were placed against the schedule, ms
	CPU       float64 `json:"cpu_ms"`    // the fssim process's CPU from the run's start to its end
	Alloc     float64 `json:"alloc_kib"` // the fssim process's heap allocation in that time, KiB
	Offer     []float64
	Bridge    []float64
	FirstErr  string `json:"first_err,omitempty"`
}

// fssimProcMain serves requests until its input ends, then stops the nodes.
// It collects garbage at GOGC=400 unless GOGC says otherwise: fssim keeps
// every call's record (CallInfo) for its control API, so its live heap grows
// with the calls placed and each collection marks all of it; the simulator's
// CPU is not what the benchmark measures, and the machine has memory to spare.
func fssimProcMain(in io.Reader, out io.Writer) int {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	h := &procHost{stamps: newCallStamps()}
	ctx, cancel := context.WithCancel(context.Background())
	defer func() {
		cancel()
		h.stamps.wait()
		for _, n := range h.nodes {
			n.Close()
		}
	}()
	dec, enc := json.NewDecoder(bufio.NewReader(in)), json.NewEncoder(out)
	for {
		var req procRequest
		if err := dec.Decode(&req); err != nil {
			if errors.Is(err, io.EOF) {
				return 0
			}
			fmt.Fprintln(os.Stderr, "fssim process:", err)
			return 1
		}
		if err := enc.Encode(h.serve(ctx, req)); err != nil {
			return 1
		}
	}
}

// procHost is the fssim process's state.
type procHost struct {
	nodes  []*fssim.Node
	stamps *callStamps
}

func (h *procHost) serve(ctx context.Context, req procRequest) procReply {
	var rep procReply
	var err error
	switch {
	case req.Start > 0:
		rep.Nodes, err = h.start(ctx, req.Start)
	case req.Phone != nil && req.Node >= 0 && req.Node < len(h.nodes):
		p := req.Phone
		err = h.nodes[req.Node].RegisterPhone(p.User, p.Domain, fssim.PhoneScript{AnswerAfter: msDur(p.AnswerAfterMS),
			NoAnswer: p.NoAnswer, Busy: p.Busy, HangupAfter: msDur(p.HangupAfterMS), TalkFor: msDur(p.TalkForMS)})
	case req.Run != nil:
		rep.Result = h.run(req.Run)
	default:
		err = fmt.Errorf("bad request %+v", req)
	}
	if err != nil {
		rep.Err = err.Error()
	}
	return rep
}

func (h *procHost) start(ctx context.Context, n int) ([]string, error) {
	if len(h.nodes) > 0 {
		return nil, errors.New("nodes already started")
	}
	ns, err := startDemoNodes(demoOptions{Nodes: n, Speed: 1}, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	var addrs []string
	for _, sn := range ns {
		node := sn.(*fssim.Node)
		h.nodes = append(h.nodes, node)
		addrs = append(addrs, node.Addr())
		if err := h.stamps.watch(ctx, node.Addr(), node.Password()); err != nil {
			return nil, err
		}
	}
	return addrs, nil
}

func (h *procHost) run(r *procRun) *procResult {
	res := &procResult{}
	if path := os.Getenv("SWITCHBOARD_BENCH_FSSIM_CPUPROFILE"); path != "" && r.Calls > 1 {
		if f, err := os.Create(fmt.Sprintf("%s.rate%g", path, r.Rate)); err == nil {
			defer f.Close() // after the profile stops
			if pprof.StartCPUProfile(f) == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	var mem0, mem1 runtime.MemStats
	runtime.ReadMemStats(&mem0)
	cpu0 := processCPU()
	start := time.Now()
	ids := make([]string, r.Calls)
	lag := make([]float64, r.Calls)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := range r.Calls {
		at := start.Add(time.Duration(float64(i) / r.Rate * float64(time.Second)))
		time.Sleep(time.Until(at))
		ids[i] = uuid.NewString()
		node := i % len(h.nodes)
		in := fssim.IncomingCall{From: fmt.Sprintf("1380%07d", i), To: r.Numbers[i%len(r.Numbers)], UUID: ids[i]}
		xc := fssim.XMLCurl{URL: r.URL, User: demoNodeName(node), Password: h.nodes[node].Password()}
		h.stamps.start(ids[i])
		lag[i] = msOf(time.Since(at))
		wg.Go(func() {
			if _, err := h.nodes[node].RouteCall(context.Background(), xc, in); err != nil {
				mu.Lock()
				res.Failed++
				if res.FirstErr == "" {
					res.FirstErr = err.Error()
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res.Unbridged = h.stamps.waitBridged(ids, r.BridgeWithin)
	steady := ids
	if len(ids) > r.Steady {
		steady = ids[r.Steady:]
	}
	res.Offer, res.Bridge, _ = h.stamps.latencies(steady)
	_, _, last := h.stamps.latencies(ids)
	if bridged := r.Calls - res.Unbridged; bridged > 0 && last.After(start) {
		res.Reached = float64(bridged) / last.Sub(start).Seconds()
	}
	res.PlaceLag = percentile(lag, 99)
	deadline := time.Now().Add(r.EndWithin)
	for !h.idle() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	res.Ended = h.idle()
	res.CPU = msOf(processCPU() - cpu0)
	runtime.ReadMemStats(&mem1)
	res.Alloc = float64(mem1.TotalAlloc-mem0.TotalAlloc) / 1024
	return res
}

// idle: no node has a channel up.
func (h *procHost) idle() bool {
	for _, n := range h.nodes {
		if n.ActiveCalls() > 0 {
			return false
		}
	}
	return true
}

// fssimProc is the benchmark's side of an fssim process. It is killed when
// the benchmark that started it ends.
type fssimProc struct {
	mu     sync.Mutex // one request at a time
	enc    *json.Encoder
	dec    *json.Decoder
	stderr *syncbuf.Buffer
	nodes  []simNode
}

// startFssimProc starts an fssim process with n nodes.
func startFssimProc(b *testing.B, n int) *fssimProc {
	b.Helper()
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), fssimProcEnv+"=1")
	cmd.WaitDelay = 5 * time.Second
	p := &fssimProc{stderr: &syncbuf.Buffer{}}
	cmd.Stderr = p.stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close() // the process stops its nodes and exits
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				b.Logf("fssim process: %v\n%s", err, tail(p.stderr.String(), 20))
			}
		case <-time.After(10 * time.Second):
			cancel() // kills it
			<-done
		}
		cancel()
	})
	p.enc, p.dec = json.NewEncoder(stdin), json.NewDecoder(stdout)
	rep, err := p.do(procRequest{Start: n})
	if err != nil {
		b.Fatal(err)
	}
	for i, addr := range rep.Nodes {
		p.nodes = append(p.nodes, procNode{p: p, i: i, addr: addr})
	}
	return p
}

// do sends one request and reads its reply.
func (p *fssimProc) do(req procRequest) (procReply, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var rep procReply
	if err := p.enc.Encode(req); err != nil {
		return rep, fmt.Errorf("fssim process: %w\n%s", err, tail(p.stderr.String(), 20))
	}
	if err := p.dec.Decode(&rep); err != nil {
		return rep, fmt.Errorf("fssim process: %w\n%s", err, tail(p.stderr.String(), 20))
	}
	if rep.Err != "" {
		return rep, errors.New(rep.Err)
	}
	return rep, nil
}

// procNode is node i of an fssim process, as the demo's controller side
// sees it. Closing it does nothing: the process goes as a whole.
type procNode struct {
	p    *fssimProc
	i    int
	addr string
}

func (n procNode) Addr() string     { return n.addr }
func (n procNode) Password() string { return demoNodeSecret(n.i) }
func (n procNode) Close()           {}

func (n procNode) RegisterPhone(user, domain string, s fssim.PhoneScript) error {
	_, err := n.p.do(procRequest{Node: n.i, Phone: &fssim.PhoneRequest{User: user, Domain: domain,
		AnswerAfterMS: s.AnswerAfter.Milliseconds(), NoAnswer: s.NoAnswer, Busy: s.Busy,
		HangupAfterMS: s.HangupAfter.Milliseconds(), TalkForMS: s.TalkFor.Milliseconds()}})
	return err
}

func msDur(v int64) time.Duration { return time.Duration(v) * time.Millisecond }
