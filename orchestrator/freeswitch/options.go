package freeswitch

import (
	"errors"
	"log/slog"
	"net"
	"time"
)

// Node is one FreeSWITCH the controller drives.
type Node struct {
	Name     string // the node's name in Keys, e.g. "fs1"
	Addr     string // inbound event socket, host:port
	Password string
	// Switchname is FreeSWITCH-Switchname as the node reports it. Optional
	// and informational: an outbound socket is attributed to the node whose
	// socket token it carries (socketauth.go), even when nodes share an
	// address. A change still counts as a changed node for SetNodes.
	Switchname string
}

// Clock is the time the adapter uses: Now stamps events, After paces
// reconnects and digit timeouts. Tests pass a manual clock.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now().UTC() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Options configure an Adapter. Every field is optional.
type Options struct {
	// Nodes are the nodes to connect to at Start; SetNodes changes them later.
	Nodes []Node
	// ListenAddr is where ServeCalls accepts FreeSWITCH's `socket` connections
	// ("127.0.0.1:8084"); Listener, when set, is used instead (tests pass one
	// on port 0).
	ListenAddr string
	Listener   net.Listener
	Logger     *slog.Logger
	Clock      Clock
	// BackoffMin/Max bound the reconnect delay (doubling). Defaults 100 ms, 10 s.
	BackoffMin, BackoffMax time.Duration
	// HighWater is the per-call queue depth that raises the slow-consumer
	// alarm (log line + Stats.SlowConsumerAlarms). Default 1000.
	HighWater int
	// CommandTimeout bounds a verb's wait for its confirming event when ctx
	// has no deadline. Default 30 s; Play, Bridge and Collect wait as long as
	// the media or the ring time lasts.
	CommandTimeout time.Duration
	// HealthInterval is how often each node's health is checked again
	// (`sofia status`, `local_stream show`; wall time). Default 30 s.
	HealthInterval time.Duration
	// CheckMedia are media sources (the hold music, e.g.
	// "local_stream://moh") whose presence each node is asked about when it
	// connects and at every HealthInterval, so the call path knows a node
	// lacks them before a caller would hear it (NodeHealth.Media). Only
	// local_stream:// sources can be checked; others stay Unknown.
	CheckMedia []string
	// TTSEngine and TTSVoice are used for Playback.Text (speak app).
	// Defaults "flite", "kal".
	TTSEngine, TTSVoice string
}

// ErrConfig wraps every options problem.
var ErrConfig = errors.New("freeswitch: bad options")

func (o *Options) setDefaults() error {
	if err := validateNodes(o.Nodes); err != nil {
		return err
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	if o.BackoffMin <= 0 {
		o.BackoffMin = 100 * time.Millisecond
	}
	if o.BackoffMax < o.BackoffMin {
		o.BackoffMax = max(10*time.Second, o.BackoffMin)
	}
	if o.HighWater <= 0 {
		o.HighWater = 1000
	}
	if o.CommandTimeout <= 0 {
		o.CommandTimeout = 30 * time.Second
	}
	if o.HealthInterval <= 0 {
		o.HealthInterval = 30 * time.Second
	}
	if o.TTSEngine == "" {
		o.TTSEngine = "flite"
	}
	if o.TTSVoice == "" {
		o.TTSVoice = "kal"
	}
	return nil
}
