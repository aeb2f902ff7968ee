package freeswitch

import (
	"context"
	"strings"

	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/esl"
)

// ConferenceJoin puts the call into room (conference app, profile default)
// and returns once conference::maintenance reports the member added, or
// ErrNotConfirmed if the app ended first.
func (a *Adapter) ConferenceJoin(ctx context.Context, key orchestrator.Key, room string) error {
	if err := checkArg("room", room, " \t@"); err != nil {
		return err
	}
	c, err := a.lookup(key)
	if err != nil {
		return err
	}
	ctx, cancel := a.bound(ctx)
	defer cancel()
	id := newID()
	done := isComplete(id)
	w, err := c.await(func(ev *esl.Event) bool {
		return done(ev) || ev.Subclass() == "conference::maintenance" && ev.Get("Action") == "add-member" &&
			ev.Get("Conference-Name") == room
	}, false, 1)
	if err != nil {
		return err
	}
	defer c.cancel(w)
	if err := a.sendApp(ctx, c, id, "conference", room+"@default"); err != nil {
		return err
	}
	ev, err := c.wait(ctx, w)
	if err != nil {
		return err
	}
	if done(ev) {
		return errorf(ErrNotConfirmed, "conference %s on %s ended at once: %s", room, key, ev.Get("Application-Response"))
	}
	return nil
}

// ConferenceKick removes a member (conference <room> kick <id>).
func (a *Adapter) ConferenceKick(ctx context.Context, nodeName, room, member string) error {
	return a.conferenceAPI(ctx, nodeName, room, "kick", member)
}

// ConferenceMute mutes or unmutes a member.
func (a *Adapter) ConferenceMute(ctx context.Context, nodeName, room, member string, mute bool) error {
	verb := "unmute"
	if mute {
		verb = "mute"
	}
	return a.conferenceAPI(ctx, nodeName, room, verb, member)
}

func (a *Adapter) conferenceAPI(ctx context.Context, nodeName, room, verb, member string) error {
	if err := checkArg("room", room, " \t@"); err != nil {
		return err
	}
	if err := checkArg("member", member, " \t"); err != nil {
		return err
	}
	conn, err := a.nodeConn(nodeName)
	if err != nil {
		return err
	}
	ctx, cancel := a.bound(ctx)
	defer cancel()
	_, err = conn.API(ctx, "conference "+room+" "+verb+" "+member)
	return a.mapErr(nil, err)
}

// Eavesdrop makes the supervisor's call listen to target (eavesdrop app).
// Whisper and Barge set eavesdrop_whisper_aleg / _bleg first. In
// switch_ivr_eavesdrop_session, _bleg (ED_MUX_WRITE) mixes the supervisor
// into what is written to the target, so the target (the agent) hears it;
// _aleg (ED_MUX_READ) mixes it into the target's own audio, which goes to the
// target's peer (the caller). The target must
// exist on the supervisor's node (uuid_exists); the verb returns once the
// eavesdrop app started (CHANNEL_EXECUTE with our Application-UUID).
func (a *Adapter) Eavesdrop(ctx context.Context, supervisor, target orchestrator.Key, mode orchestrator.EavesdropMode) error {
	if supervisor.Node != target.Node {
		return errorf(orchestrator.ErrUnsupported, "eavesdrop across nodes (%s, %s)", supervisor, target)
	}
	c, err := a.lookup(supervisor)
	if err != nil {
		return err
	}
	ctx, cancel := a.bound(ctx)
	defer cancel()
	if out, err := a.api(ctx, c, "uuid_exists "+target.ID); err != nil || out != "true" {
		return errorf(orchestrator.ErrNoSuchCall, "eavesdrop target %s (%s %v)", target, out, err)
	}
	var aleg, bleg string
	switch mode {
	case orchestrator.Listen:
		aleg, bleg = "false", "false"
	case orchestrator.Whisper:
		aleg, bleg = "false", "true"
	case orchestrator.Barge:
		aleg, bleg = "true", "true"
	default:
		return errorf(ErrBadArgument, "eavesdrop mode %d", mode)
	}
	for _, set := range []string{"eavesdrop_whisper_aleg=" + aleg, "eavesdrop_whisper_bleg=" + bleg} {
		if _, err := a.execute(ctx, c, "set", set); err != nil {
			return err
		}
	}
	if err := a.socketEvent(ctx, c, "CHANNEL_EXECUTE"); err != nil {
		return err
	}
	id := newID()
	w, err := c.await(func(ev *esl.Event) bool {
		return (ev.Name() == "CHANNEL_EXECUTE" || ev.Name() == "CHANNEL_EXECUTE_COMPLETE") && ev.Get("Application-UUID") == id
	}, false, 1)
	if err != nil {
		return err
	}
	defer c.cancel(w)
	if err := a.sendApp(ctx, c, id, "eavesdrop", target.ID); err != nil {
		return err
	}
	ev, err := c.wait(ctx, w)
	if err != nil {
		return err
	}
	if ev.Name() == "CHANNEL_EXECUTE_COMPLETE" {
		return errorf(ErrNotConfirmed, "eavesdrop on %s ended at once", target)
	}
	return nil
}

// SetVar sets a channel variable (uuid_setvar).
func (a *Adapter) SetVar(ctx context.Context, key orchestrator.Key, name, value string) error {
	if err := checkArg("variable name", name, " \t="); err != nil {
		return err
	}
	if strings.ContainsAny(value, "\r\n") {
		return errorf(ErrBadArgument, "variable %s value contains a newline", name)
	}
	return a.simpleAPI(ctx, key, "uuid_setvar "+key.ID+" "+name+" "+value)
}

// GetVar reads a channel variable; an unset variable reads as "".
func (a *Adapter) GetVar(ctx context.Context, key orchestrator.Key, name string) (string, error) {
	if err := checkArg("variable name", name, " \t="); err != nil {
		return "", err
	}
	c, err := a.lookup(key)
	if err != nil {
		return "", err
	}
	ctx, cancel := a.bound(ctx)
	defer cancel()
	out, err := a.api(ctx, c, "uuid_getvar "+key.ID+" "+name)
	if out == "_undef_" {
		out = ""
	}
	return out, err
}

// SendDTMF sends digits on the call (uuid_send_dtmf).
func (a *Adapter) SendDTMF(ctx context.Context, key orchestrator.Key, digits string) error {
	if digits == "" || strings.Trim(digits, "0123456789*#ABCDabcdwW") != "" {
		return errorf(ErrBadArgument, "DTMF digits %q", digits)
	}
	return a.simpleAPI(ctx, key, "uuid_send_dtmf "+key.ID+" "+digits)
}
