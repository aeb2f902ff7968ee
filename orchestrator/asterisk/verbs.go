package asterisk

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/CyCoreSystems/ari/v6"

	"github.com/switchboard-cc/switchboard/orchestrator"
)

var _ orchestrator.Switch = (*Adapter)(nil)
var _ orchestrator.InboundAcceptor = (*Adapter)(nil)
var _ orchestrator.NodeWatcher = (*Adapter)(nil)

// Bridge IDs are the controller's: pairs (BridgeCalls, Bridge,
// JoinOnAnswer) are destroyed when a leg leaves; rooms when asked.
const (
	pairPrefix  = "sb-pair-"
	roomPrefix  = "sb-room-"
	spyPrefix   = "sb-pair-spy-"
	snoopPrefix = "sb-snoop-"
)

// CauseError is an originate or bridge leg that ended before it answered.
type CauseError struct{ Cause orchestrator.HangupCause }

func (e *CauseError) Error() string { return "leg ended before answering: " + string(e.Cause) }

// EndpointName is the PJSIP endpoint of a user of a tenant domain:
// "<user>" without a domain, "<user>-<domain>" with one (the served
// configuration names tenants' endpoints so they never collide).
func EndpointName(user, domain string) string {
	if domain == "" {
		return user
	}
	return user + "-" + domain
}

func splitUser(res string) (user, domain string) {
	user, domain, _ = strings.Cut(res, "-")
	return user, domain
}

func (a *Adapter) dialString(ep orchestrator.Endpoint) (string, error) {
	switch ep.Kind {
	case orchestrator.EndpointUser:
		return "PJSIP/" + EndpointName(ep.User, ep.Domain), nil
	case orchestrator.EndpointGateway:
		return "PJSIP/" + ep.Number + "@" + ep.Gateway, nil
	}
	return "", fmt.Errorf("%w: endpoint kind %d", orchestrator.ErrUnsupported, ep.Kind)
}

// lookup finds a tracked call of this node.
func (a *Adapter) lookup(k orchestrator.Key) (*callState, error) {
	if err := a.checkNode(k); err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.calls[k.ID]
	if c == nil {
		return nil, fmt.Errorf("%w: %s", orchestrator.ErrNoSuchCall, k)
	}
	return c, nil
}

// watch registers interest in c's next event that matches.
func (a *Adapter) watch(c *callState, match func(ari.Event) bool) *waiter {
	a.mu.Lock()
	defer a.mu.Unlock()
	return c.waitLocked(match)
}

