package freeswitch

import (
	"context"
	"regexp"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
)

// Collect gathers DTMF digits for up to spec.Tries attempts. Each attempt
// plays the prompt (a digit stops it with uuid_break), then waits for digits
// with the first-digit and inter-digit timeouts on the adapter's clock, which
// start when the prompt has finished. The reset key clears the entry. A
// failed attempt plays InvalidPrompt; digits pressed meanwhile are discarded.
func (a *Adapter) Collect(ctx context.Context, key orchestrator.Key, spec orchestrator.CollectSpec) (orchestrator.CollectResult, error) {
	pattern, err := compilePattern(spec.Pattern)
	if err != nil {
		return orchestrator.CollectResult{}, err
	}
	c, err := a.lookup(key)
	if err != nil {
		return orchestrator.CollectResult{}, err
	}
	digits, err := c.await(named("DTMF"), true, 256)
	if err != nil {
		return orchestrator.CollectResult{}, err
	}
	defer c.cancel(digits)
	var res orchestrator.CollectResult
	for try := 0; try < max(spec.Tries, 1); try++ {
		if try > 0 {
			if err := a.playPrompt(ctx, key, spec.InvalidPrompt); err != nil {
				return res, err
			}
			drain(digits.ch)
		}
		if res, err = a.collectOnce(ctx, c, digits, spec, pattern); err != nil || res.Valid {
			return res, err
		}
	}
	return res, nil
}

func (a *Adapter) playPrompt(ctx context.Context, key orchestrator.Key, files []string) error {
	if len(files) == 0 {
		return nil
	}
	return a.Play(ctx, key, orchestrator.Playback{Files: files})
}

// collectOnce runs one attempt.
func (a *Adapter) collectOnce(ctx context.Context, c *call, digits *waiter, spec orchestrator.CollectSpec, pattern *regexp.Regexp) (orchestrator.CollectResult, error) {
	k := &collector{spec: spec}
	prompt, err := a.startPrompt(ctx, c, spec.Prompt)
	if err != nil {
		return orchestrator.CollectResult{}, err
	}
	defer a.stopPrompt(c, prompt)
	var timer <-chan time.Time
	if prompt == nil {
		timer = a.clock.After(k.wait())
	}
	for !k.done {
		select {
		case ev := <-digits.ch:
			a.breakPrompt(ctx, c, prompt)
			k.digit(ev.Get("DTMF-Digit"))
			timer = a.clock.After(k.wait())
		case <-promptDone(prompt):
			prompt.done = nil
			if timer == nil {
				timer = a.clock.After(k.wait())
			}
		case <-timer:
			k.timeout()
		case <-c.endCh:
			return k.result(nil), errorf(orchestrator.ErrCallEnded, "collect on %s", c.key)
		case <-ctx.Done():
			return k.result(nil), context.Cause(ctx)
		}
	}
	return k.result(pattern), nil
}

// prompt is a playback started without waiting for it.
type prompt struct {
	w      *waiter
	done   <-chan *esl.Event // nil once seen
	broken bool
}

func (a *Adapter) startPrompt(ctx context.Context, c *call, files []string) (*prompt, error) {
	if len(files) == 0 {
		return nil, nil
	}
	app, arg, err := a.playbackApp(orchestrator.Playback{Files: files})
	if err != nil {
		return nil, err
	}
	id := newID()
	w, err := c.await(isComplete(id), false, 1)
	if err != nil {
		return nil, err
	}
	if err := a.sendApp(ctx, c, id, app, arg); err != nil {
		c.cancel(w)
		return nil, err
	}
	return &prompt{w: w, done: w.ch}, nil
}

func promptDone(p *prompt) <-chan *esl.Event {
	if p == nil {
		return nil
	}
	return p.done
}

// breakPrompt stops a prompt still playing when the first digit comes.
func (a *Adapter) breakPrompt(ctx context.Context, c *call, p *prompt) {
	if p == nil || p.done == nil || p.broken {
		return
	}
	p.broken = true
	if _, err := a.api(ctx, c, "uuid_break "+c.key.ID); err != nil {
		a.log.Warn("freeswitch: stopping prompt failed", "call", c.key.String(), "err", err)
	}
}

// stopPrompt makes sure the prompt is over before the attempt returns, so the
// next playback is not cut by a late uuid_break.
func (a *Adapter) stopPrompt(c *call, p *prompt) {
	if p == nil {
		return
	}
	defer c.cancel(p.w)
	if p.done == nil {
		return
	}
	ctx, cancel := a.stopContext(5 * time.Second)
	defer cancel()
	a.breakPrompt(ctx, c, p)
	select {
	case <-p.done:
	case <-c.endCh:
	case <-ctx.Done():
	}
}

func drain(ch chan *esl.Event) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}
