package acdowner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
)

// ErrStopped is returned by calls to an owner that has stopped.
var ErrStopped = errors.New("acdowner: owner stopped")

// Config sets up one tenant's owner.
type Config struct {
	Tenant      string
	Queues      []acd.QueueConfig
	Agents      []acd.AgentProfile
	BreakLimits map[string]int
	Seed        uint64
	Location    *time.Location

	Clock      Clock // nil: SystemClock
	Offerer    Offerer
	Overflower Overflower    // nil: overflows are only published
	History    HistoryStore  // nil: history is only published
	Snapshots  SnapshotStore // nil: nothing is restored or saved
	Logger     *slog.Logger

	// FlushEvery is how often history is written (default 1 s); FlushSize
	// writes earlier when that many records are pending (default 500).
	FlushEvery time.Duration
	FlushSize  int
	// StatsDelay is how soon after a queue's figures change (a call queued,
	// answered, ended; one of its agents changing state) they are published
	// (default 200 ms): changes within it go out together, at most once per
	// StatsDelay, and an owner with nothing changing publishes nothing.
	// Wallboards show figures at most a second old (OPS-8).
	StatsDelay time.Duration
	// MaxPending caps unwritten history while the store fails (default
	// 100,000); beyond it the oldest records are dropped, counted and logged.
	MaxPending int
	// Mailbox is the inbox size (default 1024).
	Mailbox int
	// SnapshotEvery is how often the snapshot is saved besides at Stop
	// (default 10 s), so a crash loses little.
	SnapshotEvery time.Duration
}

// command is one unit of work for the owner goroutine.
type command struct {
	apply func(now time.Time, d *acd.ACD) ([]acd.Decision, error)
	reply chan error
	// quiet: the command changes nothing a snapshot holds (the flush tick,
	// Sync). Any other command counts as a change, reads included.
	quiet bool
}

// Owner runs one tenant's ACD on its own goroutine.
type Owner struct {
	cfg    Config
	tenant string
	core   *acd.ACD
	// states are the agents' states (agent ID -> acd.State), written by
	// the owner as transitions are recorded and read without a round trip
	// (StateNow): the call path asks for them on every call it routes.
	states sync.Map
	inbox  chan command
	quit   chan struct{}
	done   chan struct{}
	// writes are store writes (history, snapshots) done by the writer
	// goroutine, so a slow database never holds up routing.
	writes   chan func(context.Context)
	written  chan struct{} // closed when the writer finished
	stopOnce sync.Once
	log      *slog.Logger

	// Owned by the run goroutine.
	timers   map[acd.TimerRef]Timer
	byInter  map[string][]acd.TimerRef // pending timers per interaction, stopped when it finishes
	sent     map[offerKey]Offer
	pending  []StateRecord
	dirty    map[string]bool
	follow   []command
	flushT   Timer
	statsT   Timer // the pending publication of dirty queues; nil: none
	lastSnap time.Time
	// changed: a command that is not quiet ran since the last snapshot. An
	// owner with nothing going on (no call, no agent changing state) saves
	// no snapshot every SnapshotEvery: it would be the same bytes, and with
	// thousands of agents it was most of an idle controller's CPU.
	changed  bool
	subs     subscribers
	counters Counters
	countMu  sync.Mutex
}

type offerKey struct {
	interaction, agent string
	attempt            uint32
}

// Counters are the owner's health figures.
type Counters struct {
	Commands        int64
	Decisions       int64
	HistoryWritten  int64
	HistoryDropped  int64
	HistoryFailures int64
	SubscribersDrop int64
	OfferFailures   int64
}

// Start configures the tenant's ACD, restores its snapshot if there is one,
// and starts the owner goroutine; Stop ends it.
func Start(ctx context.Context, cfg Config) (*Owner, error) {
	if cfg.Tenant == "" || cfg.Offerer == nil {
		return nil, fmt.Errorf("acdowner: Tenant and Offerer are required")
	}
	cfg = withDefaults(cfg)
	now := cfg.Clock.Now()
	o := &Owner{cfg: cfg, tenant: cfg.Tenant, log: cfg.Logger.With("tenant", cfg.Tenant),
		core:  acd.New(cfg.Tenant, now, acd.Options{Seed: cfg.Seed, Location: cfg.Location}),
		inbox: make(chan command, cfg.Mailbox), quit: make(chan struct{}), done: make(chan struct{}),
		writes: make(chan func(context.Context), 64), written: make(chan struct{}),
		timers: map[acd.TimerRef]Timer{}, byInter: map[string][]acd.TimerRef{}, sent: map[offerKey]Offer{}, dirty: map[string]bool{},
		changed: true} // the first snapshot after a start is always saved
	o.subs.init()
	if err := o.configure(ctx, now); err != nil {
		return nil, err
	}
	for _, a := range o.core.Agents(now, true) {
		o.states.Store(a.ID, a.State)
	}
	o.flushT = cfg.Clock.AfterFunc(cfg.FlushEvery, o.flushTick)
	go o.writer()
	go o.run()
	return o, nil
}

func withDefaults(cfg Config) Config {
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.FlushEvery <= 0 {
		cfg.FlushEvery = time.Second
	}
	if cfg.FlushSize <= 0 {
		cfg.FlushSize = 500
	}
	if cfg.StatsDelay <= 0 {
		cfg.StatsDelay = 200 * time.Millisecond
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = 100_000
	}
	if cfg.Mailbox <= 0 {
		cfg.Mailbox = 1024
	}
	if cfg.SnapshotEvery <= 0 {
		cfg.SnapshotEvery = 10 * time.Second
	}
	return cfg
}

