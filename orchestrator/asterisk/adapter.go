package asterisk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-cc/switchboard/orchestrator"
)

// Options configures one Asterisk node.
type Options struct {
	// Node is the node name in Keys.
	Node string
	// URL is ARI's base, e.g. http://127.0.0.1:8088/ari.
	URL            string
	User, Password string
	// App is the Stasis application; "" means switchboard.
	App string
	// TransferContext is the dialplan context BlindTransfer continues in;
	// "" means from-sipp (docs/asterisk-setup.md's entry context).
	TransferContext string
	// HTTPClient sends the REST requests; nil means one with a 10 s timeout.
	HTTPClient *http.Client
	Logger     *slog.Logger
	// Redial is the wait between WebSocket attempts; 0 means 200 ms.
	Redial time.Duration
	// LostAfter is how long the node may stay unreachable before its calls
	// are given up (their streams end, their contexts with ErrNodeDown); a
	// reconnect within it resynchronises them instead. 0 means 5 s.
	LostAfter time.Duration
}

// Adapter drives one Asterisk node through ARI.
type Adapter struct {
	opts  Options
	http  *http.Client
	log   *slog.Logger
	seq   atomic.Uint64
	nodeQ *queue[orchestrator.NodeEvent]

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	stop   chan struct{}

	mu        sync.Mutex
	calls     map[string]*callState
	handler   orchestrator.CallHandler
	pending   []*callState // inbound calls that arrived before ServeCalls
	endpoints map[string]string
	recent    [dedupeWindow]string
	recentN   int
	up        bool
}

// New builds an adapter; Start connects it.
func New(opts Options) (*Adapter, error) {
	if opts.Node == "" || opts.URL == "" {
		return nil, errors.New("asterisk: Node and URL are required")
	}
	if opts.App == "" {
		opts.App = "switchboard"
	}
	if opts.TransferContext == "" {
		opts.TransferContext = "from-sipp"
	}
	if opts.Redial == 0 {
		opts.Redial = 200 * time.Millisecond
	}
	if opts.LostAfter == 0 {
		opts.LostAfter = 5 * time.Second
	}
	a := &Adapter{opts: opts, http: opts.HTTPClient, log: opts.Logger, nodeQ: newQueue[orchestrator.NodeEvent](),
		calls: map[string]*callState{}, endpoints: map[string]string{}, stop: make(chan struct{})}
	if a.http == nil {
		a.http = &http.Client{Timeout: 10 * time.Second}
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	a.ctx, a.cancel = context.WithCancel(context.Background())
	return a, nil
}

// Start connects the events WebSocket and keeps reconnecting until Close.
func (a *Adapter) Start() {
	a.wg.Add(2)
	go func() { defer a.wg.Done(); a.nodeQ.pump(a.stop) }()
	go func() { defer a.wg.Done(); a.run() }()
}

// Close stops every goroutine the adapter started.
func (a *Adapter) Close() error {
	a.cancel()
	close(a.stop)
	a.wg.Wait()
	return nil
}

// NodeEvents reports NodeUp (with the calls still in Stasis after a
// reconnect), NodeDown and registrations of PJSIP endpoints.
func (a *Adapter) NodeEvents() <-chan orchestrator.NodeEvent { return a.nodeQ.out }

// Backlog is how many events wait in the call queues and the node queue.
func (a *Adapter) Backlog() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := a.nodeQ.len()
	for _, c := range a.calls {
		if c.out != nil {
			n += c.out.len()
		}
	}
	return n
}

func (a *Adapter) key(id string) orchestrator.Key { return orchestrator.Key{Node: a.opts.Node, ID: id} }

func (a *Adapter) checkNode(k orchestrator.Key) error {
	if k.Node != a.opts.Node {
		return fmt.Errorf("%w: %s (this adapter drives %s)", orchestrator.ErrNoSuchCall, k, a.opts.Node)
	}
	return nil
}

