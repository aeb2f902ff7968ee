package freeswitch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
)

// Answer answers the call and confirms it from the answer app's completion
// (Answer-State) or a CHANNEL_ANSWER event.
func (a *Adapter) Answer(ctx context.Context, key orchestrator.Key) error {
	return a.answer(ctx, key, "answer", "answered")
}

// PreAnswer sends early media (183) and confirms Answer-State early.
func (a *Adapter) PreAnswer(ctx context.Context, key orchestrator.Key) error {
	return a.answer(ctx, key, "pre_answer", "early")
}

var _ orchestrator.AnswerStarter = (*Adapter)(nil)

// StartAnswer sends the answer app and returns once it is written to the
// call's connection, without waiting for the sendmsg reply: a command sent
// on the call afterwards is written after it, so FreeSWITCH runs it after
// the answer. The outcome comes on the returned channel: the app's
// completion, a refused sendmsg, the call's end, or a timeout (ctx's
// deadline, else CommandTimeout), with no goroutine waiting for it: the
// connection's reader delivers it, one hand-off to the caller instead of
// the three a reply, a waiting goroutine and its relay took. A caller that
// stops listening (its ctx ended) leaves the result in the channel's
// buffer.
func (a *Adapter) StartAnswer(ctx context.Context, key orchestrator.Key) (<-chan error, error) {
	c, err := a.lookup(key)
	if err != nil {
		return nil, err
	}
	timeout := a.opts.CommandTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	id := uuid.NewString()
	done := make(chan error, 1) // told once: fire is
	w, err := c.awaitFunc(isComplete(id), timeout, func(ev *esl.Event, err error) {
		if err == nil {
			err = confirmAnswerLocked(c, ev, "answer", "answered")
		}
		done <- err
	})
	if err != nil {
		return nil, err
	}
	conn, err := a.ctl(c)
	if err == nil {
		err = conn.SendNoWait(ctx, appFrame(c, id, "answer", ""), func(err error) { c.failWaiter(w, a.mapErr(c, err)) })
	}
	if err != nil {
		c.cancel(w)
		return nil, a.mapErr(c, err)
	}
	return done, nil
}

func (a *Adapter) answer(ctx context.Context, key orchestrator.Key, app, state string) error {
	c, err := a.lookup(key)
	if err != nil {
		return err
	}
	ctx, cancel := a.bound(ctx)
	defer cancel()
	ev, err := a.execute(ctx, c, app, "")
	if err != nil {
		return err
	}
	return a.confirmAnswer(c, ev, app, state)
}

// confirmAnswer checks the completion of an answer or pre_answer app.
func (a *Adapter) confirmAnswer(c *call, ev *esl.Event, app, state string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return confirmAnswerLocked(c, ev, app, state)
}

// confirmAnswerLocked is confirmAnswer with c.mu held.
func confirmAnswerLocked(c *call, ev *esl.Event, app, state string) error {
	got := ev.Get("Answer-State")
	if got == state || got == "answered" || c.answered {
		return nil
	}
	if c.cause != "" || c.ended {
		return errorf(orchestrator.ErrCallEnded, "%s %s", app, c.key)
	}
	return errorf(ErrNotConfirmed, "%s %s: Answer-State %q", app, c.key, got)
}

// Play plays p and returns when it finished, was stopped, or the call ended
// (ErrCallEnded). A missing file is an error. A Loop plays the media again
// each time it ends, until StopPlay: FreeSWITCH's endless_playback ignores
// uuid_break (it loops on a break; only a hangup or transfer ends it), so the
// controller does the looping and a break ends the current round.
func (a *Adapter) Play(ctx context.Context, key orchestrator.Key, p orchestrator.Playback) error {
	app, arg, err := a.playbackApp(p)
	if err != nil {
		return err
	}
	c, err := a.lookup(key)
	if err != nil {
		return err
	}
	gen, joins := c.stopGeneration(), c.joinCount()
	if p.Loop && app == "playback" {
		defer c.playingMusic(arg)()
	}
	for {
		ev, err := a.executePlay(ctx, c, app, arg, gen)
		if errors.Is(err, errPlayStopped) {
			return nil
		}
		if err != nil {
			return err
		}
		if c.hungUp() {
			return errorf(orchestrator.ErrCallEnded, "play on %s", key)
		}
		if resp := ev.Get("Application-Response"); strings.Contains(resp, "NOT FOUND") {
			return errorf(ErrMediaFailed, "play %q on %s: %s", arg, key, resp)
		}
		if !p.Loop || c.takenForJoin(ev, joins) {
			return nil
		}
	}
}