// await waits for w, the call's end (ErrCallEnded) or ctx.
func await(ctx context.Context, c *callState, w *waiter) (ari.Event, error) {
	select {
	case ev := <-w.ch:
		return ev, nil
	case <-c.endedCh:
		select {
		case ev := <-w.ch:
			return ev, nil
		default:
		}
		return nil, fmt.Errorf("%w: %s", orchestrator.ErrCallEnded, c.key)
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// Answer answers and returns when the channel is Up (ChannelStateChange,
// which can beat the 204, captures 02-06).
func (a *Adapter) Answer(ctx context.Context, k orchestrator.Key) error {
	c, err := a.lookup(k)
	if err != nil {
		return err
	}
	w := a.watch(c, func(ev ari.Event) bool {
		sc, ok := ev.(*ari.ChannelStateChange)
		return ok && sc.Channel.State == "Up"
	})
	a.mu.Lock()
	up := c.up
	a.mu.Unlock()
	if up {
		return nil
	}
	if err := a.chanCall(ctx, "POST", k.ID, "/answer", nil); err != nil {
		return err
	}
	_, err = await(ctx, c, w)
	return err
}

var _ orchestrator.AnswerStarter = (*Adapter)(nil)

// StartAnswer sends the answer and returns once Asterisk took it (ARI
// answers before its 204, so requests sent afterwards run after it); the
// channel reports the ChannelStateChange Up (nil), or ErrCallEnded.
func (a *Adapter) StartAnswer(ctx context.Context, k orchestrator.Key) (<-chan error, error) {
	c, err := a.lookup(k)
	if err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	a.mu.Lock()
	if c.up {
		done <- nil
	} else {
		c.onUp = append(c.onUp, done)
	}
	a.mu.Unlock()
	if err := a.chanCall(ctx, "POST", k.ID, "/answer", nil); err != nil {
		return nil, err
	}
	return done, nil
}

// PreAnswer indicates ringing (POST /ring, a 180). ARI has no verb for 183
// with early media; the call is not answered.
func (a *Adapter) PreAnswer(ctx context.Context, k orchestrator.Key) error {
	if _, err := a.lookup(k); err != nil {
		return err
	}
	return a.chanCall(ctx, "POST", k.ID, "/ring", nil)
}

// mediaURI renders a file for ARI: a URI with a scheme ARI knows as is,
// a path as sound:<path without extension>.
func mediaURI(f string) string {
	for _, s := range []string{"sound:", "tone:", "recording:", "digits:", "number:", "characters:"} {
		if strings.HasPrefix(f, s) {
			return f
		}
	}
	return "sound:" + strings.TrimSuffix(f, filepath.Ext(f))
}

func toneURI(t orchestrator.Tone) string {
	switch t {
	case orchestrator.ToneHoldFallback:
		return "tone:!440/200,!0/4800"
	case orchestrator.ToneBusy:
		return "tone:busy"
	case orchestrator.ToneReorder:
		return "tone:congestion"
	case orchestrator.ToneRecordBeep:
		return "sound:beep"
	}
	return ""
}

// Play plays each file in turn (a Loop again until StopPlay) and returns
// when the media finished (PlaybackFinished), was stopped or the call ended.
func (a *Adapter) Play(ctx context.Context, k orchestrator.Key, p orchestrator.Playback) error {
	c, err := a.lookup(k)
	if err != nil {
		return err
	}
	var media []string
	switch {
	case p.Text != "":
		return fmt.Errorf("%w: text to speech through ARI", orchestrator.ErrUnsupported)
	case p.Tone != orchestrator.ToneNone:
		media = []string{toneURI(p.Tone)}
	default:
		for _, f := range p.Files {
			media = append(media, mediaURI(f))
		}
	}
	if len(media) == 0 {
		return errors.New("asterisk: nothing to play")
	}
	a.mu.Lock()
	c.stopPlay = false
	a.mu.Unlock()
	for {
		for _, m := range media {
			stopped, err := a.playOne(ctx, c, m)
			if err != nil || stopped {
				return err
			}
		}
		if !p.Loop {
			return nil
		}
	}
}

// playOne plays one media with a controller-chosen playback ID.
func (a *Adapter) playOne(ctx context.Context, c *callState, media string) (stopped bool, err error) {
	id := orchestrator.NewCallID()
	w := a.watch(c, func(ev ari.Event) bool {
		pf, ok := ev.(*ari.PlaybackFinished)
		return ok && pf.Playback.ID == id
	})
	a.mu.Lock()
	if c.stopPlay {
		a.mu.Unlock()
		return true, nil
	}
	c.playback = id
	a.mu.Unlock()
	if err := a.chanCall(ctx, "POST", c.key.ID, "/play/"+url.PathEscape(id), url.Values{"media": {media}}); err != nil {
		return false, err
	}
	if _, err := await(ctx, c, w); err != nil {
		if ctx.Err() != nil {
			a.call(context.Background(), "DELETE", "/playbacks/"+url.PathEscape(id), nil, nil, nil)
		}
		return false, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return c.stopPlay, nil
}

// StopPlay stops what Play plays (a loop too) and returns when it stopped.
func (a *Adapter) StopPlay(ctx context.Context, k orchestrator.Key) error {
	c, err := a.lookup(k)
	if err != nil {
		return err
	}
	a.mu.Lock()
	c.stopPlay = true
	id := c.playback
	a.mu.Unlock()
	if id == "" {
		return nil
	}
	w := a.watch(c, func(ev ari.Event) bool {
		pf, ok := ev.(*ari.PlaybackFinished)
		return ok && pf.Playback.ID == id
	})
	err = a.call(ctx, "DELETE", "/playbacks/"+url.PathEscape(id), nil, nil, nil)
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == 404 { // it had finished
		return nil
	}
	if err != nil {
		return err
	}
	_, err = await(ctx, c, w)
	return err
}

// Hold holds the call (POST /hold). ARI confirms a hold it was asked for
// with the 204 only (no ChannelHold, capture 06), and answers 404 for an
// unknown channel (capture 01), so EventHeld is reported after the 204.
func (a *Adapter) Hold(ctx context.Context, k orchestrator.Key) error {
	return a.holdVerb(ctx, k, "POST", orchestrator.EventHeld)
}

// Unhold takes the call off hold (DELETE /hold), EventUnheld after the 204.
func (a *Adapter) Unhold(ctx context.Context, k orchestrator.Key) error {
	return a.holdVerb(ctx, k, "DELETE", orchestrator.EventUnheld)
}

func (a *Adapter) holdVerb(ctx context.Context, k orchestrator.Key, method string, kind orchestrator.EventKind) error {
	if err := a.checkNode(k); err != nil {
		return err
	}
	if err := a.chanCall(ctx, method, k.ID, "/hold", nil); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if c := a.calls[k.ID]; c != nil {
		a.emitLocked(c, orchestrator.Event{Kind: kind})
	}
	return nil
}

// Mute stops the call's own audio reaching the others (direction in).
func (a *Adapter) Mute(ctx context.Context, k orchestrator.Key) error {
	if err := a.checkNode(k); err != nil {
		return err
	}
	return a.chanCall(ctx, "POST", k.ID, "/mute", url.Values{"direction": {"in"}})
}

// Unmute undoes Mute.
func (a *Adapter) Unmute(ctx context.Context, k orchestrator.Key) error {
	if err := a.checkNode(k); err != nil {
		return err
	}
	return a.chanCall(ctx, "DELETE", k.ID, "/mute", url.Values{"direction": {"in"}})
}

// recName is the ARI recording name for a path: its base name without
// extension (ARI records into its own directory, as <name>.<format>).
func recName(path string) (name, format string) {
	ext := filepath.Ext(path)
	format = strings.TrimPrefix(ext, ".")
	if format == "" {
		format = "wav"
	}
	return strings.TrimSuffix(filepath.Base(path), ext), format
}

// RecordStart records the call; it returns on RecordingStarted (which can
// beat the 201, capture 06).
func (a *Adapter) RecordStart(ctx context.Context, k orchestrator.Key, path string) error {
	c, err := a.lookup(k)
	if err != nil {
		return err
	}
	name, format := recName(path)
	a.mu.Lock()
	c.recs[name] = path
	a.mu.Unlock()
	w := a.watch(c, func(ev ari.Event) bool {
		rs, ok := ev.(*ari.RecordingStarted)
		return ok && rs.Recording.Name == name
	})
	q := url.Values{"name": {name}, "format": {format}, "ifExists": {"overwrite"}}
	if err := a.chanCall(ctx, "POST", k.ID, "/record", q); err != nil {
		return err
	}
	_, err = await(ctx, c, w)
	return err
}

// RecordStop stops the recording and returns on RecordingFinished.
func (a *Adapter) RecordStop(ctx context.Context, k orchestrator.Key, path string) error {
	c, err := a.lookup(k)
	if err != nil {
		return err
	}
	name, _ := recName(path)
	w := a.watch(c, func(ev ari.Event) bool {
		rf, ok := ev.(*ari.RecordingFinished)
		return ok && rf.Recording.Name == name
	})
	if err := a.call(ctx, "POST", "/recordings/live/"+url.PathEscape(name)+"/stop", nil, nil, nil); err != nil {
		return err
	}
	_, err = await(ctx, c, w)
	return err
}

// BlindTransfer continues the call in the dialplan (TransferContext,
// destination, priority 1); it returns on StasisEnd, which ends the stream.
func (a *Adapter) BlindTransfer(ctx context.Context, k orchestrator.Key, destination string) error {
	c, err := a.lookup(k)
	if err != nil {
		return err
	}
	q := url.Values{"context": {a.opts.TransferContext}, "extension": {destination}, "priority": {"1"}}
	if err := a.chanCall(ctx, "POST", k.ID, "/continue", q); err != nil {
		return err
	}
	select {
	case <-c.endedCh:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// SetVar sets a channel variable (ChannelVarset confirms it; the 204 comes
// after it, capture 06).
func (a *Adapter) SetVar(ctx context.Context, k orchestrator.Key, name, value string) error {
	if err := a.checkNode(k); err != nil {
		return err
	}
	return a.chanCall(ctx, "POST", k.ID, "/variable", url.Values{"variable": {name}, "value": {value}})
}

// GetVar reads a channel variable; an unset one is "".
func (a *Adapter) GetVar(ctx context.Context, k orchestrator.Key, name string) (string, error) {
	if err := a.checkNode(k); err != nil {
		return "", err
	}
	var v struct {
		Value string `json:"value"`
	}
	err := a.call(ctx, "GET", "/channels/"+url.PathEscape(k.ID)+"/variable", url.Values{"variable": {name}}, nil, &v)
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == 404 && strings.Contains(ae.Message, "variable was not found") {
		return "", nil
	}
	return v.Value, noSuchCall(err, k.ID)
}

// SendDTMF sends digits to the call.
func (a *Adapter) SendDTMF(ctx context.Context, k orchestrator.Key, digits string) error {
	if err := a.checkNode(k); err != nil {
		return err
	}
	if digits == "" || strings.Trim(digits, "0123456789*#ABCDabcd") != "" {
		return fmt.Errorf("asterisk: DTMF digits %q", digits)
	}
	return a.chanCall(ctx, "POST", k.ID, "/dtmf", url.Values{"dtmf": {digits}})
}

// Hangup hangs the call up with cause (DELETE ?reason_code=) and returns
// when control of it ended. The stream's EventHangup carries cause: ARI's
// own events say 32 (the soft-hangup flag) for any DELETE and a caller
// from the dialplan never gets ChannelDestroyed (captures 02-05).
func (a *Adapter) Hangup(ctx context.Context, k orchestrator.Key, cause orchestrator.HangupCause) error {
	if err := a.checkNode(k); err != nil {
		return err
	}
	a.mu.Lock()
	c := a.calls[k.ID]
	if c != nil && c.cause == "" {
		c.cause = cause
	}
	a.mu.Unlock()
	err := a.chanCall(ctx, "DELETE", k.ID, "", url.Values{"reason_code": {strconv.Itoa(reasonCode(cause))}})
	if err != nil || c == nil {
		return err
	}
	select {
	case <-c.endedCh:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// hangupAsyncLocked hangs up a channel of the adapter's own (a Bridge leg,
// a snoop) without making the WebSocket reader wait on HTTP.
func (a *Adapter) hangupAsyncLocked(id string) {
	if a.ctx.Err() != nil {
		return
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		ctx, cancel := context.WithTimeout(a.ctx, 10*time.Second)
		defer cancel()
		a.chanCall(ctx, "DELETE", id, "", url.Values{"reason_code": {"16"}})
	}()
}

// destroyBridgeLocked destroys a pair bridge a leg left (asynchronously:
// the WebSocket reader never waits on HTTP); the one left in it leaves.
func (a *Adapter) destroyBridgeLocked(id string) {
	if a.ctx.Err() != nil {
		return
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		ctx, cancel := context.WithTimeout(a.ctx, 10*time.Second)
		defer cancel()
		a.call(ctx, "DELETE", "/bridges/"+url.PathEscape(id), nil, nil, nil)
	}()
}
