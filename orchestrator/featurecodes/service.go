package featurecodes

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Desk is a tenant's ACD as the codes use it: acdowner.Owner's verbs, the
// ones the REST API's agent routes call.
type Desk interface {
	Login(ctx context.Context, agent string) error
	Logout(ctx context.Context, agent, reason string) error
	Ready(ctx context.Context, agent string) error
	NotReady(ctx context.Context, agent, reason string) error
	Break(ctx context.Context, agent, by string) error
	EndBreak(ctx context.Context, agent string) error
	EndWrap(ctx context.Context, agent string) error
	Agent(ctx context.Context, agent string) (acd.AgentView, error)
}

// Desks finds a tenant's running ACD.
type Desks interface {
	Desk(tenant tenancy.TenantID) (Desk, bool)
}

// ReasonPhone is the not-ready reason of the not-ready code dialled
// without digits by an agent of a tenant that has no reason codes.
const ReasonPhone = "phone"

// Settings are what a tenant set that the codes need.
type Settings struct {
	Codes    tenancy.FeatureCodes
	Reasons  []tenancy.ReasonCode // the not-ready reasons; reason digits N pick the N-th
	Language tenancy.Language
}

// SettingsSource reads a tenant's Settings.
type SettingsSource interface {
	FeatureSettings(ctx context.Context, tenant tenancy.TenantID) (Settings, error)
}

// Prompter renders text to a playable file (orchestrator/tts's Cache).
type Prompter interface {
	Synthesize(ctx context.Context, text, voice string) (string, error)
}

// Config wires a Service.
type Config struct {
	Desks    Desks
	Settings SettingsSource
	Prompter Prompter // nil: the switch speaks the text itself
	// TTSWait bounds one rendering by Prompter (the phone rings meanwhile);
	// past it the switch speaks the text. 0: 5 s.
	TTSWait time.Duration
	Log     *slog.Logger
	// Count is told each code's outcome (metrics); nil: not counted.
	Count func(tenant tenancy.TenantID, action string, outcome Outcome)
}

// Outcome is how a feature code call ended, for metrics.
type Outcome string

// Outcomes.
const (
	OutcomeDone    Outcome = "done"    // the change was made (or announced, for after the call), or the state said
	OutcomeRefused Outcome = "refused" // the state machine, the break cap or the reason number refused it; or no ACD
	OutcomeUnknown Outcome = "unknown" // no code of the tenant; action "unknown"
)

// Service answers feature codes.
type Service struct{ cfg Config }

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.TTSWait <= 0 {
		cfg.TTSWait = 5 * time.Second
	}
	return &Service{cfg: cfg}
}

var errUnknownCode = errors.New("no feature code of the tenant")

// Result is what a code did, for the call path's log.
type Result struct {
	Action tenancy.FeatureAction // "" : no code of the tenant
	Text   string                // what is said
	Err    error                 // why the action was refused, if it was
}

// FeatureCode runs dialled for agent of tenant and returns what to play
// (the call path's FeatureCodes port) and, for a change that makes the
// agent available (ready, the end of a break or of after-call work), the
// change itself, to apply once the phone's call is over: applied at once, a
// waiting call would be offered to the phone while it still plays the
// confirmation (a phone without call waiting answers busy, and the refused
// offer sets the agent not ready). The sentence then says the outcome the
// state machine allows now; apply logs when it is refused after all (a
// supervisor's change in between).
func (s *Service) FeatureCode(ctx context.Context, tenant tenancy.TenantID, agent, dialled string) (orchestrator.Playback, func(context.Context)) {
	p, res, apply := s.serve(ctx, tenant, agent, dialled)
	log := s.cfg.Log.With("tenant", string(tenant), "agent", agent, "action", string(res.Action))
	action, outcome := string(res.Action), OutcomeDone
	switch {
	case errors.Is(res.Err, errUnknownCode):
		action, outcome = "unknown", OutcomeUnknown
		log.Info("featurecodes: unknown code", "said", res.Text)
	case res.Err != nil:
		outcome = OutcomeRefused
		log.Info("featurecodes: code refused", "err", res.Err, "said", res.Text)
	default:
		log.Info("featurecodes: code served", "said", res.Text, "after_the_call", apply != nil)
	}
	if s.cfg.Count != nil {
		s.cfg.Count(tenant, action, outcome)
	}
	if apply == nil {
		return p, nil
	}
	return p, func(ctx context.Context) {
		if err := apply(ctx); err != nil {
			log.Warn("featurecodes: the change announced was refused after the call", "err", err)
		}
	}
}

