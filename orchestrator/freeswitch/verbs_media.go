package freeswitch

import (
	"context"
	"strings"

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
	c.mu.Lock()
	answered := c.answered
	c.mu.Unlock()
	got := ev.Get("Answer-State")
	if got == state || got == "answered" || answered {
		return nil
	}
	if c.hungUp() {
		return errorf(orchestrator.ErrCallEnded, "%s %s", app, key)
	}
	return errorf(ErrNotConfirmed, "%s %s: Answer-State %q", app, key, got)
}

// Play plays p and returns when it finished, was stopped, or the call ended
// (ErrCallEnded). A missing file is an error.
func (a *Adapter) Play(ctx context.Context, key orchestrator.Key, p orchestrator.Playback) error {
	app, arg, err := a.playbackApp(p)
	if err != nil {
		return err
	}
	c, err := a.lookup(key)
	if err != nil {
		return err
	}
	c.addMedia(1)
	ev, err := a.execute(ctx, c, app, arg)
	c.addMedia(-1)
	if err != nil {
		return err
	}
	if c.hungUp() {
		return errorf(orchestrator.ErrCallEnded, "play on %s", key)
	}
	if resp := ev.Get("Application-Response"); strings.Contains(resp, "NOT FOUND") {
		return errorf(ErrMediaFailed, "play %q on %s: %s", arg, key, resp)
	}
	return nil
}

var playApps = map[string]bool{"playback": true, "endless_playback": true, "speak": true}

func (a *Adapter) playbackApp(p orchestrator.Playback) (app, arg string, err error) {
	if (p.Text == "") == (len(p.Files) == 0) {
		return "", "", errorf(ErrBadArgument, "playback needs exactly one of Files or Text")
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
	if p.Loop {
		return "endless_playback", arg, nil
	}
	return "playback", arg, nil
}

// StopPlay stops the media playing on the call (uuid_break all) and, if a
// Play is in progress, waits until FreeSWITCH reports it complete.
func (a *Adapter) StopPlay(ctx context.Context, key orchestrator.Key) error {
	c, err := a.lookup(key)
	if err != nil {
		return err
	}
	ctx, cancel := a.bound(ctx)
	defer cancel()
	playing := c.playing()
	if !playing {
		_, err := a.api(ctx, c, "uuid_break "+key.ID+" all")
		return err
	}
	_, err = a.confirmAPI(ctx, c, "uuid_break "+key.ID+" all", func(ev *esl.Event) bool {
		return ev.Name() == "CHANNEL_EXECUTE_COMPLETE" && playApps[ev.Get("Application")]
	})
	return err
}

// playing reports whether a Play is waiting for its media to complete.
func (c *call) playing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.media > 0
}

func (c *call) addMedia(d int) {
	c.mu.Lock()
	c.media += d
	c.mu.Unlock()
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
