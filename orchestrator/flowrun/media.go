package flowrun

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/orchestrator"
)

// playback is media playing on the call. Player.Play blocks until the media
// ends, so it runs on a goroutine the loop owns: the loop keeps reading keys
// (barge-in, type-ahead) meanwhile, and always joins it (stopPlayback).
type playback struct {
	prompt  bool // a collect's prompt: its end starts the digit timeout
	done    chan struct{}
	stopped atomic.Bool // no further part may start
	broke   bool        // StopPlay was sent
	cancel  context.CancelFunc
}

func (p *playback) doneCh() <-chan struct{} {
	if p == nil {
		return nil
	}
	return p.done
}

// livePlaybacks counts playback goroutines, so tests can prove none
// outlives its call.
var livePlaybacks atomic.Int64

// startPlayback starts items; false if there is nothing to play.
func (in *instance) startPlayback(ctx context.Context, items []ivrflows.PlayItem, prompt bool) bool {
	if len(items) == 0 {
		return false
	}
	in.startParts(ctx, prompt, func(ctx context.Context) []orchestrator.Playback { return in.parts(ctx, items) })
	return true
}

// startParts plays what parts returns, one Play after the other, on the
// playback goroutine (parts may take time: text is rendered there).
func (in *instance) startParts(ctx context.Context, prompt bool, parts func(context.Context) []orchestrator.Playback) {
	in.stopPlayback(ctx) // never two playbacks at once
	pctx, cancel := context.WithCancel(ctx)
	p := &playback{prompt: prompt, done: make(chan struct{}), cancel: cancel}
	in.play = p
	livePlaybacks.Add(1)
	go func() {
		defer close(p.done)
		defer livePlaybacks.Add(-1) // before done: whoever saw done sees the count
		for _, part := range parts(pctx) {
			if p.stopped.Load() || pctx.Err() != nil {
				return
			}
			if err := in.r.cfg.Switch.Play(pctx, in.call.Key, part); err != nil && pctx.Err() == nil && !p.stopped.Load() {
				in.log.Warn("flowrun: play failed", "err", err)
			}
		}
	}()
}

// parts groups items into playbacks: runs of files (text made a file by the
// Prompter) play as one; without a Prompter, text is spoken by the switch.
// A text that cannot be rendered is skipped (logged): the call goes on.
func (in *instance) parts(ctx context.Context, items []ivrflows.PlayItem) []orchestrator.Playback {
	var out []orchestrator.Playback
	var files []string
	flush := func() {
		if len(files) > 0 {
			out = append(out, orchestrator.Playback{Files: files})
			files = nil
		}
	}
	for _, it := range items {
		switch {
		case it.File != "":
			files = append(files, it.File)
		case in.r.cfg.Prompter != nil:
			path, err := in.r.cfg.Prompter.Synthesize(ctx, it.Text, it.Voice)
			if err != nil {
				in.log.Warn("flowrun: tts failed; item skipped", "voice", it.Voice, "err", err)
				continue
			}
			files = append(files, path)
		default:
			flush()
			out = append(out, orchestrator.Playback{Text: it.Text, Voice: it.Voice})
		}
	}
	flush()
	return out
}

// breakPlayback asks the switch to stop the media (barge-in); the playback
// goroutine then ends and the loop feeds PlayDone.
func (in *instance) breakPlayback(ctx context.Context) {
	p := in.play
	if p == nil || p.broke {
		return
	}
	p.stopped.Store(true)
	p.broke = true
	in.sendStop(ctx)
}

// stopWait bounds one StopPlay: the media's end reaches the loop through the
// playback goroutine anyway, and a switch may wait for a completion that
// already passed (media ending on its own at the same moment).
const stopWait = 500 * time.Millisecond

func (in *instance) sendStop(ctx context.Context) {
	sctx, cancel := context.WithTimeout(ctx, stopWait)
	defer cancel()
	if err := in.r.cfg.Switch.StopPlay(sctx, in.call.Key); err != nil && ctx.Err() == nil && sctx.Err() == nil {
		in.log.Warn("flowrun: stop play failed", "err", err)
	}
}

// stopPlayback stops the media and waits for the playback goroutine, so the
// next media never overlaps it. A StopPlay can miss a part that was about to
// start, hence the retries.
func (in *instance) stopPlayback(ctx context.Context) {
	p := in.play
	if p == nil {
		return
	}
	in.play = nil
	p.stopped.Store(true)
	for i := 0; i < 5 && ctx.Err() == nil; i++ {
		in.sendStop(ctx)
		select {
		case <-p.done:
			p.cancel()
			return
		case <-time.After(stopWait):
		}
	}
	p.cancel()
	<-p.done
}

// waitPlayback lets the current playback finish; a key skips it. It reports
// false if the caller hung up.
func (in *instance) waitPlayback(ctx context.Context) bool {
	for in.play != nil {
		select {
		case <-in.play.done:
			in.play.cancel()
			in.play = nil
		case ev, ok := <-in.call.Events:
			switch in.event(ctx, ev, ok).(type) {
			case ivrflows.CallerHangup:
				return false
			case ivrflows.Digit:
				in.stopPlayback(ctx)
			}
		case <-ctx.Done():
			in.gone = true
			return false
		}
	}
	return !in.gone
}
