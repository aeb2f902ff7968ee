package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkControllerCPU measures the controller alone on the inbound call
// path (route over xml_curl, admit, answer, queue, offer, bridge, hang-up,
// CDR): fssim's nodes and the callers run in a process of their own
// (fssimProc), so this process's getrusage is the controller's CPU. Every
// op is one call; for each offered rate a sub-benchmark places b.N callers
// on an absolute schedule, spread over the nodes and the demo's two
// tenants; agents' phones answer after benchAnswerAfter and talk for the
// hold. The world (nodes, agents logged in and ready) is built once for all
// rates. Its size comes from the environment:
//
//	SWITCHBOARD_BENCH_NODES  fssim nodes (default 2)
//	SWITCHBOARD_BENCH_AGENTS agents, half per tenant (default: enough for the highest rate)
//	SWITCHBOARD_BENCH_RATES  offered calls per second, comma-separated (default 100)
//	SWITCHBOARD_BENCH_HOLD   how long agents talk (default 2s)
//	SWITCHBOARD_BENCH_CPUPROFILE  write the controller's CPU profile of each rate's load
//	                              there (the rate is added to the name)
//	SWITCHBOARD_BENCH_FSSIM_CPUPROFILE  the same for the fssim process
//	SWITCHBOARD_BENCH_ALLOCPROFILE  write the controller's allocations during each
//	                                rate's load there (.before and .after: compare with
//	                                go tool pprof -diff_base; sampled at -test.memprofilerate)
//
// Reported: ctrl-cpu-ms/call (the controller's CPU from the first caller to
// the last call ended, by getrusage, per call), ctrl-cores (the same over
// wall time), ctrl-idle-cores (its CPU with no call, measured just before:
// configuration reloads, timers) and ctrl-call-cpu-ms/call (the CPU per call
// with that idle share taken out), ctrl-active-at-end (calls it had not
// finished when the wait for them gave up: overloaded), ctrl-alloc-KiB/call and ctrl-allocs/call (heap allocated, which
// the machine's load does not blur), ctrl-read-syscalls/call,
// ctrl-write-syscalls/call and ctrl-ctx-switches/call (see syscallCounts),
// fssim-cpu-ms/call (the other process's), esl-events/call
// (events the controller read from every ESL connection),
// routed-events/call (those delivered to a call) and agent-legs/call (more
// than 1: offers that failed or rang out), calls/s reached
// (bridged callers per second) against asked-calls/s, unbridged and failed
// callers, place-lag-p99-ms (the load generator's lateness), the
// controller's added delay by its own clock as whole intervals
// (ctrl-offer-*: socket connect to originate sent; ctrl-bridge-*: the
// agent's answer seen to uuid_bridge sent), the same path by fssim's event
// stamps (offer-*, bridge-*: see callStamps), and load1, the machine's load
// average at the end: wall-clock figures mean little on a loaded machine,
// CPU per call keeps its meaning.
//
//	go test -run '^$' -bench ControllerCPU -benchtime 1000x ./cmd/switchboard/
//	make scale   # 20 nodes, 10,000 agents, 100, 300 and 600 calls/s
func BenchmarkControllerCPU(b *testing.B) {
	size := benchSizeFromEnv(b)
	p := startFssimProc(b, size.nodes)
	d := startBenchDemo(b, p.nodes, size.agents, size.hold)
	for _, rate := range size.rates {
		b.Run(fmt.Sprintf("nodes=%d,agents=%d,rate=%g", size.nodes, size.agents, rate), func(b *testing.B) {
			runControllerLoad(b, p, d, rate, size.hold)
		})
	}
}

// benchSize is the world BenchmarkControllerCPU builds.
type benchSize struct {
	nodes, agents int
	rates         []float64
	hold          time.Duration
}

func benchSizeFromEnv(b *testing.B) benchSize {
	s := benchSize{nodes: 2, rates: []float64{100}, hold: 2 * time.Second}
	var err error
	if v := os.Getenv("SWITCHBOARD_BENCH_NODES"); v != "" {
		if s.nodes, err = strconv.Atoi(v); err != nil || s.nodes < 1 || s.nodes > 20 {
			b.Fatalf("SWITCHBOARD_BENCH_NODES=%q: want 1 to 20", v)
		}
	}
	if v := os.Getenv("SWITCHBOARD_BENCH_RATES"); v != "" {
		s.rates = nil
		for _, f := range strings.Split(v, ",") {
			r, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil || !(r > 0) {
				b.Fatalf("SWITCHBOARD_BENCH_RATES=%q: want positive calls per second, comma-separated", v)
			}
			s.rates = append(s.rates, r)
		}
	}
	if v := os.Getenv("SWITCHBOARD_BENCH_HOLD"); v != "" {
		if s.hold, err = time.ParseDuration(v); err != nil || s.hold <= 0 {
			b.Fatalf("SWITCHBOARD_BENCH_HOLD=%q: want a positive duration", v)
		}
	}
	for _, r := range s.rates {
		s.agents = max(s.agents, benchAgents(r, s.hold))
	}
	if v := os.Getenv("SWITCHBOARD_BENCH_AGENTS"); v != "" {
		if s.agents, err = strconv.Atoi(v); err != nil || s.agents < 2 {
			b.Fatalf("SWITCHBOARD_BENCH_AGENTS=%q: want 2 or more", v)
		}
	}
	return s
}