// apply is a change made after the call.
type apply func(ctx context.Context) error

func (s *Service) serve(ctx context.Context, tenant tenancy.TenantID, agent, dialled string) (orchestrator.Playback, Result, apply) {
	set, err := s.cfg.Settings.FeatureSettings(ctx, tenant)
	sp := newSpeech(set.Language)
	var res Result
	var later apply
	if err != nil {
		sp.say(msgUnavailable)
		res.Err = err
	} else {
		res, later = s.run(ctx, tenant, agent, dialled, set, sp)
	}
	res.Text = sp.text
	return s.playback(ctx, sp), res, later
}

// run applies the code (or returns the change to apply after the call) and
// says the outcome into sp.
func (s *Service) run(ctx context.Context, tenant tenancy.TenantID, agent, dialled string, set Settings, sp *speech) (Result, apply) {
	req, ok := set.Codes.ParseFeatureCode(dialled)
	if !ok {
		sp.say(msgUnknownCode)
		return Result{Err: errUnknownCode}, nil
	}
	res := Result{Action: req.Action}
	desk, ok := s.cfg.Desks.Desk(tenant)
	if !ok {
		sp.say(msgUnavailable)
		res.Err = errors.New("the tenant's ACD is not running")
		return res, nil
	}
	if req.Action == tenancy.FeatureReady || req.Action == tenancy.FeatureEndWrap {
		later, err := s.announceAvailable(ctx, desk, agent, req.Action, sp)
		res.Err = err
		return res, later
	}
	reason := ""
	if req.Reason > 0 {
		if req.Reason > len(set.Reasons) {
			sp.say(msgUnknownReason, strconv.Itoa(req.Reason))
			res.Err = errors.New("no reason number " + strconv.Itoa(req.Reason))
			return res, nil
		}
		reason = set.Reasons[req.Reason-1].Code
	}
	if res.Err = s.act(ctx, desk, agent, req.Action, reason, set); res.Err != nil {
		s.refusal(res.Err, sp)
		return res, nil
	}
	switch req.Action {
	case tenancy.FeatureLogout:
		sp.say(msgLoggedOut)
		return res, nil
	case tenancy.FeatureLogin:
		sp.say(msgLoggedIn)
	case tenancy.FeatureBreak:
		sp.say(msgBreakGranted)
	}
	s.sayState(ctx, desk, agent, set, reason, sp)
	return res, nil
}

// announceAvailable says the outcome of ready or end_wrap as the state
// machine allows it now and returns the change to make after the call.
// Ready from a break ends the break, from after-call work ends that.
func (s *Service) announceAvailable(ctx context.Context, desk Desk, agent string, a tenancy.FeatureAction, sp *speech) (apply, error) {
	v, err := desk.Agent(ctx, agent)
	if err != nil {
		s.refusal(err, sp)
		return nil, err
	}
	ev, change := acd.EvReady, desk.Ready
	switch {
	case a == tenancy.FeatureEndWrap || v.State == acd.AfterCallWork:
		ev, change = acd.EvWrapEnd, desk.EndWrap
	case v.State == acd.Break:
		ev, change = acd.EvEndBreak, desk.EndBreak
	}
	if !acd.Allows(v.State, ev) {
		err := &acd.TransitionError{Agent: agent, State: v.State, Event: ev}
		s.refusal(err, sp)
		return nil, err
	}
	to := acd.Ready
	if ev == acd.EvWrapEnd && v.PendingNR {
		to = acd.NotReady
	}
	if ev == acd.EvWrapEnd {
		sp.say(msgWrapEnded)
	}
	sp.say(msgState, sp.state(to))
	return func(ctx context.Context) error { return change(ctx, agent) }, nil
}