// takenForJoin reports whether a looping Play must stop because the switch
// joined the call with an answered leg (JoinOnAnswer) since the Play began
// (joins confirmed then), or may be joining it now: the round was cut short
// (intercept breaks the media) or completed with the channel outside its
// application. Another round would play over the bridge.
func (c *call) takenForJoin(complete *esl.Event, joinsAtStart uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.joined != joinsAtStart {
		return true
	}
	return c.joinsPending > 0 && (c.playBroke || complete.Get("Channel-State") != "CS_EXECUTE")
}

// errPlayStopped: a StopPlay came after the Play began, so the next round of
// a Loop is not started.
var errPlayStopped = errors.New("freeswitch: play stopped")

func (a *Adapter) playbackApp(p orchestrator.Playback) (app, arg string, err error) {
	set := 0
	for _, given := range []bool{p.Text != "", len(p.Files) > 0, p.Tone != orchestrator.ToneNone} {
		if given {
			set++
		}
	}
	if set != 1 {
		return "", "", errorf(ErrBadArgument, "playback needs exactly one of Files, Text or Tone")
	}
	if p.Tone != orchestrator.ToneNone {
		s, ok := ToneStream(p.Tone)
		if !ok {
			return "", "", errorf(ErrBadArgument, "tone %s has no tone_stream", p.Tone)
		}
		return "playback", s, nil
	}
	if p.Text != "" {
		voice := p.Voice
		if voice == "" {
			voice = a.opts.TTSVoice
		}
		if strings.Contains(voice, "|") {
			return "", "", errorf(ErrBadArgument, "voice %q contains '|'", voice)
		}
		return "speak", a.opts.TTSEngine + "|" + voice + "|" + p.Text, nil
	}
	forbidden := "" // file_string:// separates files with "!"
	if len(p.Files) > 1 {
		forbidden = "!"
	}
	for _, f := range p.Files {
		if err := checkArg("file", f, forbidden); err != nil {
			return "", "", err
		}
	}
	arg = p.Files[0]
	if len(p.Files) > 1 {
		arg = "file_string://" + strings.Join(p.Files, "!")
	}
	return "playback", arg, nil
}

// StopPlay stops the media playing on the call (uuid_break all) and, if a
// Play is in progress, waits until FreeSWITCH reports it complete. Whether a
// Play is in progress is judged by the completions dispatched so far, in the
// same step that registers the waiter: a Play that completed on its own just
// before is not waited for.
func (a *Adapter) StopPlay(ctx context.Context, key orchestrator.Key) error {
	c, err := a.lookup(key)
	if err != nil {
		return err
	}
	ctx, cancel := a.bound(ctx)
	defer cancel()
	w, err := c.awaitPlaysDone()
	if err != nil {
		return err
	}
	if w == nil {
		_, err := a.api(ctx, c, "uuid_break "+key.ID+" all")
		return err
	}
	defer c.cancel(w)
	if _, err := a.api(ctx, c, "uuid_break "+key.ID+" all"); err != nil {
		return err
	}
	_, err = c.wait(ctx, w)
	return err
}