// runControllerLoad places b.N callers at rate in the fssim process and
// reports what the controller spent on them.
func runControllerLoad(b *testing.B, p *fssimProc, d *demo, rate float64, hold time.Duration) {
	if need := benchAgents(rate, hold); d.opts.Agents*2 < need {
		b.Fatalf("%d agents cannot take %g calls/s talking %s without callers waiting: want %d", d.opts.Agents*2, rate, hold, need)
	}
	var numbers []string
	for _, t := range d.tenants {
		numbers = append(numbers, t.number)
	}
	run := &procRun{Rate: rate, Calls: b.N, Steady: int(rate * hold.Seconds()), URL: d.baseURL + "/fsapi", Numbers: numbers,
		BridgeWithin: hold + 10*time.Second, EndWithin: 2*hold + 30*time.Second}
	idle := idleCores(b, d)
	d.ctrl.call.ResetLatency()
	accepted0, fs0, legs0 := d.ctrl.call.Stats().Accepted, d.ctrl.fs.Stats(), agentLegs(b, d)
	runtime.GC()
	var mem0, mem1 runtime.MemStats
	runtime.ReadMemStats(&mem0)
	stopProfile := profileLoad(b, rate)
	stopAllocs := profileAllocs(b, rate)
	b.ResetTimer()
	cpu0, start, sys0 := processCPU(), time.Now(), processSyscalls()
	rep, err := p.do(procRequest{Run: run})
	if err != nil {
		b.Fatal(err)
	}
	// Overloaded, the controller may still be finishing calls: its CPU counts
	// until it has, or until the wait gives up (then ctrl-active-at-end says
	// how many it still had, and the CPU per call is understated).
	done := func() bool { return d.ctrl.call.Stats().Active == 0 }
	if err := waitFor(context.Background(), hold+60*time.Second, "the controller's calls to end", done); err != nil {
		b.Log(err)
	}
	cpu, wall, sys := processCPU()-cpu0, time.Since(start), processSyscalls().minus(sys0)
	b.StopTimer()
	stopProfile()
	stopAllocs()
	runtime.ReadMemStats(&mem1)
	b.ReportMetric(float64(d.ctrl.call.Stats().Active), "ctrl-active-at-end")
	res := rep.Result
	if res.FirstErr != "" {
		b.Logf("%d callers failed, the first: %s", res.Failed, res.FirstErr)
	}
	if !res.Ended {
		b.Logf("fssim still had channels up %s after the last caller", run.EndWithin)
	}
	if got := d.ctrl.call.Stats().Accepted - accepted0; got != int64(b.N) {
		b.Logf("the controller accepted %d of %d callers", got, b.N)
	}
	n := float64(b.N)
	fs1 := d.ctrl.fs.Stats()
	b.ReportMetric(float64(fs1.ESLEvents-fs0.ESLEvents)/n, "esl-events/call")
	b.ReportMetric(float64(fs1.EventsRouted-fs0.EventsRouted)/n, "routed-events/call")
	b.ReportMetric((agentLegs(b, d)-legs0)/n, "agent-legs/call")
	b.ReportMetric(msOf(cpu)/n, "ctrl-cpu-ms/call")
	if b.N > 1 {
		b.ReportMetric(idle, "ctrl-idle-cores")
		b.ReportMetric((cpu.Seconds()-idle*wall.Seconds())*1000/n, "ctrl-call-cpu-ms/call")
	}
	b.ReportMetric(cpu.Seconds()/wall.Seconds(), "ctrl-cores")
	b.ReportMetric(float64(mem1.TotalAlloc-mem0.TotalAlloc)/n/1024, "ctrl-alloc-KiB/call")
	b.ReportMetric(float64(mem1.Mallocs-mem0.Mallocs)/n, "ctrl-allocs/call")
	b.ReportMetric(float64(sys.reads)/n, "ctrl-read-syscalls/call")
	b.ReportMetric(float64(sys.writes)/n, "ctrl-write-syscalls/call")
	b.ReportMetric(float64(sys.switches)/n, "ctrl-ctx-switches/call")
	b.ReportMetric(res.CPU/n, "fssim-cpu-ms/call")
	b.ReportMetric(res.Alloc/n, "fssim-alloc-KiB/call")
	b.ReportMetric(rate, "asked-calls/s")
	b.ReportMetric(res.Reached, "calls/s")
	b.ReportMetric(float64(res.Unbridged), "unbridged")
	b.ReportMetric(float64(res.Failed), "failed")
	b.ReportMetric(res.PlaceLag, "place-lag-p99-ms")
	reportCtrlLatency(b, d)
	b.ReportMetric(percentile(res.Offer, 50), "offer-p50-ms")
	b.ReportMetric(percentile(res.Offer, 99), "offer-p99-ms")
	b.ReportMetric(percentile(res.Bridge, 50), "bridge-p50-ms")
	b.ReportMetric(percentile(res.Bridge, 99), "bridge-p99-ms")
	b.ReportMetric(loadAverage(), "load1")
}

