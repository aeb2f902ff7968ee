package freeswitch

import (
	"context"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/eslconn"
)

// Adapter drives a set of FreeSWITCH nodes. It implements orchestrator.Switch,
// orchestrator.InboundAcceptor and orchestrator.NodeWatcher.
//
// Life cycle: New (validate), Start (one goroutine per node keeps an inbound
// connection up), ServeCalls (outbound sockets, optional), SetNodes (any time:
// connect, reconnect or drop nodes as the configuration changes), Close (stops
// every goroutine the adapter started and waits for them).
type Adapter struct {
	opts  Options
	log   *slog.Logger
	clock Clock
	ctx   context.Context // cancelled by Close
	quit  context.CancelFunc
	stop  <-chan struct{} // ctx.Done()
	wg    sync.WaitGroup
	// runMu guards runDone, set by Close before it waits for wg: after it
	// goRunLive starts nothing (a call's lazy pump, started from any
	// goroutine, must not Add to wg while Close waits on it).
	runMu   sync.Mutex
	runDone bool

	// nodes is the current node set, replaced whole by SetNodes; readers
	// load it without a lock. nodesMu serialises Start, SetNodes and Close.
	nodes      atomic.Pointer[nodeSet]
	nodesMu    sync.Mutex
	started    bool // under nodesMu
	closed     bool // under nodesMu
	nodeEvents *queue[orchestrator.NodeEvent]

	mu    sync.Mutex
	calls map[orchestrator.Key]*call
	// trackSeq counts the calls ever tracked (call.tracked).
	trackSeq uint64

	st counters
	// commandSeconds is the latency of api and bgapi commands (metrics.go).
	commandSeconds *prometheus.HistogramVec
	// commandObservers caches commandSeconds' histograms by label pair: the
	// labels are few (command kinds and names), and looking one up by its
	// label values hashed them for every command (metrics.go).
	commandObsMu     sync.RWMutex
	commandObservers map[commandLabels]prometheus.Observer
}

var (
	_ orchestrator.Switch          = (*Adapter)(nil)
	_ orchestrator.InboundAcceptor = (*Adapter)(nil)
	_ orchestrator.NodeWatcher     = (*Adapter)(nil)
	_ orchestrator.HealthReporter  = (*Adapter)(nil)
)

// node is one FreeSWITCH and its current inbound connection (nil while down).
// Its settings never change: SetNodes replaces a changed node with a new one.
type node struct {
	cfg Node
	// ctx is cancelled when the adapter closes or, with a cause, when SetNodes
	// removes or replaces the node; done is closed when its runNode returns
	// (nil while not started).
	ctx  context.Context
	stop context.CancelCauseFunc
	done chan struct{}

	// peers are the IPs its outbound sockets may come from and token the
	// socketauth.Token they must carry (socketauth.go); set at creation.
	peers []netip.Addr
	token string

	mu   sync.Mutex
	conn *eslconn.Conn
	// since is when conn last came or went (when start began trying, for
	// a node never up).
	since time.Time
	// health is what the checks learned of the node (health.go).
	health nodeHealth
	// lastEvent is the Unix nanoseconds of the last event read on conn:
	// written per event, so an atomic rather than mu.
	lastEvent atomic.Int64
}

func (n *node) current() *eslconn.Conn {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.conn
}

// New validates opts and returns an adapter that is not started yet.
func New(opts Options) (*Adapter, error) {
	if err := opts.setDefaults(); err != nil {
		return nil, err
	}
	a := &Adapter{
		opts: opts, log: opts.Logger, clock: opts.Clock,
		calls: map[orchestrator.Key]*call{}, commandSeconds: newCommandHistogram(),
		commandObservers: map[commandLabels]prometheus.Observer{},
	}
	a.ctx, a.quit = context.WithCancel(context.Background())
	a.stop = a.ctx.Done()
	set := &nodeSet{byName: map[string]*node{}}
	for _, n := range opts.Nodes {
		set.add(a.newNode(n))
	}
	a.nodes.Store(set)
	a.nodeEvents = newQueue[orchestrator.NodeEvent](64, opts.HighWater,
		func(d int) { a.slowConsumer("node_events", d) }, func(int) {})
	return a, nil
}

// Start connects to every node in the background and keeps the connections up.
func (a *Adapter) Start() {
	a.nodesMu.Lock()
	defer a.nodesMu.Unlock()
	if a.started || a.closed {
		return
	}
	a.started = true
	a.goRun(func() { a.nodeEvents.pump(a.stop) })
	for _, n := range a.nodes.Load().order {
		a.startNode(n)
	}
}

