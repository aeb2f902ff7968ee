package flowrun

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/orchestrator"
)

// beep is played before recording when the flow asks for one.
var beep = orchestrator.Playback{Tone: orchestrator.ToneRecordBeep}

// defaultMaxRecording bounds a recording whose node sets no limit.
const defaultMaxRecording = 2 * time.Minute

// recording is what one Record or Voicemail captured.
type recording struct {
	path     string
	duration time.Duration
	started  bool // RecordStart succeeded: there is a file
	err      error
}

// record plays the prompt (a key skips it), beeps, then records until max
// length, a key, or the caller hanging up. The result is fed as RecordDone
// unless the caller hung up (the loop then feeds CallerHangup).
func (in *instance) record(ctx context.Context, prompt []ivrflows.PlayItem, max time.Duration, withBeep bool, mailbox string) recording {
	rec := recording{}
	in.startPlayback(ctx, prompt, false)
	if !in.waitPlayback(ctx) {
		return rec
	}
	if withBeep {
		in.startParts(ctx, false, func(context.Context) []orchestrator.Playback { return []orchestrator.Playback{beep} })
		if !in.waitPlayback(ctx) {
			return rec
		}
	}
	in.records++
	rec.path = in.recordPath(mailbox)
	if err := in.r.cfg.Switch.RecordStart(ctx, in.call.Key, rec.path); err != nil {
		if errors.Is(err, orchestrator.ErrCallEnded) || errors.Is(err, orchestrator.ErrNoSuchCall) {
			in.gone = true // not a recording failure: nobody left to record
		}
		rec.err = err
		in.feedRecord(ctx, rec)
		return rec
	}
	rec.started = true
	start := in.r.cfg.Clock.Now()
	in.recordUntilDone(ctx, max)
	rec.duration = in.r.cfg.Clock.Now().Sub(start)
	if !in.gone {
		if err := in.r.cfg.Switch.RecordStop(ctx, in.call.Key, rec.path); err != nil && ctx.Err() == nil {
			in.log.Warn("flowrun: record stop failed", "path", rec.path, "err", err)
		}
	}
	in.feedRecord(ctx, rec)
	return rec
}

// recordUntilDone waits for the length limit, a key or the hang-up (which
// FreeSWITCH and Asterisk both treat as the end of the recording).
func (in *instance) recordUntilDone(ctx context.Context, max time.Duration) {
	if max <= 0 {
		max = defaultMaxRecording
	}
	limit := in.r.cfg.Clock.After(max)
	for {
		select {
		case <-limit:
			return
		case ev, ok := <-in.call.Events:
			switch in.event(ctx, ev, ok).(type) {
			case ivrflows.CallerHangup, ivrflows.Digit:
				return
			}
		case <-ctx.Done():
			in.gone = true
			return
		}
	}
}

func (in *instance) feedRecord(ctx context.Context, rec recording) {
	if in.gone || ctx.Err() != nil {
		return
	}
	done := ivrflows.RecordDone{Path: rec.path, Duration: rec.duration}
	if rec.err != nil {
		done.Err = rec.err.Error()
	}
	in.inputs = append(in.inputs, done)
}

// voicemail records a message and saves it to its mailbox, also when the
// caller ends the message by hanging up (the usual way).
func (in *instance) voicemail(ctx context.Context, c ivrflows.Voicemail) {
	rec := in.record(ctx, c.Greeting, c.MaxLength, true, c.Mailbox)
	if !rec.started {
		return
	}
	if in.r.cfg.Voicemail == nil {
		in.log.Error("flowrun: voicemail not saved: no sink", "mailbox", c.Mailbox, "path", rec.path)
		return
	}
	m := VoicemailMessage{Tenant: in.meta.Tenant, Mailbox: c.Mailbox, Call: in.call.Key, Caller: in.call.From,
		Path: rec.path, Duration: rec.duration, Notify: c.Notify, At: in.r.cfg.Clock.Now()}
	sctx, cancel := detached(ctx)
	defer cancel()
	if err := in.r.cfg.Voicemail.SaveVoicemail(sctx, m); err != nil {
		in.log.Error("flowrun: saving voicemail failed", "mailbox", c.Mailbox, "path", rec.path, "err", err)
	}
}

// recordPath is where a recording goes on the node:
// DIR/TENANT/CALL-N.wav, or DIR/TENANT/voicemail/MAILBOX/CALL-N.wav.
func (in *instance) recordPath(mailbox string) string {
	name := fmt.Sprintf("%s-%d.wav", safeName(in.call.Key.ID), in.records)
	if mailbox == "" {
		return path.Join(in.r.cfg.RecordDir, safeName(string(in.meta.Tenant)), name)
	}
	return path.Join(in.r.cfg.RecordDir, safeName(string(in.meta.Tenant)), "voicemail", safeName(mailbox), name)
}

// safeName keeps a path segment to letters, digits, '-', '_' and '.', so
// tenant-chosen names cannot climb directories or break switch arguments.
func safeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}