// act changes the agent's state as the REST API's agent routes do.
func (s *Service) act(ctx context.Context, desk Desk, agent string, a tenancy.FeatureAction, reason string, set Settings) error {
	switch a {
	case tenancy.FeatureLogin:
		return desk.Login(ctx, agent)
	case tenancy.FeatureLogout:
		return desk.Logout(ctx, agent, "")
	case tenancy.FeatureNotReady:
		if reason == "" && len(set.Reasons) > 0 {
			reason = set.Reasons[0].Code // the code alone: the first of the tenant's reasons
		}
		if reason == "" {
			reason = ReasonPhone
		}
		return desk.NotReady(ctx, agent, reason)
	case tenancy.FeatureBreak:
		return desk.Break(ctx, agent, reason)
	}
	return nil // FeatureState: nothing to change; ready and end_wrap: announceAvailable
}

// refusal says why the ACD refused the change.
func (s *Service) refusal(err error, sp *speech) {
	te, isTransition := errors.AsType[*acd.TransitionError](err)
	be, isCap := errors.AsType[*acd.BreakCapError](err)
	switch {
	case isTransition:
		sp.say(msgNotAllowed, sp.state(te.State))
	case isCap:
		sp.say(msgBreakRefused, be.OnBreak, be.Max)
	case errors.Is(err, acd.ErrUnknownAgent):
		sp.say(msgNotAgent)
	default:
		sp.say(msgUnavailable)
	}
}

// sayState says the agent's state, its reason and a pending not-ready. The
// ACD keeps a break's reason in its transition only: breakReason is the one
// just dialled.
func (s *Service) sayState(ctx context.Context, desk Desk, agent string, set Settings, breakReason string, sp *speech) {
	v, err := desk.Agent(ctx, agent)
	switch {
	case errors.Is(err, acd.ErrUnknownAgent):
		sp.say(msgNotAgent)
		return
	case err != nil:
		sp.say(msgUnavailable)
		return
	}
	sp.say(msgState, sp.state(v.State))
	if v.State == acd.Break && v.Reason == "" {
		v.Reason = breakReason
	}
	if (v.State == acd.NotReady || v.State == acd.Break) && v.Reason != "" && v.Reason != acd.ReasonLogin &&
		v.Reason != ReasonPhone && !isSupervisorGrant(v.Reason) {
		sp.say(msgReason, sp.reason(v.Reason, set.Reasons))
	}
	if v.PendingNR {
		sp.say(msgPendingNR)
	}
}

// isSupervisorGrant: a break a supervisor granted carries "supervisor:NAME"
// as its reason (api's forceAgentState), which is not said.
func isSupervisorGrant(reason string) bool {
	return len(reason) > len("supervisor:") && reason[:len("supervisor:")] == "supervisor:"
}

// playback renders the answer with the TTS cache, else leaves it to the
// switch's own TTS.
func (s *Service) playback(ctx context.Context, sp *speech) orchestrator.Playback {
	voice := voices[sp.lang]
	if s.cfg.Prompter != nil {
		ctx, cancel := context.WithTimeout(ctx, s.cfg.TTSWait)
		defer cancel()
		path, err := s.cfg.Prompter.Synthesize(ctx, sp.text, voice)
		if err == nil {
			return orchestrator.Playback{Files: []string{path}}
		}
		s.cfg.Log.Warn("featurecodes: tts failed; the switch speaks the text", "voice", voice, "err", err)
	}
	return orchestrator.Playback{Text: sp.text, Voice: voice}
}