// run keeps one events WebSocket: connect, subscribe to PJSIP endpoints,
// resynchronise, read until it breaks; NodeDown; again after Redial.
func (a *Adapter) run() {
	var downSince time.Time
	for a.ctx.Err() == nil {
		err := a.session()
		a.mu.Lock()
		wasUp := a.up
		a.up = false
		a.mu.Unlock()
		if !downSince.IsZero() && time.Since(downSince) > a.opts.LostAfter {
			a.loseCalls()
			downSince = time.Time{}
		}
		wait := a.opts.Redial
		if errors.Is(err, errReplaced) {
			// Another WebSocket took the app (another controller?): taking
			// it back at once would make the two take turns; wait.
			a.log.Error("asterisk: the Stasis app was taken by another WebSocket", "node", a.opts.Node, "app", a.opts.App)
			wait = a.opts.LostAfter
		}
		if wasUp {
			downSince = time.Now()
			reason := "websocket closed"
			if err != nil {
				reason = err.Error()
			}
			a.nodeQ.push(orchestrator.NodeEvent{Kind: orchestrator.NodeDown, Node: a.opts.Node, At: time.Now(), Reason: reason})
		}
		select {
		case <-a.ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// errReplaced: ApplicationReplaced came; Asterisk sends this WebSocket
// nothing more (capture 11).
var errReplaced = errors.New("application replaced by another WebSocket")

func (a *Adapter) session() error {
	u, err := url.Parse(a.opts.URL)
	if err != nil {
		return err
	}
	u.Scheme = strings.Replace(u.Scheme, "http", "ws", 1)
	u.Path += "/events"
	u.RawQuery = url.Values{"app": {a.opts.App}, "api_key": {a.opts.User + ":" + a.opts.Password}}.Encode()
	ctx, cancel := context.WithCancel(a.ctx)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, u.String(), nil)
	if err != nil {
		return err
	}
	defer ws.CloseNow()
	ws.SetReadLimit(16 << 20)
	// Interest first: events for the endpoints, then the channel list.
	q := url.Values{"eventSource": {"endpoint:PJSIP"}}
	if err := a.call(ctx, "POST", "/applications/"+url.PathEscape(a.opts.App)+"/subscription", q, nil, nil); err != nil {
		return err
	}
	frames := make(chan []byte, 1)
	readErr := make(chan error, 1)
	go func() { // the one reader; it ends when ws is closed (deferred above)
		for {
			_, b, err := ws.Read(ctx)
			if err != nil {
				readErr <- err
				close(frames)
				return
			}
			select {
			case frames <- b:
			case <-ctx.Done():
				close(frames)
				return
			}
		}
	}()
	calls, err := a.resync(ctx)
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.up = true
	a.mu.Unlock()
	a.nodeQ.push(orchestrator.NodeEvent{Kind: orchestrator.NodeUp, Node: a.opts.Node, At: time.Now(), Calls: calls})
	for b := range frames {
		if a.handleFrame(b) {
			return errReplaced
		}
	}
	select {
	case err := <-readErr:
		return err
	default:
		return ctx.Err()
	}
}

// loseCalls gives up every call after the node stayed unreachable for
// LostAfter: their streams end (no hangup was seen), their contexts end
// with ErrNodeDown.
func (a *Adapter) loseCalls() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, c := range a.calls {
		c.lost = true
		a.endLocked(c)
	}
}

// resync lists the node's channels: a call tracked here that is gone ended
// while the WebSocket was down (its events are never replayed, capture 11);
// the others go on. It returns the calls still up.
func (a *Adapter) resync(ctx context.Context) ([]orchestrator.Key, error) {
	var list []struct {
		ID string `json:"id"`
	}
	if err := a.call(ctx, "GET", "/channels", nil, nil, &list); err != nil {
		return nil, err
	}
	live := map[string]bool{}
	var keys []orchestrator.Key
	for _, c := range list {
		live[c.ID] = true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for id, c := range a.calls {
		if live[id] {
			keys = append(keys, c.key)
			continue
		}
		if !c.seen { // a leg being originated: tracked before it exists
			continue
		}
		a.hangupLocked(c, orchestrator.CauseNormalClearing)
		a.endLocked(c)
	}
	return keys, nil
}