// idleCores is the controller's CPU with no call, in cores, over two
// configuration reloads (the periodic work that grows with the number of
// agents, not calls); measured only when b.N > 1.
func idleCores(b *testing.B, d *demo) float64 {
	if b.N == 1 {
		return 0
	}
	window := max(2*d.ctrl.cfg.ReloadEvery, 3*time.Second)
	cpu0, start := processCPU(), time.Now()
	time.Sleep(window) // measuring an interval: there is no event to wait for
	return (processCPU() - cpu0).Seconds() / time.Since(start).Seconds()
}

// profileLoad starts the CPU profile SWITCHBOARD_BENCH_CPUPROFILE asks for,
// if any, and returns its stop.
func profileLoad(b *testing.B, rate float64) (stop func()) {
	path := os.Getenv("SWITCHBOARD_BENCH_CPUPROFILE")
	if path == "" || b.N == 1 {
		return func() {}
	}
	f, err := os.Create(fmt.Sprintf("%s.rate%g", path, rate))
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// profileAllocs writes the allocation profile SWITCHBOARD_BENCH_ALLOCPROFILE
// asks for, if any, at the load's start (.before) and, by the returned stop,
// at its end (.after): the profile is cumulative, so the load's own
// allocations are the difference (go tool pprof -diff_base .before .after),
// without the world's building.
func profileAllocs(b *testing.B, rate float64) (stop func()) {
	path := os.Getenv("SWITCHBOARD_BENCH_ALLOCPROFILE")
	if path == "" || b.N == 1 {
		return func() {}
	}
	write := func(suffix string) {
		f, err := os.Create(fmt.Sprintf("%s.rate%g.%s", path, rate, suffix))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		runtime.GC() // the profile shows allocations as of the last GC
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			b.Fatal(err)
		}
	}
	write("before")
	return func() { write("after") }
}

// agentLegs is how many agents' legs the controller has recorded (CDRs of
// leg "agent", by switchboard_calls_total): more than one a call means
// offers that failed or rang out and went to another agent.
func agentLegs(b *testing.B, d *demo) float64 {
	mfs, err := d.ctrl.reg.Gather()
	if err != nil {
		b.Logf("metrics: %v", err)
	}
	total := 0.0
	for _, mf := range mfs {
		if mf.GetName() != "switchboard_calls_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "leg" && l.GetValue() == "agent" {
					total += m.GetCounter().GetValue()
				}
			}
		}
	}
	return total
}

// syscallCounts are the controller process's read and write system calls
// (/proc/self/io syscr, syscw: every socket read and write, ESL's among
// them) and its threads' context switches (getrusage, voluntary and not: a
// thread that parks in futex or epoll and is woken). Unlike CPU time, the
// machine's load does not blur them.
type syscallCounts struct{ reads, writes, switches int64 }

func (c syscallCounts) minus(o syscallCounts) syscallCounts {
	return syscallCounts{c.reads - o.reads, c.writes - o.writes, c.switches - o.switches}
}

// processSyscalls reads the counts (zero where the system does not say).
func processSyscalls() syscallCounts {
	var c syscallCounts
	if raw, err := os.ReadFile("/proc/self/io"); err == nil {
		for _, line := range strings.Split(string(raw), "\n") {
			name, v, _ := strings.Cut(line, ": ")
			n, _ := strconv.ParseInt(v, 10, 64)
			switch name {
			case "syscr":
				c.reads = n
			case "syscw":
				c.writes = n
			}
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		c.switches = ru.Nvcsw + ru.Nivcsw
	}
	return c
}

// loadAverage is the machine's load average over the last minute (0 when
// unknown).
func loadAverage() float64 {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(raw))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}