// configure applies the settings and the snapshot before the goroutine starts.
func (o *Owner) configure(ctx context.Context, now time.Time) error {
	for _, q := range o.cfg.Queues {
		if _, err := o.core.SetQueue(now, q); err != nil {
			return err
		}
	}
	for g, n := range o.cfg.BreakLimits {
		o.core.SetBreakLimit(g, n)
	}
	for _, a := range o.cfg.Agents {
		if _, err := o.core.SetAgent(now, a); err != nil {
			return err
		}
	}
	if o.cfg.Snapshots == nil {
		return nil
	}
	snap, found, err := o.cfg.Snapshots.LoadACDSnapshot(ctx, o.tenant)
	if err != nil || !found {
		return err
	}
	ds, err := o.core.Restore(now, snap)
	if err != nil {
		return fmt.Errorf("acdowner: restore tenant %s: %w", o.tenant, err)
	}
	o.applyPlan(ctx, now, ds)
	o.log.Info("acd restored", "agents", len(snap.Agents), "waiting", len(snap.Waiting))
	return nil
}

// writer carries out store writes in order until the owner closes writes.
func (o *Owner) writer() {
	defer close(o.written)
	for w := range o.writes {
		w(context.Background())
	}
}

// write hands a store write to the writer goroutine (owner goroutine only).
func (o *Owner) write(w func(context.Context)) { o.writes <- w }

// run is the owner goroutine: one command at a time, in arrival order.
func (o *Owner) run() {
	defer close(o.done)
	defer func() { close(o.writes); <-o.written }()
	ctx := context.Background()
	for {
		select {
		case c := <-o.inbox:
			o.exec(ctx, c)
		case <-o.quit:
			o.drain(ctx)
			return
		}
	}
}

// exec applies a command and the follow-ups its plan produced (offers that
// failed become rejections) before taking the next one.
func (o *Owner) exec(ctx context.Context, c command) {
	if !c.quiet {
		o.changed = true
	}
	o.follow = append(o.follow[:0], c)
	var first error
	for i := 0; i < len(o.follow); i++ {
		now := o.cfg.Clock.Now()
		ds, err := o.follow[i].apply(now, o.core)
		o.count(func(k *Counters) { k.Commands++; k.Decisions += int64(len(ds)) })
		if err == nil {
			o.applyPlan(ctx, now, ds)
		}
		if i == 0 {
			first = err
		}
	}
	if c.reply != nil { // after the follow-ups: the caller sees the whole effect
		c.reply <- first
	}
	if len(o.pending) >= o.cfg.FlushSize {
		o.flushHistory(ctx)
	}
}

// drain ends the goroutine: pending commands fail, history is written, the
// snapshot saved and every subscriber closed.
func (o *Owner) drain(ctx context.Context) {
	for {
		select {
		case c := <-o.inbox:
			if c.reply != nil {
				c.reply <- ErrStopped
			}
			continue
		default:
		}
		break
	}
	for _, t := range o.timers {
		t.Stop()
	}
	o.flushT.Stop()
	if o.statsT != nil {
		o.statsT.Stop()
	}
	o.flushHistory(ctx)
	o.saveSnapshot(ctx, o.cfg.Clock.Now())
	o.subs.closeAll("owner stopped")
}

func (o *Owner) saveSnapshot(ctx context.Context, now time.Time) {
	if o.cfg.Snapshots == nil {
		return
	}
	o.lastSnap, o.changed = now, false
	snap := o.core.Snapshot()
	o.write(func(ctx context.Context) {
		if err := o.cfg.Snapshots.SaveACDSnapshot(ctx, o.tenant, snap); err != nil {
			o.log.Error("acd snapshot not saved", "err", err)
		}
	})
}

// Stop ends the owner goroutine and waits for it (or for ctx).
func (o *Owner) Stop(ctx context.Context) error {
	o.stopOnce.Do(func() { close(o.quit) })
	select {
	case <-o.done:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// do sends a command and waits for its result.
func (o *Owner) do(ctx context.Context, f func(now time.Time, d *acd.ACD) ([]acd.Decision, error)) error {
	return o.doCommand(ctx, command{apply: f, reply: make(chan error, 1)})
}

// doCommand is do with a command of the caller's.
func (o *Owner) doCommand(ctx context.Context, c command) error {
	select {
	case o.inbox <- c:
	case <-o.quit:
		return ErrStopped
	case <-ctx.Done():
		return context.Cause(ctx)
	}
	select {
	case err := <-c.reply:
		return err
	case <-o.done:
		return ErrStopped
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// post sends a command without waiting (timers).
func (o *Owner) post(f func(now time.Time, d *acd.ACD) ([]acd.Decision, error)) {
	o.send(command{apply: f})
}

func (o *Owner) send(c command) {
	select {
	case o.inbox <- c:
	case <-o.quit:
	}
}

func (o *Owner) count(f func(*Counters)) {
	o.countMu.Lock()
	f(&o.counters)
	o.countMu.Unlock()
}

// Counters returns the owner's health figures.
func (o *Owner) Counters() Counters {
	o.countMu.Lock()
	defer o.countMu.Unlock()
	return o.counters
}

// Tenant is the owner's tenant.
func (o *Owner) Tenant() string { return o.tenant }

// StateNow is agent's state as of the last transition the owner applied,
// read without waiting for the owner; false when the ACD never had the
// agent.
func (o *Owner) StateNow(agent string) (acd.State, bool) {
	v, ok := o.states.Load(agent)
	if !ok {
		return acd.LoggedOut, false
	}
	return v.(acd.State), true
}