// Close stops every goroutine the adapter started and closes its connections.
// Every call stream is closed; one whose consumer keeps up ends with
// EventEnded (the calls themselves stay up on the switch).
func (a *Adapter) Close() error {
	a.endCalls()
	a.nodesMu.Lock()
	a.closed = true // no SetNodes starts a node from now on
	a.nodesMu.Unlock()
	a.quit()
	// A call tracked while the first sweep ran is ended by this one; one
	// tracked after it saw the stop and got a pump that ends its stream.
	a.endCalls()
	for _, n := range a.nodes.Load().order {
		if c := n.current(); c != nil {
			c.Close()
		}
	}
	a.runMu.Lock()
	a.runDone = true
	a.runMu.Unlock()
	a.wg.Wait()
	return nil
}

// endCalls ends every call tracked now.
func (a *Adapter) endCalls() {
	a.mu.Lock()
	calls := make([]*call, 0, len(a.calls))
	for _, c := range a.calls {
		calls = append(calls, c)
	}
	a.mu.Unlock()
	for _, c := range calls {
		a.end(c, "")
	}
}

// stopping reports whether Close has begun stopping the adapter's goroutines.
func (a *Adapter) stopping() bool {
	select {
	case <-a.stop:
		return true
	default:
		return false
	}
}

// NodeEvents reports node up/down, heartbeats and registrations. Reading it is
// optional; unread events are queued and measured, never block the reader.
func (a *Adapter) NodeEvents() <-chan orchestrator.NodeEvent { return a.nodeEvents.out }

func (a *Adapter) goRun(f func()) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		f()
	}()
}

// goRunLive is goRun for a goroutine asked for from anywhere, at any time
// (a call's lazy pump): once Close waits for the adapter's goroutines it
// starts nothing and reports false.
func (a *Adapter) goRunLive(f func()) bool {
	a.runMu.Lock()
	if a.runDone {
		a.runMu.Unlock()
		return false
	}
	a.wg.Add(1)
	a.runMu.Unlock()
	go func() {
		defer a.wg.Done()
		f()
	}()
	return true
}

func (a *Adapter) emitNode(ev orchestrator.NodeEvent) {
	ev.At = a.clock.Now()
	a.nodeEvents.push(ev)
}

func (a *Adapter) emitNodes(evs []orchestrator.NodeEvent) {
	for _, ev := range evs {
		a.emitNode(ev)
	}
}

func (a *Adapter) slowConsumer(what string, depth int) {
	a.st.slowAlarms.Add(1)
	a.log.Warn("freeswitch: slow event consumer", "queue", what, "depth", depth, "high_water", a.opts.HighWater)
}

// counters back Stats.
type counters struct {
	queued, peakQueued                                         atomic.Int64
	slowAlarms, routed, unrouted, outOfOrder, reconnects, late atomic.Uint64
	refusedAddress, refusedToken                               atomic.Uint64
	eslEvents                                                  atomic.Uint64
}

// Stats is a snapshot of the adapter's health counters. QueuedEvents and
// SlowConsumerAlarms are how a slow call consumer shows up.
type Stats struct {
	Calls              int    // calls tracked now
	QueuedEvents       int64  // events waiting in per-call queues (gauge)
	PeakQueuedEvents   int64  // highest QueuedEvents seen
	SlowConsumerAlarms uint64 // per-call queues that crossed Options.HighWater
	EventsRouted       uint64 // events delivered to a tracked call
	EventsUnrouted     uint64 // channel events of calls nobody tracks (counted, not kept)
	OutOfOrder         uint64 // events whose Event-Sequence was below their call's last one
	Reconnects         uint64 // inbound connections re-established
	LateEvents         uint64 // events of a call that came after its EventEnded (not delivered)
	ESLEvents          uint64 // events read from every ESL connection (nodes' and calls' sockets)
	NodesUp            int
	// Outbound sockets refused: from an address that is no configured
	// node's, and without the token of a node at that address.
	SocketsRefusedAddress, SocketsRefusedToken uint64
}

// Stats returns the counters.
func (a *Adapter) Stats() Stats {
	a.mu.Lock()
	calls := len(a.calls)
	a.mu.Unlock()
	up := 0
	for _, n := range a.nodes.Load().order {
		if n.current() != nil {
			up++
		}
	}
	return Stats{
		Calls: calls, QueuedEvents: a.st.queued.Load(), PeakQueuedEvents: a.st.peakQueued.Load(),
		SlowConsumerAlarms: a.st.slowAlarms.Load(), EventsRouted: a.st.routed.Load(),
		EventsUnrouted: a.st.unrouted.Load(), OutOfOrder: a.st.outOfOrder.Load(),
		Reconnects: a.st.reconnects.Load(), LateEvents: a.st.late.Load(), NodesUp: up,
		SocketsRefusedAddress: a.st.refusedAddress.Load(), SocketsRefusedToken: a.st.refusedToken.Load(),
		ESLEvents: a.st.eslEvents.Load(),
	}
}

func (a *Adapter) queuedDelta(d int) {
	v := a.st.queued.Add(int64(d))
	for {
		p := a.st.peakQueued.Load()
		if v <= p || a.st.peakQueued.CompareAndSwap(p, v) {
			return
		}
	}
}