// executePlay runs a media app like execute, tracking it in c.plays until
// its completion is dispatched (or the wait is given up). It starts nothing
// if a StopPlay came since generation gen. While an offer's bridge
// application rings on the call it waits: a media app sent now would run
// inside the ringing and hold up the join (join.go); after a join it starts
// nothing, after a failed offer it goes on. A media app the switch joined
// the call away from (the bridge application runs inside it) returns
// errPlayStopped at the join.
func (a *Adapter) executePlay(ctx context.Context, c *call, app, arg string, gen uint64) (*esl.Event, error) {
	id := uuid.NewString()
	w, err := c.await(isComplete(id), false, 1)
	if err != nil {
		return nil, err
	}
	defer c.cancel(w)
	var joinedAway <-chan struct{}
	for {
		c.join.sendMu.Lock() // the check and the send in one step against an offer's bridge
		c.mu.Lock()
		if c.stops != gen {
			c.mu.Unlock()
			c.join.sendMu.Unlock()
			return nil, errPlayStopped
		}
		o := c.join.offer
		if o == nil || o.joined {
			if c.join.joinedAway == nil {
				c.join.joinedAway = make(chan struct{})
			}
			joinedAway = c.join.joinedAway
			break
		}
		settled := o.settled
		c.mu.Unlock()
		c.join.sendMu.Unlock()
		select {
		case <-settled:
		case <-c.endCh:
			return nil, errorf(orchestrator.ErrCallEnded, "play on %s", c.key)
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
		c.mu.Lock()
		joined := o.joined
		c.mu.Unlock()
		if joined {
			return nil, errPlayStopped // the call was joined while this waited: what it played is over
		}
	}
	c.plays = append(c.plays, id)
	c.playBroke = false
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.playDoneLocked(id) // given up (ctx, send error, joined away): no longer waited for
		c.mu.Unlock()
	}()
	err = a.sendApp(ctx, c, id, app, arg)
	c.join.sendMu.Unlock()
	if err != nil {
		return nil, err
	}
	return c.waitOr(ctx, w, joinedAway, errPlayStopped)
}

// playingMusic records arg as what the call's looping Play plays, until the
// returned func is called.
func (c *call) playingMusic(arg string) func() {
	c.mu.Lock()
	c.join.music = arg
	c.mu.Unlock()
	return func() {
		c.mu.Lock()
		if c.join.music == arg {
			c.join.music = ""
		}
		c.mu.Unlock()
	}
}

// stopGeneration is the number of StopPlays so far.
func (c *call) stopGeneration() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stops
}

// playing reports whether a Play's completion is still to come.
func (c *call) playing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.plays) > 0
}

func (c *call) playDoneLocked(id string) {
	if i := slices.Index(c.plays, id); i >= 0 {
		c.plays = slices.Delete(c.plays, i, i+1)
	}
	if i := slices.Index(c.join.frozen, id); i >= 0 {
		c.join.frozen = slices.Delete(c.join.frozen, i, i+1)
	}
}

// awaitPlaysDone registers a waiter for the completion of the Plays in
// progress, or returns nil if there are none.
func (c *call) awaitPlaysDone() (*waiter, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return nil, fmt.Errorf("freeswitch: %s: %w", c.key, orchestrator.ErrCallEnded)
	}
	c.stops++ // a looping Play starts no further round
	if len(c.plays) == 0 {
		return nil, nil
	}
	ids := slices.Clone(c.plays)
	w := &waiter{ch: make(chan *esl.Event, 1), match: func(ev *esl.Event) bool {
		return ev.Name() == "CHANNEL_EXECUTE_COMPLETE" && slices.Contains(ids, ev.Get("Application-UUID"))
	}}
	c.waiters = append(c.waiters, w)
	return w, nil
}

// RecordStart starts recording the call into path (uuid_record) and confirms
// with RECORD_START for that path.
func (a *Adapter) RecordStart(ctx context.Context, key orchestrator.Key, path string) error {
	return a.record(ctx, key, path, "start", "RECORD_START")
}

// RecordStop stops the recording into path and confirms with RECORD_STOP.
func (a *Adapter) RecordStop(ctx context.Context, key orchestrator.Key, path string) error {
	return a.record(ctx, key, path, "stop", "RECORD_STOP")
}

func (a *Adapter) record(ctx context.Context, key orchestrator.Key, path, verb, event string) error {
	if err := checkArg("recording path", path, " "); err != nil {
		return err
	}
	c, err := a.lookup(key)
	if err != nil {
		return err
	}
	_, err = a.confirmAPI(ctx, c, "uuid_record "+key.ID+" "+verb+" "+path, func(ev *esl.Event) bool {
		return ev.Name() == event && ev.Get("Record-File-Path") == path
	})
	return err
}
