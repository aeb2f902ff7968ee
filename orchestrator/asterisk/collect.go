package asterisk

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
)

// Collect gathers DTMF from ChannelDtmfReceived events (ARI has no
// play_and_get_digits): the prompt plays until the first digit; digits
// pressed before Collect count (type-ahead); terminators, the reset key,
// Max, the first- and inter-digit timeouts, Pattern and Tries as specified.
func (a *Adapter) Collect(ctx context.Context, k orchestrator.Key, spec orchestrator.CollectSpec) (orchestrator.CollectResult, error) {
	c, err := a.lookup(k)
	if err != nil {
		return orchestrator.CollectResult{}, err
	}
	var re *regexp.Regexp
	if spec.Pattern != "" {
		if re, err = regexp.Compile(spec.Pattern); err != nil {
			return orchestrator.CollectResult{}, fmt.Errorf("asterisk: collect pattern: %w", err)
		}
	}
	tries := max(spec.Tries, 1)
	var res orchestrator.CollectResult
	for try := range tries {
		res, err = a.collectOnce(ctx, c, spec)
		if err != nil {
			return res, err
		}
		res.Valid = valid(res.Digits, spec, re)
		if res.Valid || try == tries-1 {
			return res, nil
		}
		if len(spec.InvalidPrompt) > 0 {
			if err := a.Play(ctx, k, orchestrator.Playback{Files: spec.InvalidPrompt}); err != nil {
				return res, err
			}
		}
	}
	return res, nil
}

func valid(d string, spec orchestrator.CollectSpec, re *regexp.Regexp) bool {
	if len(d) < max(spec.Min, 1) || spec.Max > 0 && len(d) > spec.Max {
		return false
	}
	return re == nil || re.MatchString(d)
}

// nextDigit takes the oldest unread digit, or the channel that closes on
// the next one.
func (a *Adapter) nextDigit(c *callState) (string, <-chan struct{}) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(c.dtmf) > 0 {
		d := c.dtmf[0]
		c.dtmf = c.dtmf[1:]
		return d, nil
	}
	return "", c.dtmfCh
}

func (a *Adapter) collectOnce(ctx context.Context, c *callState, spec orchestrator.CollectSpec) (orchestrator.CollectResult, error) {
	var res orchestrator.CollectResult
	var prompt sync.WaitGroup
	promptOn := false
	if len(spec.Prompt) > 0 {
		promptOn = true
		prompt.Add(1)
		go func() { // owned here: waited for before returning
			defer prompt.Done()
			a.Play(ctx, c.key, orchestrator.Playback{Files: spec.Prompt})
		}()
	}
	defer prompt.Wait()
	stopPrompt := func() {
		if promptOn {
			promptOn = false
			a.StopPlay(ctx, c.key)
		}
	}
	defer stopPrompt()
	wait := spec.FirstDigitTimeout
	if wait <= 0 {
		wait = 5 * time.Second
	}
	inter := spec.InterDigitTimeout
	if inter <= 0 {
		inter = wait
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		d, next := a.nextDigit(c)
		if next != nil {
			select {
			case <-next:
				continue
			case <-timer.C:
				res.TimedOut = true
				return res, nil
			case <-c.endedCh:
				return res, fmt.Errorf("%w: %s", orchestrator.ErrCallEnded, c.key)
			case <-ctx.Done():
				return res, context.Cause(ctx)
			}
		}
		stopPrompt()
		switch {
		case spec.ResetKey != "" && d == spec.ResetKey:
			res.Digits = ""
		case strings.Contains(spec.Terminators, d):
			res.Terminator = d
			return res, nil
		default:
			res.Digits += d
			if spec.Max > 0 && len(res.Digits) >= spec.Max {
				return res, nil
			}
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(inter)
	}
}
